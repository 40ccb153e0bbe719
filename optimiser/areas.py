"""Improving a plan one area at a time (large-neighbourhood search).

On a county-scale NPV model HiGHS spends most of a minute on its root cuts before its
own heuristics find better plans. A plan is improved faster by freeing the decisions
of one area (the ``size`` holdings nearest a seed holding: whether each is kept or left,
which services it delivers, where the teams housed there go) with everything else held
as it is, and solving that small MIP; a better plan replaces the incumbent and the next
area follows. Every plan found this way meets every constraint of the whole model: the
held columns keep their values and the freed ones are solved against all rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from optimiser.linear import LinearModel, set_start, set_threads

AREA_SECONDS = 1.5
"""Time given to one area's MIP. On the county benchmark, areas of 60 holdings at 1.5 s
reached better plans within the minute than 150 at 3 s, 250 at 4 s or 30 at 1 s."""


STALLED = 20
GROWTH = 2
MAX_AREA = 480
"""After ``STALLED`` areas in a row without a better plan, areas grow ``GROWTH``-fold in
holdings and in time, up to ``MAX_AREA`` holdings. On the county benchmark, areas of 60
stall at an NPV of GBP 4,511m (ten minutes found nothing better), where areas of 200 at
10 s went on to 4,543m in four minutes; growing them, the minute's plan is 4,520m, not
4,507m. Re-measured without RINS in the areas' MIPs (2026-12-05, the plan search alone for
five minutes): areas of 60 reached GBP 4,514m (3,867 areas), growing ones 4,540m (345)."""


AREA_OPTIONS: dict[str, bool | int | float] = {
    "random_seed": 0,
    "mip_rel_gap": 1e-4,
    "mip_heuristic_run_rins": False,
}
"""HiGHS's options for an area's MIP.

HiGHS's restarts stay on here, unlike where its bound is reported: only the plan is used, and
kept only if better (without them the sample place took 26 s to its gap, not 20 s). Its RINS
heuristic is off: RINS can stall in its sub-MIP's presolve, deaf to the time limit. On the
county benchmark one area's MIP, given 3 s, ran on for minutes (HiGHS 1.16; the area is kept
in ``tests/data/solver/``); without RINS it takes 1.2 s, and the minute's plan is the same
(GBP 4,517m both ways, 240 areas searched; 2026-12-05)."""


@dataclass(frozen=True)
class Areas:
    """Where each column of a model lies.

    Attributes
    ----------
    holding
        Per column, the position of the holding it decides about (an assignment: its
        host); -1 for columns tied to no holding (zone covers), which are always free.
    team
        Per column, the position of the team an assignment houses; -1 for the rest.
    serve
        Per column, whether it says that a holding delivers a service.
    xy
        Holdings' coordinates in metres, one row per holding position.
    size
        Holdings per area.

    """

    holding: np.ndarray
    team: np.ndarray
    serve: np.ndarray
    xy: np.ndarray
    size: int = 60


def free_columns(areas: Areas, centre: int, x: np.ndarray, size: int | None = None) -> np.ndarray:
    """The columns freed for the area around holding ``centre``, given the plan ``x``.

    They are the area's own decisions (the ``size`` holdings nearest the centre, by
    default ``areas.size``), every assignment of each team the plan houses in the area
    (so it may move anywhere it is allowed), the services of every holding such a team
    could go to, and the columns tied to no holding.
    """
    distance = np.nan_to_num(((areas.xy - areas.xy[centre]) ** 2).sum(axis=1), nan=np.inf)
    inside = np.zeros(len(areas.xy), dtype=bool)
    inside[np.argsort(distance, kind="stable")[: size or areas.size]] = True
    assign = areas.team >= 0
    tied = areas.holding >= 0
    housed = assign & (x > 0.5) & tied & inside[np.maximum(areas.holding, 0)]
    moving = np.zeros(max(int(areas.team.max(initial=-1)) + 1, 1), dtype=bool)  # a model may have no teams
    moving[areas.team[housed]] = True
    free = ~tied | (tied & ~assign & inside[np.maximum(areas.holding, 0)])
    free |= assign & moving[np.maximum(areas.team, 0)]
    reachable = np.zeros(len(areas.xy), dtype=bool)
    reachable[areas.holding[free & assign]] = True
    free |= areas.serve & reachable[np.maximum(areas.holding, 0)]
    return free


def unattached_columns(areas: Areas) -> np.ndarray:
    """The columns of holdings that no team and no service is tied to.

    Whether each is kept, and how it is left, meets no other holding's decisions but in
    shared rows such as a budget, so they are settled together in one small MIP before
    the areas: a plan started from today's estate gains their disposals at once.
    """
    tied = areas.holding >= 0
    attached = np.zeros(len(areas.xy), dtype=bool)
    attached[areas.holding[tied & ((areas.team >= 0) | areas.serve)]] = True
    return tied & ~attached[np.maximum(areas.holding, 0)]


def improve_by_areas(
    model: LinearModel,
    areas: Areas,
    x: np.ndarray,
    deadline: float,
    *,
    threads: int | None = None,
    stop: Callable[[], bool] = lambda: False,
    report: Callable[[float, np.ndarray], None] = lambda value, x: None,
) -> tuple[np.ndarray, float, int]:
    """Improve the plan ``x`` area by area until ``deadline`` (``time.perf_counter()``) or ``stop()``.

    The holdings tied to nothing else go first, together (:func:`unattached_columns`);
    then areas centred on the holdings in a seeded random order, so the same inputs visit
    the same areas; when a run of them finds nothing better, larger ones follow
    (:data:`STALLED`). ``report`` receives each better objective value and its plan. ``threads`` is
    HiGHS's thread count (``None``: HiGHS's default).

    Returns the best plan, its objective value and the number of areas searched.
    """
    integer = model.arrays()[3]
    best = np.where(integer, np.round(x), x)
    value = model.objective_value(best)
    unattached = unattached_columns(areas)
    first = unattached if unattached.any() else None  # searched once, before the areas
    located = np.flatnonzero(~np.isnan(areas.xy).any(axis=1))
    order = located[np.random.default_rng(0).permutation(len(located))]
    searched = idle = 0
    size, seconds = areas.size, AREA_SECONDS
    while (first is not None or len(order)) and not stop():
        left = deadline - time.perf_counter()
        if left < 0.2:
            break
        area = first is None
        if area:
            free = free_columns(areas, int(order[searched % len(order)]), best, size)
            searched += 1
        else:
            free, first = first, None
        found = _solve_area(model, free, best, min(seconds, left), threads)
        found_value = model.objective_value(found) if found is not None else value
        margin = 1e-9 * max(1.0, abs(value))
        if found_value > value + margin if model.sense == "max" else found_value < value - margin:
            best, value, idle = found, found_value, 0
            report(value, best)
            continue
        if not area:  # the unattached holdings' search is not an area
            continue
        idle += 1
        if idle >= STALLED and size < MAX_AREA:
            # these areas have little left to give: larger ones can move what they cannot
            size, seconds, idle = min(int(GROWTH * size), MAX_AREA), GROWTH * seconds, 0
    return best, value, searched


def _solve_area(
    model: LinearModel, free: np.ndarray, x: np.ndarray, limit: float, threads: int | None
) -> np.ndarray | None:
    """The plan ``x`` with its ``free`` columns re-solved (the rest held); ``None`` if none found.

    Only the free columns and the rows they can change are passed to HiGHS; the held
    columns' share of each row moves into the row's bounds (:meth:`LinearModel.to_highs`).
    Rows implied by the others (they tighten a bound, which an area does not report) are
    left out.
    """
    highs = model.to_highs(columns=free, held=x, implied=False)  # the same plans, a lighter model
    for name, value in AREA_OPTIONS.items():
        highs.setOptionValue(name, value)
    highs.setOptionValue("time_limit", float(limit))
    set_threads(highs, threads)
    set_start(highs, x[free])
    if highs.run() == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS could not solve an area of the plan (see its log)")
    if highs.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
        return None
    found = x.copy()
    found[free] = np.asarray(highs.getSolution().col_value, dtype=float)
    return np.where(model.arrays()[3], np.round(found), found)

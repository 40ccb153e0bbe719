"""Solving a model, and saying truthfully what the solver achieved.

The solver is created here and nowhere else. HiGHS (the default) receives the whole
model in one call through ``highspy``; CBC receives it through PuLP
(:meth:`optimiser.linear.LinearModel.to_pulp`). PuLP's own HiGHS interface adds columns
and rows one call at a time, which on a 50,000-assignment model costs more than a
second before HiGHS starts; handing HiGHS the arrays directly avoids that.

Status, from the solver's own status *and* whether it holds a feasible solution:

``optimal``
    proven optimal (gap at most :data:`OPTIMAL_GAP`, HiGHS's own default tolerance);
``feasible``
    a plan with a proven gap above that: stopped by the time limit, or by the looser
    ``mip_gap`` the scenario asked for; the gap, the best bound and which stop it was
    (``stopped``) are reported;
``infeasible``
    no plan meets every constraint (a diagnosis follows);
``no plan found``
    stopped by the time limit before any plan was found;
``unbounded`` / ``error``
    never expected from the planner's models; reported as they are.

A solution is read only for ``optimal`` and ``feasible``.
"""

from __future__ import annotations

import math
import os
import queue
import re
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import highspy
import numpy as np

from optimiser.areas import Areas, improve_by_areas
from optimiser.linear import INF, LinearModel, set_start, set_threads
from optimiser.scenario import Scenario

SOLVED = ("optimal", "feasible")
"""Statuses that come with a plan."""

Progress = Callable[[dict[str, Any]], None]
"""Receives ``{"stage": "solving", "gap": g, "detail": text}`` while a solve runs."""

SEARCHING = "searching for better plans, and proof of how good the best is"
"""Progress words while HiGHS searches the whole model."""
OPEN_PART = "planning the decisions the quick estimate left open"
"""Progress words while the guided start solves the decisions the LP relaxation leaves fractional."""

NEAREST_FIRST = "each team's nearest hosts first; every other move shown not to improve the plan"
FIRST_PLAN = "first plan, with the hubs the LP relaxation settles held"
"""How :func:`solve_with_candidates` found its plan, in the words a run's details show."""

GUIDED_COLUMNS = 10_000
"""Models with at least this many columns get the LP-guided start (:func:`_guided_start`).

The sample place under the default scenario (12,000 columns) reaches the 0.5 % gap in
about 21 s this way, with two cores (:func:`_two_searches`); HiGHS alone on the same model
takes from 12 s to its 60 s limit, by its random seed (2026-12-05, at 709fcff)."""

ROOT_IPM_COLUMNS = 25_000
"""Above this many columns the full search solves its root LP by interior point, below it by
HiGHS's own choice (the dual simplex). Measured 2026-12-05 with two searches side by side: the
county benchmark (40,900 columns) was at a 0.98 % gap after 60 s by interior point and 1.51 %
by the dual simplex; the sample place (12,000) reached its 0.5 % gap in 21 s by the dual
simplex and 31 s by interior point."""

CANDIDATE_COLUMNS = 5_000
"""Candidate families at least this large are solved by :func:`solve_with_candidates`."""

FIRST_PLAN_LP_TIMES = 5.0
"""The first plan of :func:`solve_with_candidates` may take this many times its first LP
(and at least a second, so a small model's is not cut short by its LP's few milliseconds).

On the p-medians it takes under twice the LP (1.2 s after 0.8 s at 500 x 100, 1.8 s after
2.8 s at 1,000 x 200); on the sample place with 25 hubs, where it is 65 % above the LP's
bound, it took 9 s of the minute (2026-12-05)."""

PDLP_SECONDS = 2.0
"""The first restricted LP of :func:`solve_with_candidates` runs PDLP for at most this long
beside the interior point (two cores or more); the first to an optimal basis wins.

On the 500 x 100 p-medians HiGHS's HiPDLP with crossover took 0.53 s, 0.87 s, 0.26 s and
0.14 s (seeds 0, 1, 3, 7) against the interior point's 0.71 s, 0.67 s, 0.69 s and 0.59 s;
at 1,000 x 200, 5.8 s unconverged and 1.4 s against 2.6 s and 2.0 s; on the sample place
with 25 hubs, 1.3 s against 0.77 s (2026-12-05). PDLP cannot be stopped from outside, so
when the interior point wins it runs on, on the other core, to this limit."""

STOP_GRACE_SECONDS = 10.0
"""How long past the time limit :func:`_two_searches` waits for its searches to stop.

HiGHS stops within a second of being asked, except inside the presolve of one of its own
sub-MIPs, where neither the time limit nor an interrupt is looked at: on the county
benchmark run for ten minutes, an area's MIP, given 3 s, was found there minutes later
(HiGHS 1.16, 2026-12-05; the areas now run without the heuristic that started it, RINS).
Past this grace the solve returns without the search still running: the bound the full
search last reported holds, and so does the area search's last plan; the search ends on
its own in its thread."""

MERGE_GAP = 0.01
"""A first plan within this relative gap of the LP bound brings in, before the restricted
MIP, the left-out moves that could improve on it. The further it is, the more of them:
on the p-medians, 0.1 % to 0.25 % from the bound, this spared a second MIP (seeds 1, 3
and 7 at 500 x 100 took 11 s in all, not 12 s); on the sample place with 25 hubs its plan,
65 % from the bound, brought in 4,700 moves, and the MIP over them had not reached the
gap in the minute."""


@dataclass(frozen=True)
class Candidates:
    """A large family of 0-1 columns, each belonging to a group of which one is chosen.

    Attributes
    ----------
    columns
        Column numbers (e.g. every ``assign[t,h]``).
    groups
        The group of each column (e.g. the team's position).
    rank
        Cheaper first within a group (e.g. FTE x km).
    per_group
        How many candidates per group to start with.
    key
        Columns of the decisions that settle a plan (e.g. every ``retain[h]``). When the
        restricted LP is not whole, those it leaves at 0 or 1 are fixed for a first plan
        (:func:`_first_plan`), which starts the restricted MIP.

    """

    columns: np.ndarray
    groups: np.ndarray
    rank: np.ndarray
    per_group: int = 20
    key: np.ndarray | None = None


OPTIMAL_GAP = 1e-4
"""A plan proven within this relative gap is called optimal."""


@dataclass(frozen=True)
class SolveResult:
    """What a solver returned.

    Attributes
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible``, ``no plan found``, ``unbounded`` or
        ``error``.
    objective
        Objective value of the solution (``None`` without one).
    bound
        Best bound proven on the objective (``None`` where the solver gives none).
    gap
        Relative gap ``|objective - bound| / |objective|`` (``None`` where unknown).
    seconds
        Wall time in the solver.
    solver
        ``highs`` or ``cbc``.
    detail
        The solver's own status text.
    x
        Column values (``None`` without a solution).
    stopped
        Why the solver stopped: ``proof``, ``gap tolerance``, ``time limit``, or the
        solver's status for the rest.

    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    detail: str
    x: np.ndarray | None = None
    stopped: str = ""

    @property
    def solved(self) -> bool:
        """True when the result carries a plan."""
        return self.status in SOLVED and self.x is not None


def solve(
    model: LinearModel,
    scenario: Scenario,
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    start: np.ndarray | None = None,
    guide: np.ndarray | None = None,
    candidates: Candidates | None = None,
    areas: Areas | None = None,
    log: bool = False,
    progress: Progress | None = None,
) -> SolveResult:
    """Solve ``model`` with the scenario's solver, time limit and gap.

    Parameters
    ----------
    model
        The MILP.
    scenario
        Gives ``solver``, ``time_limit_s``, ``mip_gap`` and ``threads``.
    time_limit, mip_gap
        Override the scenario's values (the diagnosis uses shorter limits).
    start
        Column values of a plan to start from (HiGHS; ignored if it breaks a constraint).
    guide
        Columns of the key decisions (the planner passes ``retain``). With HiGHS, the LP
        relaxation is solved first; the decisions it leaves whole are fixed and the
        rest solved as a small MIP, whose plan starts the full solve (see
        :func:`_guided_start`). The LP's value is kept as a bound. The full solve's
        root LP is then solved by interior point (the dual simplex can take minutes
        on such models once access standards bind).
    candidates
        A large family of columns (the planner passes ``assign`` for ``least_travel``)
        to solve with a few candidates per group first and the rest priced out with a
        proof (:func:`solve_with_candidates`). HiGHS only, minimisation only.
    areas
        Where each column lies (the planner passes them for ``npv``). With a ``guide``
        and two or more cores, the full search runs on one core for its bound while the
        other improves the guided start's plan area by area (:func:`_two_searches`).
    log
        Show the solver's log.
    progress
        Receives the gap so far, about once a second, while HiGHS searches (CBC, run as
        a separate program, reports only when it ends).

    """
    watch = _Watch(progress)
    limit = scenario.time_limit_s if time_limit is None else time_limit
    gap = scenario.mip_gap if mip_gap is None else mip_gap
    if scenario.solver == "cbc":
        return _solve_cbc(model, limit, gap, scenario.threads, log)
    if candidates is not None and model.sense == "min" and len(candidates.columns) >= CANDIDATE_COLUMNS:
        return solve_with_candidates(model, candidates, limit, gap, scenario.threads, log, watch)
    started = time.perf_counter()
    lp_bound = None
    guided = bool(guide is not None and len(guide) and model.arrays()[3].any() and model.n_cols >= GUIDED_COLUMNS)
    if guided and areas is not None and _cores(scenario.threads) >= 2:
        return _two_searches(model, guide, areas, limit, gap, start, log, watch)
    if guided:
        found, lp_bound, used_up = _guided_start(model, guide, limit, scenario.threads, log, watch)
        if found is not None:
            start = found.x
            # the small MIP's own bound holds only for it; the LP's holds for the model
            stopped = "time limit" if used_up else "gap tolerance"
            unbounded = SolveResult(
                "feasible", found.objective, None, None, 0.0, "highs", found.detail, found.x, stopped
            )
            proven = _with_bound(unbounded, lp_bound, model.sense, time.perf_counter() - started)
            if used_up or (proven.gap is not None and proven.gap <= gap):
                return proven
            watch.report(proven.gap, "improving the first plan")
    remaining = max(limit - (time.perf_counter() - started), 0.05 * limit)
    # a model large enough for the guided start has a root LP the dual simplex may take
    # minutes over (binding access standards); the interior point takes seconds
    result = _solve_highs(model, remaining, gap, scenario.threads, log, start, watch, lp_bound, guided)
    return _with_bound(result, lp_bound, model.sense, time.perf_counter() - started)


# --- HiGHS ------------------------------------------------------------------------------

_HIGHS_STOPPED = {
    highspy.HighsModelStatus.kTimeLimit,
    highspy.HighsModelStatus.kIterationLimit,
    highspy.HighsModelStatus.kInterrupt,
    highspy.HighsModelStatus.kSolutionLimit,
    highspy.HighsModelStatus.kObjectiveBound,
    highspy.HighsModelStatus.kObjectiveTarget,
}


def _solve_highs(
    model: LinearModel,
    limit: float,
    gap: float,
    threads: int | None,
    log: bool,
    start: np.ndarray | None,
    watch: _Watch,
    bound: float | None = None,
    root_ipm: bool = False,
) -> SolveResult:
    started = time.perf_counter()
    highs = _full_search(model, limit, gap, threads, log, start, root_ipm)
    watch.attach(highs, SEARCHING, bound=bound, sense=model.sense)
    highs.run()
    result = read_highs(highs, model, time.perf_counter() - started)
    if result.stopped == MISMATCH and start is not None:
        # the start came back in place of the solution HiGHS found: solve again without it
        left = max(limit - (time.perf_counter() - started), 0.05 * limit)
        highs = _full_search(model, left, gap, threads, log, None, root_ipm)
        watch.attach(highs, SEARCHING, bound=bound, sense=model.sense)
        highs.run()
        again = read_highs(highs, model, time.perf_counter() - started)
        if again.solved:
            return again
    return result


def _full_search(
    model: LinearModel,
    limit: float,
    gap: float,
    threads: int | None,
    log: bool,
    start: np.ndarray | None,
    root_ipm: bool,
) -> highspy.Highs:
    """HiGHS set up to search the whole model (not yet run)."""
    highs = model.to_highs()
    _options(highs, limit, threads, log)
    highs.setOptionValue("mip_rel_gap", float(gap))
    if root_ipm:
        highs.setOptionValue("mip_lp_solver", "ipm")  # the root's first LP only; nodes use the dual simplex
    if start is not None:
        set_start(highs, start)
    return highs


def solve_with_candidates(
    model: LinearModel,
    candidates: Candidates,
    limit: float,
    gap: float,
    threads: int | None,
    log: bool,
    watch: _Watch | None = None,
) -> SolveResult:
    """Solve with a few candidates per group, then prove the rest cannot improve the plan.

    1. Keep the ``per_group`` cheapest candidates of each group (and every other column);
       rows that can no longer be violated are dropped (:meth:`LinearModel.restricted`).
    2. Solve this restricted MIP: its plan is feasible for the whole model (left-out
       columns are 0), so its value is an upper bound. When its LP (step 3) is not whole,
       a first plan with the ``key`` decisions the LP settles fixed (:func:`_first_plan`)
       starts it, and the left-out columns that could improve on that plan join it first.
       Its root LP is by interior point.
    3. Solve the restricted LP and price *every* column with its row duals ``y``
       (``d = c - A'y``, dropped rows at ``y = 0``). For any ``y`` of the right signs,
       ``L(y) = sum of y times the row bound it presses on + sum of min(d l, d u)`` is a
       lower bound on the whole model, and a plan using a left-out column ``k`` costs at
       least ``L(y) + d_k``. Left-out columns with ``L(y) + d_k`` below the plan's value
       are added and the loop repeats; when none is left, the plan is within the gap of
       ``min(restricted bound, L(y) + min d_k)`` and the proof holds for the whole model.
    If the restricted MIP is infeasible, the number of candidates doubles.
    """
    started = time.perf_counter()
    integer = model.arrays()[3]
    active = np.ones(model.n_cols, dtype=bool)
    active[candidates.columns] = False
    order = np.lexsort((candidates.rank, candidates.groups))
    place = _rank_in_group(candidates.groups[order])
    per_group = candidates.per_group
    active[candidates.columns[order[place < per_group]]] = True
    start: np.ndarray | None = None
    best: SolveResult | None = None
    group_of = np.full(model.n_cols, -1)
    group_of[candidates.columns] = candidates.groups

    def left() -> float:
        return limit - (time.perf_counter() - started)

    watch = watch if watch is not None else _Watch(None)
    lp = _RestrictedLP(model, active, threads, log)
    lp_status = None

    def widen() -> None:
        """Twice as many candidates per group (when the restricted model has no plan)."""
        nonlocal per_group
        per_group *= 2
        more = candidates.columns[order[place < per_group]]
        lp.add(more[~active[more]])
        active[more] = True

    while left() > 0:
        # 1. the restricted LP, with columns priced in until none has a negative reduced cost:
        #    its duals then give a bound for the whole model
        while True:
            lp_status, x_lp, y = lp.solve(max(left(), 0.01))
            if lp_status == highspy.HighsModelStatus.kInfeasible and not active[candidates.columns].all():
                widen()
                continue
            if lp_status != highspy.HighsModelStatus.kOptimal:
                break
            lagrangian, reduced = _lagrangian(model, y)
            outside = candidates.columns[~active[candidates.columns]]
            negative = outside[reduced[outside] < -1e-9]
            if not len(negative) or left() <= 0:
                break
            # the most negative few per group, added to the LP in place (warm start)
            ranked = negative[np.lexsort((reduced[negative], group_of[negative]))]
            chosen = ranked[_rank_in_group(group_of[ranked]) < candidates.per_group]
            lp.add(chosen)
            active[chosen] = True
        kept_cols = np.flatnonzero(active)
        if lp_status != highspy.HighsModelStatus.kOptimal:
            break
        x = x_lp.copy()
        whole = integer[kept_cols]
        values = x[kept_cols][whole]
        stopped = "gap tolerance"
        # 2. a plan from the restricted model: the LP itself when it is whole, else the MIP
        if np.all(np.abs(values - np.round(values)) <= 1e-6):
            x[kept_cols[whole]] = np.round(values)
            value = model.objective_value(x)
            restricted_bound = value
        else:
            if start is None and candidates.key is not None:
                budget = min(0.25 * left(), max(FIRST_PLAN_LP_TIMES * lp.first_seconds, 1.0))
                start = _first_plan(model, active, candidates.key, x_lp, lagrangian, budget, gap, threads, log, watch)
            if start is not None and best is None:
                first_value = model.objective_value(start)
                first_gap = _gap(first_value, lagrangian)
                best = SolveResult(
                    "feasible", first_value, lagrangian, first_gap, 0.0, "highs", FIRST_PLAN, start, "time limit"
                )
                if first_gap is not None and first_gap <= gap:
                    # within the gap of the LP's bound, which holds for the whole model: no MIP needed
                    best = replace(best, stopped="gap tolerance")
                    break
                if first_gap is not None and first_gap <= MERGE_GAP:
                    # moves that could improve on the first plan join the restricted MIP now,
                    # not after it in a second MIP (the LP is unchanged: their d_k >= 0)
                    outside = candidates.columns[~active[candidates.columns]]
                    more, _ = _could_improve(outside, lagrangian, reduced, first_value, gap)
                    lp.add(more)
                    active[more] = True
                    kept_cols = np.flatnonzero(active)
            mip = _restricted_mip(model, active, left(), gap, threads, log)
            watch.attach(
                mip,
                f"trying each team's nearest hubs ({int(active[candidates.columns].sum()):,} of "
                f"{len(candidates.columns):,} possible moves)",
            )
            if start is not None:
                set_start(mip, start[kept_cols])
            mip.run()
            info = mip.getInfo()
            if info.primal_solution_status != 2:
                if best is not None:
                    break  # the first plan stands: the time ran out before the MIP held a plan
                if (
                    mip.getModelStatus() == highspy.HighsModelStatus.kInfeasible
                    and not active[candidates.columns].all()
                ):
                    widen()
                    continue
                label = (
                    "infeasible" if mip.getModelStatus() == highspy.HighsModelStatus.kInfeasible else "no plan found"
                )
                status_text = mip.modelStatusToString(mip.getModelStatus())
                return SolveResult(
                    label, None, None, None, time.perf_counter() - started, "highs", status_text, None, ""
                )
            x = np.zeros(model.n_cols)
            x[kept_cols] = np.asarray(mip.getSolution().col_value, dtype=float)
            value = model.objective_value(x)  # the vector's own value (HiGHS's offset is the model's)
            restricted_bound = float(info.mip_dual_bound)
            if mip.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
                stopped = "time limit"
        # 3. the proof: a plan using a left-out column k costs at least L + d_k
        outside = candidates.columns[~active[candidates.columns]]
        could_improve, cheapest = _could_improve(outside, lagrangian, reduced, value, gap)
        bound = max(lagrangian, min(restricted_bound, cheapest))
        if best is not None and best.objective < value:
            value, x = best.objective, best.x  # the earlier plan is still the best
        best = SolveResult("feasible", value, bound, _gap(value, bound), 0.0, "highs", NEAREST_FIRST, x, stopped)
        watch.report(best.gap, f"checking {len(could_improve):,} more moves that could improve the plan")
        if not len(could_improve) or stopped == "time limit":
            break
        lp.add(could_improve)
        active[could_improve] = True
        start = best.x
    seconds = time.perf_counter() - started
    if best is None and lp_status == highspy.HighsModelStatus.kInfeasible and active[candidates.columns].all():
        # every column is in and even the relaxation has no solution: the model is infeasible
        return SolveResult("infeasible", None, None, None, seconds, "highs", "Infeasible", None, "proof")
    if best is None:
        return SolveResult("no plan found", None, None, None, seconds, "highs", "time limit", None, "time limit")
    status, stopped = best.status, best.stopped
    if best.gap is not None and best.gap <= OPTIMAL_GAP:
        status, stopped = "optimal", "proof"
    return SolveResult(status, best.objective, best.bound, best.gap, seconds, "highs", best.detail, best.x, stopped)


def _could_improve(
    outside: np.ndarray, lagrangian: float, reduced: np.ndarray, value: float, gap: float
) -> tuple[np.ndarray, float]:
    """The left-out columns a plan better than ``value`` by more than ``gap`` could use.

    A plan using left-out column ``k`` costs at least ``L + d_k`` (``lagrangian`` and
    ``reduced`` from the restricted LP's duals). Returns those columns and the least any
    left-out column allows (infinite when none is left out).
    """
    if not len(outside):
        return outside, np.inf
    floor = lagrangian + np.maximum(reduced[outside], 0.0)
    return outside[floor < value * (1 - gap) - 1e-9 * max(1.0, abs(value))], float(floor.min())


def _first_plan(
    model: LinearModel,
    active: np.ndarray,
    key: np.ndarray,
    x_lp: np.ndarray,
    bound: float,
    limit: float,
    gap: float,
    threads: int | None,
    log: bool,
    watch: _Watch,
) -> np.ndarray | None:
    """A plan from the restricted MIP with the key decisions its LP leaves whole fixed.

    Over the ``active`` columns; ``bound`` (the LP's, for the whole model) is the one the
    progress reports measure against. ``None`` when the fixed decisions admit no plan in
    ``limit`` seconds. Handed to HiGHS as a start, it lets the restricted MIP cut off
    most of its tree early. On the 500 x 100 p-median with seed 1, whose restricted LP
    opens 21 hubs by parts, it took 1.2 s, and the solve 6.4 s in all against 9 s
    without it (19 s with the MIP's root LP by the dual simplex as well). The 1,000 x 200
    p-median, which 5 minutes left 0.16 % from proven, is now proven optimal in 104 s.
    """
    kept_cols = np.flatnonzero(active)
    key = key[active[key]]
    values = x_lp[key]
    whole = np.abs(values - np.round(values)) <= 1e-6
    if not whole.any() or whole.all():
        return None
    sub = _restricted_mip(model, active, limit, gap, threads, log)
    fixed = np.searchsorted(kept_cols, key[whole]).astype(np.int32)
    rounded = np.round(values[whole])
    sub.changeColsBounds(len(fixed), fixed, rounded, rounded)
    watch.attach(sub, OPEN_PART, bound=bound, sense=model.sense, part=True)
    sub.run()
    if sub.getInfo().primal_solution_status != 2:
        return None
    x = np.zeros(model.n_cols)
    x[kept_cols] = np.asarray(sub.getSolution().col_value, dtype=float)
    return x


def _restricted_mip(
    model: LinearModel, active: np.ndarray, limit: float, gap: float, threads: int | None, log: bool
) -> highspy.Highs:
    """HiGHS set up to solve the MIP over the ``active`` columns (not yet run), its root LP by interior point."""
    highs = model.to_highs(columns=active)
    _options(highs, max(limit, 0.01), threads, log)
    highs.setOptionValue("mip_rel_gap", float(gap))
    highs.setOptionValue("mip_lp_solver", "ipm")
    return highs


_SETTLED = {
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
    highspy.HighsModelStatus.kTimeLimit,
}
"""An LP's statuses that another method would not change (PDLP's time limit is no later)."""


class _RestrictedLP:
    """The LP relaxation of a model over some of its columns, grown in place.

    Columns added later arrive with the rows they need; HiGHS keeps its basis, so each
    re-solve after pricing in a few columns takes a few simplex iterations. The first
    solve, and any after one that left no basis, is by interior point; with two cores or
    more the first races PDLP on the other (:meth:`_race`).
    """

    def __init__(self, model: LinearModel, active: np.ndarray, threads: int | None, log: bool) -> None:
        self.model = model
        *_, integer, _, _, matrix = model.arrays()
        self.csc = matrix.tocsc()
        self.csr = matrix.tocsr()
        self.first_seconds = math.inf  # the first solve's, once made
        cols, rows = model.restricted(active)
        self.col_pos = np.full(model.n_cols, -1)
        self.col_pos[cols] = np.arange(len(cols))
        self.row_pos = np.full(model.n_rows, -1)
        self.row_pos[rows] = np.arange(len(rows))
        self.cols = list(cols)
        self.rows = list(rows)
        self.highs = model.to_highs(columns=active)
        whole = np.flatnonzero(integer[cols]).astype(np.int32)
        if len(whole):
            self.highs.changeColsIntegrality(len(whole), whole, np.zeros(len(whole), dtype=np.uint8))
        _options(self.highs, 1.0, threads, log)
        # interior point (with crossover) for the first solve, then simplex from its basis
        self.highs.setOptionValue("solver", "ipm")
        self.threads, self.log = threads, log

    def solve(self, limit: float) -> tuple[highspy.HighsModelStatus, np.ndarray, np.ndarray]:
        """Solve; returns the status, column values and row duals over the whole model."""
        self.highs.setOptionValue("time_limit", float(max(limit, 0.01)))
        started = time.perf_counter()
        first = not math.isfinite(self.first_seconds)
        winner = None
        if first and _cores(self.threads) >= 2:
            winner = self._race(limit)  # the first solve only
        else:
            self.highs.run()
        if first:
            self.first_seconds = time.perf_counter() - started
        if winner is not None:
            # PDLP's basis carries on: the next solve starts from it
            self.highs.setBasis(winner.getBasis())
            self.highs.setOptionValue("solver", "simplex")
            return self._read(winner)
        if self.highs.getInfo().basis_validity == 1:
            # the next solve starts from this basis. Without one (an infeasible restricted LP,
            # which ends before crossover), the interior point goes on: on the 500 x 100
            # p-median started from 8 candidates per team, the dual simplex from no basis took
            # 1.4 s, the interior point 0.9 s
            self.highs.setOptionValue("solver", "simplex")
        return self._read(self.highs)

    def _read(self, highs: highspy.Highs) -> tuple[highspy.HighsModelStatus, np.ndarray, np.ndarray]:
        """The status of ``highs`` (this LP or its copy), and its column values and row duals over the whole model."""
        status = highs.getModelStatus()
        x = np.zeros(self.model.n_cols)
        y = np.zeros(self.model.n_rows)
        if status == highspy.HighsModelStatus.kOptimal:
            solution = highs.getSolution()
            x[self.cols] = np.asarray(solution.col_value, dtype=float)
            y[self.rows] = np.asarray(solution.row_dual, dtype=float)
        return status, x, y

    def _race(self, limit: float) -> highspy.Highs | None:
        """The first solve: the interior point here, PDLP on a copy in a thread beside it.

        Whichever first reaches an optimal basis wins; PDLP's is its answer taken through
        HiGHS's crossover. When PDLP wins the interior point is interrupted and the copy is
        returned. When the interior point wins, ``None``: PDLP runs on to its own time limit,
        at most :data:`PDLP_SECONDS`, as HiGHS offers no way to stop it. When the interior
        point stops short of optimal otherwise, PDLP's answer is awaited.
        """
        twin = highspy.Highs()
        twin.passModel(self.highs.getLp())
        _options(twin, min(limit, PDLP_SECONDS), None, self.log)
        twin.setOptionValue("solver", "hipdlp")
        won = threading.Event()

        def pdlp() -> None:
            twin.run()
            if twin.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return
            twin.crossover(twin.getSolution())
            if twin.getModelStatus() == highspy.HighsModelStatus.kOptimal and twin.getInfo().basis_validity == 1:
                won.set()

        def interrupt(e: Any) -> None:
            if won.is_set():
                e.interrupt()

        # not a daemon: a process ending while HiGHS runs in a thread is aborted, so one
        # that ends soon after waits for PDLP (at most PDLP_SECONDS)
        beside = threading.Thread(target=pdlp, name="restricted LP by PDLP")
        beside.start()
        self.highs.cbIpmInterrupt.subscribe(interrupt)
        try:
            self.highs.run()
        finally:
            self.highs.cbIpmInterrupt.unsubscribe(interrupt)
        if self.highs.getModelStatus() in _SETTLED:
            return None
        beside.join()
        return twin if won.is_set() else None

    def add(self, columns: np.ndarray) -> None:
        """Add columns (numbers in the whole model), and first any rows they need."""
        columns = np.asarray(columns, dtype=np.int64)
        columns = columns[self.col_pos[columns] < 0]
        if not len(columns):
            return
        cost, lower, upper, integer, row_lo, row_hi, _ = self.model.arrays()
        touched = np.unique(self.csc[:, columns].indices)
        new_rows = touched[self.row_pos[touched] < 0]
        if len(new_rows):
            starts, index, value = _renumbered(self.csr[new_rows], self.col_pos)
            self.highs.addRows(len(new_rows), row_lo[new_rows], row_hi[new_rows], len(index), starts, index, value)
            self.row_pos[new_rows] = np.arange(len(self.rows), len(self.rows) + len(new_rows))
            self.rows.extend(new_rows.tolist())
        starts, index, value = _renumbered(self.csc[:, columns], self.row_pos)
        self.highs.addCols(
            len(columns), cost[columns], lower[columns], upper[columns], len(index), starts, index, value
        )
        self.col_pos[columns] = np.arange(len(self.cols), len(self.cols) + len(columns))
        self.cols.extend(columns.tolist())


def _renumbered(block: Any, position: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A block of rows (CSR) or columns (CSC) in HiGHS's packed form, its entries renumbered.

    ``position`` maps the whole model's numbers to the restricted model's (-1: not in it;
    those entries are dropped). Returns each member's start, the entries' new numbers and
    their values.
    """
    at = position[block.indices]
    keep = at >= 0
    member = np.repeat(np.arange(len(block.indptr) - 1), np.diff(block.indptr))
    counts = np.bincount(member[keep], minlength=len(block.indptr) - 1)
    starts = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int32)
    return starts, at[keep].astype(np.int32), block.data[keep].astype(float)


def _rank_in_group(groups: np.ndarray) -> np.ndarray:
    """Each item's place within its group (0, 1, ...), for items already sorted by group."""
    first = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    return np.arange(len(groups)) - np.repeat(first, np.diff(np.r_[first, len(groups)]))


def _lagrangian(model: LinearModel, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Lower bound ``L(y)`` of a minimisation for row prices ``y``, and reduced costs.

    ``L(y) = sum_i y_i b_i + sum_j min(d_j l_j, d_j u_j)`` with ``d = c - A'y`` and ``b_i``
    the bound row ``i`` presses on; a price pressing on an infinite bound is set to 0.
    Valid for any such ``y``; at the LP optimum it is the LP value.
    """
    cost, lower, upper, integer, row_lo, row_hi, matrix = model.arrays()
    y = y.copy()
    y[(y > 0) & ~np.isfinite(row_lo)] = 0.0
    y[(y < 0) & ~np.isfinite(row_hi)] = 0.0
    reduced = cost - matrix.T @ y
    rows_part = np.where(
        y > 0, y * np.nan_to_num(row_lo, posinf=0.0, neginf=0.0), y * np.nan_to_num(row_hi, posinf=0.0, neginf=0.0)
    ).sum()
    at_upper = np.where(np.isfinite(upper), reduced * upper, np.where(reduced < 0, -np.inf, 0.0))
    cols_part = np.minimum(reduced * lower, at_upper).sum()
    return float(rows_part + cols_part) + model.objective_offset, reduced


class _Watch:
    """Passes the gap so far to a :data:`Progress` receiver: on each better plan, else once a second.

    HiGHS calls back on each improved plan and, between nodes, to ask whether to stop;
    both carry its current primal and dual bounds, from which the relative gap is worked
    out as for a finished plan.
    """

    def __init__(self, progress: Progress | None, every: float = 1.0) -> None:
        self.progress = progress
        self.every = every
        self.last = -math.inf

    def attach(
        self, highs: highspy.Highs, what: str, bound: float | None = None, sense: str = "max", part: bool = False
    ) -> None:
        """Report from this HiGHS instance's MIP search, describing it as ``what``.

        ``bound`` is one known to hold for the whole model (the LP relaxation's): the gap
        is reported against the tighter of it and the search's own, or against it alone
        when the search is over a ``part`` of the model (some decisions fixed), whose own
        bound holds only for that part.
        """
        if self.progress is None:
            return

        def event(e: Any) -> None:
            improved = e.callback_type == highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution
            if not improved and time.perf_counter() - self.last < self.every:
                return
            own = bound if part else _tighter(float(e.data_out.mip_dual_bound), bound, sense)
            # the same measure as the finished plan's gap (:func:`_gap`)
            self.report(_gap(float(e.data_out.mip_primal_bound), own) if own is not None else None, what)

        highs.cbMipImprovingSolution.subscribe(event)
        highs.cbMipInterrupt.subscribe(event)

    def report(self, gap: float | None, what: str) -> None:
        """Say where the search stands."""
        if self.progress is None:
            return
        self.last = time.perf_counter()
        self.progress({"stage": "solving", "gap": gap, "detail": what})


def _options(highs: highspy.Highs, limit: float, threads: int | None, log: bool) -> None:
    highs.setOptionValue("output_flag", bool(log))
    highs.setOptionValue("time_limit", float(max(limit, 0.01)))
    highs.setOptionValue("random_seed", 0)
    # no restart: on a restricted least-travel model of the sample place (25 hubs), HiGHS 1.16
    # restarted after its first plan (481.7) and called it optimal, where a plan of 456.2
    # exists; without restarts it finds that one with a sound bound (454 to 455). With 40 hubs
    # the planner reported 160.4 within 0.5 % of the best possible, where 149.0 is optimal.
    # The same searches ran no slower without them (2026-12-05)
    highs.setOptionValue("mip_allow_restart", False)
    set_threads(highs, threads)


def _guided_start(
    model: LinearModel,
    guide: np.ndarray,
    limit: float,
    threads: int | None,
    log: bool,
    watch: _Watch,
    first_plan: bool = False,
) -> tuple[SolveResult | None, float | None, bool]:
    """A plan to start from, and a bound, from the LP relaxation (relaxation-induced search).

    1. Solve the LP relaxation by the interior-point method (at most half the time): its
       value bounds the MIP.
    2. Fix every guide decision the LP leaves at 0 or 1 and solve what is left as a MIP.
       If its plan is within the gap of the LP bound the search is over; otherwise it
       starts the full solve, which stops as soon as its own bound comes within the gap.
       When too little time is left for the full model's own relaxation (less than twice
       what the LP took), this smaller MIP gets all of it and is the answer.

    With ``first_plan`` the relaxation is that of the model as HiGHS's MIP presolve leaves it
    (:func:`_presolved_relaxation`): it is much tighter, and the decisions it leaves whole
    admit far better plans. On the county benchmark the first plan is GBP 4,509m, not
    4,360m, and the minute's gap 0.49 %, not 0.98 %. When it cannot be had, or the decisions
    it leaves whole admit no plan (on the sample place they are infeasible: 428 of 435
    holdings settled), the model's own relaxation without its implied rows follows, as
    before; the tighter of the two values is the bound. On the sample place that costs the
    plan search 2 s; starting its areas from today's estate instead slowed the full search
    (which finds the plan there) from 21 s to 24 s. The smaller MIP leaves the implied rows
    out, and stops at its first plan (given half the time left, less a second): the area
    search improves it faster than HiGHS's own search does, and without it the plan would
    be only the full search's, often today's estate. When it finds none in that time, the
    area search starts from the plan the caller gave (:func:`_two_searches`): on the sample
    place's search for the fewest hubs, the fixed decisions admitted no plan found within
    15 s, and today's 128 hubs were reported.

    Returns the plan (if any), the LP bound (if solved) and whether the time is used up.
    """
    started = time.perf_counter()
    # the plan search tries the presolved relaxation first, then the model's own without its
    # implied rows (see model._serve_retained); the full solve's start, the model's own
    relaxations = [_presolved_relaxation, partial(_relaxation, implied=False)] if first_plan else [_relaxation]
    tightest: float | None = None
    for relaxation in relaxations:
        relaxed = relaxation(model, max(0.5 * limit - (time.perf_counter() - started), 0.01), threads, log)
        if relaxed is None:
            continue
        x, bound = relaxed
        tightest = _tighter(tightest, bound, model.sense)
        found, last = _plan_the_rest(model, guide, x, tightest, limit, started, threads, log, watch, first_plan)
        if found is not None or last:
            return found, tightest, last
    return None, tightest, False


def _plan_the_rest(
    model: LinearModel,
    guide: np.ndarray,
    x: np.ndarray,
    bound: float,
    limit: float,
    started: float,
    threads: int | None,
    log: bool,
    watch: _Watch,
    first_plan: bool,
) -> tuple[SolveResult | None, bool]:
    """:func:`_guided_start`'s step 2: the relaxation ``x``'s whole guide decisions fixed, the rest solved.

    Returns the plan (if any) and whether the time is used up.
    """
    lp_seconds = time.perf_counter() - started
    # interior-point solutions sit a hair inside their bounds
    values = x[guide]
    whole = np.abs(values - np.round(values)) <= 1e-5
    fixed = guide[whole]
    rounded = np.round(values[whole])
    if not len(fixed):
        return None, False
    remaining = limit - lp_seconds
    last = remaining < 2 * lp_seconds and not first_plan
    sub = model.to_highs(implied=not first_plan)
    share = 1.0 if last else 0.5 if first_plan else 0.35
    _options(sub, max(share * remaining - (1.0 if first_plan else 0.0), 0.01), threads, log)
    if first_plan:
        sub.setOptionValue("mip_max_improving_sols", 1)
    watch.report(None, f"a quick estimate settled {len(fixed):,} decisions; planning the rest")
    # the part's own bound holds only for the part; the LP's for the whole model
    watch.attach(sub, OPEN_PART, bound=bound, sense=model.sense, part=True)
    sub.setOptionValue("mip_rel_gap", 1e-4)
    sub.changeColsBounds(len(fixed), fixed.astype(np.int32), rounded, rounded)
    sub.run()
    result = read_highs(sub, model, time.perf_counter() - started)
    return (result if result.solved else None), last


def _relaxation(
    model: LinearModel, limit: float, threads: int | None, log: bool, implied: bool = True
) -> tuple[np.ndarray, float] | None:
    """The LP relaxation's solution and value, by interior point; ``None`` if not solved in ``limit`` s."""
    relaxation = model.to_highs(implied=implied)
    _options(relaxation, limit, threads, log)
    if not _solved_by_ipm(relaxation):
        return None
    x = np.asarray(relaxation.getSolution().col_value, dtype=float)
    return x, float(relaxation.getInfo().objective_function_value)


def _solved_by_ipm(relaxation: highspy.Highs) -> bool:
    """Solve the relaxation of the model HiGHS holds by interior point; whether to optimality."""
    relaxation.setOptionValue("solve_relaxation", True)
    relaxation.setOptionValue("solver", "ipm")
    relaxation.run()
    return relaxation.getModelStatus() == highspy.HighsModelStatus.kOptimal


def _presolved_relaxation(
    model: LinearModel, limit: float, threads: int | None, log: bool
) -> tuple[np.ndarray, float] | None:
    """The relaxation of the model as HiGHS's MIP presolve leaves it, mapped back to the model's columns.

    The presolve reasons about whole decisions (probing, cliques, tightened coefficients), so
    its relaxation is tighter than the model's own. On the county benchmark its value is GBP
    4,568m against 4,580m, and the decisions it leaves whole admit plans within GBP 9m of the
    full search's bound, where the looser relaxation's admit none better than 4,491m. The
    value bounds the model's optimum, as the presolved model keeps it. ``None`` when the
    presolve does not reduce the model, or the LP or the mapping back fails: the caller
    then uses the plain relaxation.
    """
    started = time.perf_counter()
    whole = model.to_highs()
    _options(whole, limit, threads, log)
    whole.presolve()
    if whole.getModelPresolveStatus() != highspy.HighsPresolveStatus.kReduced:
        return None
    presolved = whole.getPresolvedLp()
    reduced = highspy.Highs()
    _options(reduced, max(limit - (time.perf_counter() - started), 0.01), threads, log)
    reduced.passModel(presolved)
    if not _solved_by_ipm(reduced):
        return None
    whole.postsolve(reduced.getSolution())  # a fractional point: HiGHS warns, and maps it all the same
    x = np.asarray(whole.getSolution().col_value, dtype=float)
    value = float(reduced.getInfo().objective_function_value)
    if (presolved.sense_ == highspy.ObjSense.kMaximize) != (model.sense == "max"):
        value = -value  # the presolved model may be stated the other way round
    if len(x) != model.n_cols or abs(model.objective_value(x) - value) > 1e-6 * max(1.0, abs(value)):
        return None
    return x, value


def _cores(threads: int | None) -> int:
    """Cores a solve may use: the scenario's thread count, else the machine's."""
    return int(threads) if threads else (os.cpu_count() or 1)


def _two_searches(
    model: LinearModel,
    guide: np.ndarray,
    areas: Areas,
    limit: float,
    gap: float,
    start: np.ndarray | None,
    log: bool,
    watch: _Watch,
) -> SolveResult:
    """Two searches side by side, a thread and a core each, for a large model's plan and bound.

    - The full search (HiGHS on the whole model as it runs alone, but for a large model's
      root LP by interior point) runs for its bound: after its root cuts, that bound is
      tighter than the LP relaxation's. A plan it finds counts too, when it is the better one.
    - The plan search takes the guided start's first plan (:func:`_guided_start`) and
      improves it area by area (:func:`optimiser.areas.improve_by_areas`) until the time
      is up, the full search has finished, or its plan is within ``gap`` of the bound
      (both searches then stop). When the decisions the relaxation settles
      admit no plan, the areas start from ``start`` instead (the planner passes today's
      estate), if it meets every row.

    The plan is the better of the two; the bound is the tighter of the full search's and
    the LP relaxation's, both valid for the whole model. A search still running
    :data:`STOP_GRACE_SECONDS` after the time limit is not awaited: the full search's last
    reported bound is used, or the area search's last plan. Both run in threads of their own,
    one HiGHS thread each (HiGHS keeps a scheduler per calling thread: the caller's is left
    as it was), and their progress is passed on from the caller's thread, which may update a page.
    """
    started = time.perf_counter()
    deadline = started + limit
    done = threading.Event()
    messages: queue.Queue = queue.Queue()
    relay = _Watch(messages.put, watch.every)
    full: dict[str, Any] = {}
    plan: dict[str, Any] = {}

    def plan_within_gap() -> float | None:
        """The area search's plan's gap to the tighter bound; within ``gap``, both searches stop."""
        bound = _tighter(full.get("bound"), plan.get("lp_bound"), model.sense)
        if "best" not in plan or bound is None:
            return None
        now = _gap(plan["best"][0], bound)
        if now is not None and now <= gap:
            done.set()
        return now

    def full_search() -> None:
        # a second to merge and stop. HiGHS as it runs alone, its own heuristics on: on the sample
        # place they find a plan within the gap in about 20 s, where with them off the area
        # search's plan took 51 s (on the county the minute's gap is the same either way). Its
        # root LP by interior point on a large model only (ROOT_IPM_COLUMNS)
        root_ipm = model.n_cols >= ROOT_IPM_COLUMNS
        highs = _full_search(model, max(limit - 1.0, 0.05 * limit), gap, 1, log, start, root_ipm=root_ipm)

        def listen(e: Any) -> None:
            full["bound"] = float(e.data_out.mip_dual_bound)
            plan_within_gap()  # a tighter bound may bring the area search's plan within the gap
            if done.is_set():
                e.interrupt()

        highs.cbMipInterrupt.subscribe(listen)
        highs.run()
        full["result"] = read_highs(highs, model, time.perf_counter() - started)
        full["bound"] = float(highs.getInfo().mip_dual_bound)

    def area_plan(searched: str = "") -> SolveResult:
        """The area search's best plan so far (every plan it reports meets every row)."""
        value, x = plan["best"]
        detail = f"{plan['origin']} improved area by area{searched}"
        return SolveResult("feasible", value, None, None, 0.0, "highs", detail, x, "time limit")

    def plan_search() -> None:
        found, lp_bound, _ = _guided_start(model, guide, limit, 1, log, relay, first_plan=True)
        plan["lp_bound"] = lp_bound
        plan["origin"] = "plan from the relaxation"
        if found is None and start is not None and model.satisfies(start):
            # the decisions the relaxation settles admit no plan (its fractions cover
            # more than whole decisions can): the areas start from the plan given instead
            value = model.objective_value(start)
            found = SolveResult("feasible", value, None, None, 0.0, "highs", "starting plan", start, "time limit")
            plan["origin"] = "starting plan"
        if found is not None and not done.is_set():

            def report(value: float, x: np.ndarray) -> None:
                plan["best"] = (value, x)  # one assignment: read whole if this search is not awaited
                relay.report(plan_within_gap(), "improving the plan area by area")

            report(found.objective, found.x)
            x, value, searched = improve_by_areas(
                model, areas, found.x, deadline - 1.0, threads=1, stop=done.is_set, report=report
            )
            plan["best"] = (value, x)
            found = area_plan(f" ({searched:,} areas searched)")
            done.set()  # the time is up: the full search stops too
        # without a plan of its own, the full search goes on to its time limit
        plan["result"] = found

    def guarded(search: Callable[[], None], into: dict[str, Any], last: bool) -> Callable[[], None]:
        def run() -> None:
            try:
                search()
            except BaseException as error:  # re-raised in the caller's thread below
                into["error"] = error
                done.set()
            if last:
                done.set()

        return run

    # the full search finishing (a proof, or its time limit) ends the plan search
    full_thread = threading.Thread(target=guarded(full_search, full, last=True), name="full-search", daemon=True)
    plan_thread = threading.Thread(target=guarded(plan_search, plan, last=False), name="plan-search", daemon=True)
    overdue = deadline + STOP_GRACE_SECONDS

    def running() -> bool:
        return (plan_thread.is_alive() or full_thread.is_alive()) and time.perf_counter() < overdue

    full_thread.start()
    plan_thread.start()
    try:
        while running() or not messages.empty():
            try:
                message = messages.get(timeout=0.2)
            except queue.Empty:
                continue
            if watch.progress is not None:
                watch.progress(message)
    finally:
        done.set()  # also when the caller is interrupted: neither search outlives the solve...
        for thread in (plan_thread, full_thread):
            thread.join(timeout=max(overdue - time.perf_counter(), 0.0))
    # ...but for one stuck where HiGHS does not listen (STOP_GRACE_SECONDS): its thread (a
    # daemon, one HiGHS thread) ends on its own, and what it found so far is used
    full_stuck, plan_stuck = full_thread.is_alive(), plan_thread.is_alive()
    for record, stuck in ((full, full_stuck), (plan, plan_stuck)):
        if "error" in record and not stuck:
            raise record["error"]
    seconds = time.perf_counter() - started
    lp_bound = plan.get("lp_bound")
    other: SolveResult | None = None if full_stuck else full.get("result")
    found: SolveResult | None = plan.get("result")
    if plan_stuck and "best" in plan:
        found = area_plan()
    if other is not None and not other.solved and found is None:
        return _with_bound(other, lp_bound, model.sense, seconds)
    plans = [r for r in (found, other) if r is not None and r.solved]
    if not plans:
        return SolveResult("no plan found", None, None, None, seconds, "highs", "time limit", None, "time limit")
    best = max(plans, key=lambda r: r.objective) if model.sense == "max" else min(plans, key=lambda r: r.objective)
    if other is not None and other.status == "optimal" and best is other:
        return _with_bound(other, lp_bound, model.sense, seconds)
    bound = _tighter(full.get("bound"), None, model.sense)
    gap_now = _gap(best.objective, bound) if bound is not None else None
    stopped = "gap tolerance" if gap_now is not None and gap_now <= gap else "time limit"
    detail = best.detail
    if best is not other:
        from_full = bound is not None and _tighter(bound, lp_bound, model.sense) == bound
        detail += "; bound from the full search" if from_full else "; bound from the LP relaxation"
    for name, stuck in (("search of the whole model", full_stuck), ("area search", plan_stuck)):
        if stuck:
            detail += f"; HiGHS had not stopped its {name} {STOP_GRACE_SECONDS:g} s after the time limit: not awaited"
    merged = SolveResult("feasible", best.objective, bound, gap_now, seconds, "highs", detail, best.x, stopped)
    return _with_bound(merged, lp_bound, model.sense, seconds)


def _tighter(one: float | None, other: float | None, sense: str) -> float | None:
    """The tighter of two bounds that hold (``None`` or not finite: no bound)."""
    known = [b for b in (one, other) if b is not None and math.isfinite(b)]
    if not known:
        return None
    return min(known) if sense == "max" else max(known)


def _with_bound(result: SolveResult, lp_bound: float | None, sense: str, seconds: float) -> SolveResult:
    """Keep the tighter of the LP relaxation's bound and the solver's own."""
    bound = result.bound
    if result.solved and lp_bound is not None:
        # a tiny margin for the LP's own tolerances keeps the bound valid
        margin = 1e-7 * max(1.0, abs(lp_bound))
        bound = _tighter(bound, lp_bound + margin if sense == "max" else lp_bound - margin, sense)
    if not result.solved:
        return SolveResult(result.status, None, None, None, seconds, result.solver, result.detail, None, result.stopped)
    gap = _gap(result.objective, bound) if bound is not None else result.gap
    status, stopped = result.status, result.stopped
    if status == "feasible" and gap is not None and gap <= OPTIMAL_GAP:
        status, stopped = "optimal", "proof"
    return SolveResult(status, result.objective, bound, gap, seconds, result.solver, result.detail, result.x, stopped)


def read_highs(highs: highspy.Highs, model: LinearModel, seconds: float) -> SolveResult:
    """Map a finished HiGHS run to a :class:`SolveResult` (never reading a missing solution)."""
    status = highs.getModelStatus()
    info = highs.getInfo()
    detail = highs.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    integer = bool(model.arrays()[3].any())
    stopped = detail
    if status == highspy.HighsModelStatus.kOptimal and has_solution:
        label, stopped = "optimal", "proof"
    elif status in _HIGHS_STOPPED:
        label = "feasible" if has_solution else "no plan found"
        stopped = "time limit" if status == highspy.HighsModelStatus.kTimeLimit else detail
    elif status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        # every variable of the planner's models is bounded, so "unbounded or infeasible" is infeasible
        label = "infeasible"
    elif status == highspy.HighsModelStatus.kUnbounded:
        label = "unbounded"
    else:
        label = "error"
    if label not in SOLVED:
        return SolveResult(label, None, None, None, seconds, "highs", detail, None, stopped)
    x = np.asarray(highs.getSolution().col_value, dtype=float)
    objective = float(info.objective_function_value)
    if integer:
        bound = float(info.mip_dual_bound)
        if not math.isfinite(bound):
            bound = None
    else:
        bound = objective
    at_x = model.objective_value(x)
    if abs(at_x - objective) > 1e-6 * max(1.0, abs(objective)):
        # HiGHS 1.16 can report an optimum while handing back another vector: the start it
        # was given, when presolve reduces the MIP to nothing. The plan is the vector, so
        # its value is the vector's, and never called optimal (see _solve_highs)
        objective, label, stopped, detail = at_x, "feasible", MISMATCH, f"{detail}; {MISMATCH}"
    gap = _gap(objective, bound) if bound is not None else None
    if label == "optimal" and (gap is None or gap > OPTIMAL_GAP):
        label, stopped = "feasible", "gap tolerance"
    return SolveResult(label, objective, bound, gap, seconds, "highs", detail, x, stopped)


MISMATCH = "solution returned is not the one reported"
"""``stopped`` of a HiGHS result whose solution vector does not have the objective HiGHS reported."""


def _gap(objective: float, bound: float) -> float | None:
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    difference = abs(objective - bound)
    if difference <= 1e-9:
        return 0.0
    return difference / max(abs(objective), 1e-9)


# --- CBC through PuLP ------------------------------------------------------------------------

_CBC_NUMBER = r"(-?[0-9.eE+-]+)"


def _solve_cbc(model: LinearModel, limit: float, gap: float, threads: int | None, log: bool) -> SolveResult:
    import pulp

    problem = model.to_pulp()
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False, timeLimit=limit, gapRel=gap, threads=threads, logPath=str(log_path), keepFiles=False
        )
        started = time.perf_counter()
        problem.solve(solver)
        seconds = time.perf_counter() - started
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
    if log:
        print(text)
    status, sol_status = problem.status, problem.sol_status
    detail = f"{pulp.LpStatus.get(status, status)} / {pulp.LpSolution.get(sol_status, sol_status)}"
    if status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal:
        label = "optimal"
    elif status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionIntegerFeasible:
        label = "feasible"
    elif status == pulp.LpStatusInfeasible:
        label = "infeasible"
    elif status == pulp.LpStatusUnbounded:
        label = "unbounded"
    elif status == pulp.LpStatusNotSolved:
        label = "no plan found"
    else:
        label = "infeasible" if "infeasible" in text.lower() else "error"
    if label not in SOLVED:
        return SolveResult(label, None, None, None, seconds, "cbc", detail, None, detail)
    columns = problem._optimiser_columns  # noqa: SLF001
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in columns], dtype=float)
    objective = model.objective_value(x)
    bound = _cbc_bound(text)
    found = _gap(objective, bound) if bound is not None else None
    if label == "optimal":
        if found is not None and found > OPTIMAL_GAP:
            return SolveResult("feasible", objective, bound, found, seconds, "cbc", detail, x, "gap tolerance")
        return SolveResult(
            label,
            objective,
            bound if bound is not None else objective,
            found or 0.0,
            seconds,
            "cbc",
            detail,
            x,
            "proof",
        )
    stopped = "time limit" if "time" in text.lower() else detail
    return SolveResult(label, objective, bound, found, seconds, "cbc", detail, x, stopped)


def _cbc_bound(text: str) -> float | None:
    """CBC's best bound from its log ("Lower bound:"), in the model's own sense."""
    match = re.search(r"Lower bound:\s*" + _CBC_NUMBER, text)
    if not match:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) < INF else None

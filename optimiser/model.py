r"""The planner's mixed-integer programme: which holdings to keep, which teams move where.

Sets
----
- :math:`H` holdings; :math:`H^{hub} \subseteq H` those that can receive teams (``can_host``);
  :math:`H_q` the holdings of partner :math:`q`.
- :math:`O_h` the exit options of holding :math:`h` within the horizon (``sale``,
  ``vacate``, ``break``, ``expiry``, ``early``; see :mod:`optimiser.finance`).
- :math:`T` teams; :math:`T_q` partner :math:`q`'s teams; :math:`T_s` the teams that deliver
  public service :math:`s` (a team of service :math:`s` whose holding offers :math:`s` to the
  public today; a team named after its building's use class, in a building that offers
  nothing, delivers nothing); :math:`home(t)` a team's holding today.
- :math:`A \subseteq T \times H` allowed assignments: :math:`(t, home(t))` (stay) unless the
  home is locked for disposal, and :math:`(t, h)` for every hub :math:`h \ne home(t)` not
  locked for disposal, at most :math:`L` km from :math:`home(t)` (relocation limit), whose
  use class may host :math:`t`'s partner type (compatibility table) and whose capacity
  is at least :math:`t`'s FTE. These rules are applied by not creating the other
  variables: the model is sparse by construction.
- :math:`S` services with an access standard; :math:`Z` zones with positive weight.
- :math:`V \subseteq H \times S` potential providers: :math:`(h,s)` if :math:`h` offers
  :math:`s` without a team delivering it (:math:`\phi_{hs} = 1`: the service is tied to the
  building), or some :math:`t \in T_s` may be assigned to :math:`h`.
- :math:`R_{zs} = \{h : (h,s) \in V, d^s_{zh} \le \theta_s\}` providers within the
  threshold of zone :math:`z`, :math:`d^s` being the service's measure: straight-line km,
  or minutes from a travel-time matrix (a standard in km only, or one whose providers the
  matrix does not time, keeps straight-line km; :func:`optimiser.inputs.prepare`);
  :math:`K = \{(z,s) : R_{zs} \ne \emptyset\}`.

Parameters
----------
:math:`v_{ho}` NPV of exiting :math:`h` by option :math:`o` (running cost and carbon value
avoided from the exit date, net receipt, backlog avoided, less lease exit fee,
dilapidations and running cost after exit; discounted); :math:`k_{ho}` its one-off costs.
:math:`f_t` FTE; :math:`c_h` capacity in FTE (``workstations / desk_ratio`` or
``gia / space_per_fte``, at least today's occupancy); :math:`g_{th}` discounted cost of a
move (relocation, fit-out, hosting over the horizon), :math:`m_{th}` its one-off part,
:math:`d_{th}` its distance; :math:`w_{zs}` zone weight for service :math:`s`, :math:`W_s`
its total, :math:`\rho_s` the required share (the standard's share, or today's share if
lower); :math:`B` budget, :math:`M` maximum hubs, :math:`p` hubs to keep.

Variables
---------
- :math:`retain_h \in \{0,1\}` keep holding :math:`h`;
- :math:`exit_{ho} \in \{0,1\}` exit :math:`h` by option :math:`o`;
- :math:`assign_{th} \in \{0,1\}` team :math:`t` is housed in :math:`h` after the plan;
- :math:`serve_{hs} \in \{0,1\}` holding :math:`h` delivers service :math:`s` after the plan;
- :math:`cover_{zs} \in [0,1]` zone :math:`z` is within reach of service :math:`s`.

Objectives
----------
``npv``: :math:`\max \; NPV = \sum_{h,o} v_{ho}\, exit_{ho} - \sum_{(t,h) \in A, h \ne home(t)} g_{th}\, assign_{th}`

``fewest_sites``: :math:`\min \sum_h retain_h - \epsilon\, NPV`

``max_coverage``: :math:`\max \frac{1}{|S|} \sum_{(z,s) \in K} \frac{w_{zs}}{W_s} cover_{zs}`

``least_travel``: :math:`\min \sum_{(t,h) \in A} f_t\, d_{th}\, assign_{th}`
(a capacitated p-median with single-source binary assignment).

In ``fewest_sites`` the NPV term only breaks ties: :math:`\epsilon` makes all of it
worth less than one site. ``max_coverage`` is solved twice: for the coverage, then for the
NPV among plans covering at least as many (row ``same_coverage``), so no team moves to no
purpose. ``max_coverage`` and ``least_travel`` are about hubs and teams
alone: a holding that cannot host, houses no team and offers no service stays as it is
(a small NPV tie-break there was measured to slow HiGHS down five-fold on a p-median).

Constraints (one function per family below)
-------------------------------------------
- exit_or_retain:  :math:`retain_h + \sum_{o \in O_h} exit_{ho} = 1 \;\; \forall h`
  (lease timing: a lease is left only at a break or expiry within the horizon, or early
  at a fee; with no option a holding is kept);
- locks:  :math:`retain_h = 1` for locked-retain, :math:`retain_h = 0` for locked-dispose
  (variable bounds);
- assign_once:  :math:`\sum_{h:(t,h) \in A} assign_{th} = 1 \;\; \forall t`;
- host_retained:  :math:`assign_{th} \le retain_h \;\; \forall (t,h) \in A`;
- capacity:  :math:`\sum_{t} f_t\, assign_{th} \le c_h\, retain_h \;\; \forall h` receiving
  teams;
- service_delivery (services move with the teams that deliver them):
  :math:`serve_{hs} \le \phi_{hs}\, retain_h + \sum_{t \in T_s:(t,h) \in A} assign_{th} \;\; \forall (h,s) \in V`;
- serve_retained:  :math:`serve_{hs} \le retain_h` where some :math:`t \in T_s` may be
  assigned to :math:`h` (implied for whole plans by host_retained; it tightens the relaxation,
  where a holding kept at a fraction could otherwise serve in full through fractional teams);
- coverage:  :math:`cover_{zs} \le \sum_{h \in R_{zs}} serve_{hs} \;\; \forall (z,s) \in K`,
  written as :math:`cover_{zs} \le cover_{z's} + \sum_{h \in R_{zs} \setminus R_{z's}} serve_{hs}`
  where a zone :math:`z'` has :math:`R_{z's} \subseteq R_{zs}` (the largest such): the same
  optimum, since a cover is only pressed upwards, with a fraction of the terms;
- access_standard:  :math:`\sum_z \frac{w_{zs}}{W_s} cover_{zs} \ge \rho_s \;\; \forall s`
  (not for ``max_coverage``, nor when ``enforce_access`` is off);
- budget:  :math:`\sum_{h,o} k_{ho}\, exit_{ho} + \sum_{(t,h), h \ne home(t)} m_{th}\, assign_{th} \le B`;
- max_hubs:  :math:`\sum_{h \in H^{hub}} retain_h \le M`;
- hub_count:  :math:`\sum_{h \in H^{hub}} retain_h = p` (``max_coverage``, ``least_travel``);
- no_worse_off:  :math:`\sum_{h \in H_q, o} v_{ho}\, exit_{ho}
  - \sum_{t \in T_q, (t,h), h \ne home(t)} g_{th}\, assign_{th} \ge 0 \;\; \forall q`.

Money rows, and the NPV objective, are in GBP millions for numerical balance.

Solving
-------
:func:`optimiser.solve.solve` hands the model to HiGHS (or CBC). ``least_travel`` models
with many assignments are solved over a few nearest hosts per team first, the rest
priced out with a proof (:func:`optimiser.solve.solve_with_candidates`; when that LP
opens hubs by parts, a first plan with the hubs it settles held starts the MIP); large ``npv``
models start from a plan found around their LP relaxation (with two cores, the relaxation
of the model as HiGHS's MIP presolve leaves it, which is tighter;
:func:`optimiser.solve._guided_start`), and their full search solves its root LP by
interior point (once access standards bind, the dual simplex can take minutes there).
With two cores, the full search runs for its bound while that plan is improved area by
area (:mod:`optimiser.areas`: the decisions of a few dozen neighbouring holdings freed,
the rest held; see :func:`areas`). The search for plans leaves out the rows that whole
plans meet anyway (``serve_retained``, marked ``implied``); the full search keeps them for
its bound.
None of these changes the model, only the route to its optimum, and each reports a
bound that holds for the whole model.

Diagnosis
---------
:func:`build_model` with ``relax`` adds a non-negative slack to each row of the named
families (and, for ``relocation_limit`` and ``compatibility``, extra assignments that
break them) and minimises the weighted slack instead of the objective; see
:mod:`optimiser.diagnose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimiser.inputs import ModelData
from optimiser.linear import INF, LinearModel

MILLION = 1e6

RELAXABLE: tuple[str, ...] = (
    "locks",
    "capacity",
    "access_standard",
    "budget",
    "max_hubs",
    "hub_count",
    "no_worse_off",
    "relocation_limit",
    "compatibility",
)
"""Constraint families the diagnosis can relax."""

_SLACK_WEIGHT = {
    "locks": 1.0,
    "capacity": 1.0,
    "access_standard": 1.0,
    "budget": 1.0,
    "max_hubs": 1.0,
    "hub_count": 1.0,
    "no_worse_off": 1.0,
    "relocation_limit": 1.0,
    "compatibility": 1.0,
}


@dataclass(frozen=True)
class PlanModel:
    """A built model and what is needed to read its solution.

    Attributes
    ----------
    model
        The MILP.
    data
        What it was built from.
    primary
        Objective coefficients of the primary objective alone (without the NPV tie-break),
        so the reported objective is exactly the one asked for.
    npv
        Objective coefficients of the NPV.
    relaxed
        Families carrying slack (diagnosis only).
    objective_scale
        Multiply the solver's objective and bound by this to get the reported units (the
        NPV objective is solved in GBP millions).
    pairs
        The assignment pairs the model holds (the data's, plus any breaking pairs added
        for a diagnosis, flagged in ``breaks``).

    """

    model: LinearModel
    data: ModelData
    primary: np.ndarray
    npv: np.ndarray
    relaxed: frozenset[str] = frozenset()
    pairs: pd.DataFrame = field(default_factory=pd.DataFrame)
    objective_scale: float = 1.0


@dataclass
class _Columns:
    retain: pd.Series
    exit: pd.Series
    assign: pd.Series
    serve: pd.Series
    cover: pd.Series


def build_model(
    data: ModelData,
    *,
    relax: frozenset[str] | set[str] = frozenset(),
    extra_pairs: pd.DataFrame | None = None,
    hold_coverage: float | None = None,
) -> PlanModel:
    """Build the MILP for ``data.scenario``'s objective, or its relaxation for a diagnosis.

    Parameters
    ----------
    data
        From :func:`optimiser.inputs.prepare`.
    relax
        Families (:data:`RELAXABLE`) to give penalised slack; when not empty the objective
        becomes "minimise the total slack".
    extra_pairs
        Assignments that break the relocation limit or compatibility, with a ``breaks``
        column naming which (diagnosis only).
    hold_coverage
        ``max_coverage`` only: the coverage a plan found; the model then keeps at least
        that coverage (row ``same_coverage``) and maximises the NPV instead, so that of
        the plans covering as many residents the one worth most is chosen (a plan that
        ignores money may move teams to no purpose). ``primary`` stays the coverage.

    """
    relax = frozenset(relax)
    s = data.scenario
    pairs = data.pairs.assign(breaks="")
    if extra_pairs is not None and len(extra_pairs):
        wanted = {b for b in ("relocation_limit", "compatibility") if b in relax}
        extra = extra_pairs[extra_pairs["breaks"].isin(wanted)]
        pairs = pd.concat([pairs, extra], ignore_index=True)
    if "locks" in relax:
        pairs = pd.concat([pairs, _stays_at_locked_disposals(data)], ignore_index=True)
    if relax or extra_pairs is not None:
        # a diagnosis's added pairs need positions too (the data's pairs come with theirs)
        pairs["team_pos"] = data.teams.index.get_indexer(pairs["team_id"])
        pairs["host_pos"] = data.holdings.index.get_indexer(pairs["holding_id"])
    sense = "min" if relax or s.objective in ("fewest_sites", "least_travel") else "max"
    model = LinearModel(f"estate_plan_{s.objective}", sense)
    cols = _variables(model, data, pairs, relax)
    _exit_or_retain(model, data, cols)
    _locks(model, data, cols, relax)
    _assign_once(model, data, pairs, cols)
    _host_retained(model, pairs, cols)
    _capacity(model, data, pairs, cols, relax)
    _service_delivery(model, data, pairs, cols)
    _coverage(model, data, cols)
    if s.enforce_access and s.objective != "max_coverage":
        _access_standard(model, data, cols, relax)
    if s.budget_gbp is not None:
        _budget(model, data, pairs, cols, relax)
    if s.max_hubs is not None:
        _max_hubs(model, data, cols, relax)
    if s.objective in ("max_coverage", "least_travel"):
        _hub_count(model, data, cols, relax)
    if s.no_worse_off:
        _no_worse_off(model, data, pairs, cols, relax)
    npv = _npv_coefficients(model, data, pairs, cols)
    scale = 1.0
    if relax:
        primary = np.zeros(model.n_cols)
        _breaking_pairs(model, data, pairs, cols, relax)
    elif hold_coverage is not None and s.objective == "max_coverage":
        primary = _coverage_objective(model.n_cols, data, cols)
        used = np.flatnonzero(primary)
        model.add_constraints(
            "same_coverage",
            ["coverage"],
            rows=np.zeros(len(used)),
            cols=used,
            coefs=primary[used],
            lower=hold_coverage - 1e-9 * max(1.0, abs(hold_coverage)),
        )
        used = np.flatnonzero(npv)
        model.add_objective(used, npv[used] / MILLION)
    else:
        primary = _objective(model, data, pairs, cols, npv)
        scale = MILLION if s.objective == "npv" else 1.0
    return PlanModel(
        model=model, data=data, primary=primary, npv=npv, relaxed=relax, pairs=pairs, objective_scale=scale
    )


def _stays_at_locked_disposals(data: ModelData) -> pd.DataFrame:
    """With the locks relaxed, teams may also stay in holdings locked for disposal."""
    t = data.teams
    locked = (data.holdings["lock"].reindex(t["home"]) == "dispose").to_numpy()
    stays = pd.DataFrame(
        {"team_id": t.index[locked], "holding_id": t["home"].to_numpy()[locked], "km": 0.0, "stay": True}
    )
    for name in ("relocation", "fitout", "hosting_per_year", "one_off", "npv_cost", "travel"):
        stays[name] = 0.0
    stays["breaks"] = "locks"
    return stays


# --- variables ---------------------------------------------------------------------------


def _variables(model: LinearModel, data: ModelData, pairs: pd.DataFrame, relax: frozenset[str]) -> _Columns:
    h = data.holdings
    lock = h["lock"].to_numpy()
    hard = "locks" not in relax
    lower = np.where(hard & (lock == "retain"), 1.0, 0.0)
    upper = np.where(hard & (lock == "dispose"), 0.0, 1.0)
    if data.scenario.objective in ("max_coverage", "least_travel") and not relax:
        # these objectives are about hubs and teams: holdings that cannot host, house no
        # team and offer no service stay as they are
        bystander = (
            ~h["can_host"].to_numpy(bool)
            & ~h.index.isin(data.teams["home"])
            & np.array([not v for v in h["building_services"]], dtype=bool)
            & (lock == "")
        )
        lower = np.where(bystander, 1.0, lower)
    retain = model.add_variables("retain", h.index, lower=lower, upper=upper, integer=True)
    exit_keys = pd.MultiIndex.from_arrays([data.exits["holding_id"], data.exits["option"]])
    exit_ = model.add_variables("exit", exit_keys, integer=True)
    assign_keys = pd.MultiIndex.from_arrays([pairs["team_id"], pairs["holding_id"]])
    assign = model.add_variables("assign", assign_keys, integer=True)
    serve_keys = pd.MultiIndex.from_arrays([data.providers["holding_id"], data.providers["service"]])
    # binary, though continuous would do: branching on "does h deliver s" helps the solver
    serve = model.add_variables("serve", serve_keys, integer=True)
    cover_index = data.reach[["zone_id", "service"]].drop_duplicates()
    cover = model.add_variables("cover", pd.MultiIndex.from_frame(cover_index))
    return _Columns(retain, exit_, assign, serve, cover)


def _slack(
    model: LinearModel, family: str, keys: pd.Index, weight: float | np.ndarray, name: str | None = None
) -> np.ndarray:
    """Non-negative slack variables of a relaxed family, charged in the objective."""
    columns = model.add_variables(f"slack_{name or family}", keys, upper=INF).to_numpy()
    model.add_objective(
        columns, np.broadcast_to(np.asarray(weight, float) * _SLACK_WEIGHT[family], len(columns)).copy()
    )
    return columns


# --- constraint families ------------------------------------------------------------------


def _exit_or_retain(model: LinearModel, data: ModelData, cols: _Columns) -> None:
    """retain[h] + sum_o exit[h,o] = 1: a holding is kept or left by exactly one option."""
    h = data.holdings
    rows = np.concatenate([np.arange(len(h)), h.index.get_indexer(data.exits["holding_id"])])
    columns = np.concatenate([cols.retain.to_numpy(), cols.exit.to_numpy()])
    model.add_constraints("exit_or_retain", h.index, rows=rows, cols=columns, coefs=1.0, lower=1.0, upper=1.0)


def _locks(model: LinearModel, data: ModelData, cols: _Columns, relax: frozenset[str]) -> None:
    """Locks are bounds on retain (set in :func:`_variables`); relaxed, they become rows with slack."""
    if "locks" not in relax:
        return
    lock = data.holdings["lock"]
    keep = lock.index[lock.to_numpy() == "retain"]
    drop = lock.index[lock.to_numpy() == "dispose"]
    if len(keep):
        slack = _slack(model, "locks", keep, 1.0, name="lock_retain")
        n = len(keep)
        model.add_constraints(
            "lock_retain",
            keep,
            rows=np.concatenate([np.arange(n), np.arange(n)]),
            cols=np.concatenate([cols.retain[keep].to_numpy(), slack]),
            coefs=1.0,
            lower=1.0,
        )
    if len(drop):
        slack = _slack(model, "locks", drop, 1.0, name="lock_dispose")
        n = len(drop)
        model.add_constraints(
            "lock_dispose",
            drop,
            rows=np.concatenate([np.arange(n), np.arange(n)]),
            cols=np.concatenate([cols.retain[drop].to_numpy(), slack]),
            coefs=np.concatenate([np.ones(n), -np.ones(n)]),
            upper=0.0,
        )


def _assign_once(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns) -> None:
    """sum_h assign[t,h] = 1: every team has exactly one home after the plan."""
    teams = data.teams.index
    rows = pairs["team_pos"].to_numpy()
    model.add_constraints("assign_once", teams, rows=rows, cols=cols.assign.to_numpy(), coefs=1.0, lower=1.0, upper=1.0)


def _host_retained(model: LinearModel, pairs: pd.DataFrame, cols: _Columns) -> None:
    """assign[t,h] <= retain[h]: a team is only housed in a kept holding."""
    n = len(pairs)
    keys = pd.MultiIndex.from_arrays([pairs["team_id"], pairs["holding_id"]])
    rows = np.concatenate([np.arange(n), np.arange(n)])
    columns = np.concatenate([cols.assign.to_numpy(), cols.retain.to_numpy()[pairs["host_pos"].to_numpy()]])
    coefs = np.concatenate([np.ones(n), -np.ones(n)])
    model.add_constraints("host_retained", keys, rows=rows, cols=columns, coefs=coefs, upper=0.0)


def _capacity(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns, relax: frozenset[str]) -> None:
    """sum_t fte[t] assign[t,h] <= capacity[h] retain[h] for every holding that may receive a team."""
    host = pairs["host_pos"].to_numpy()
    at = pd.unique(host[~pairs["stay"].to_numpy()])  # holdings receiving a team, by position
    if not len(at):
        return
    receiving = data.holdings.index[at]
    row_of = np.full(len(data.holdings), -1)
    row_of[at] = np.arange(len(at))
    involved = row_of[host] >= 0
    rows = row_of[host[involved]]
    fte = data.teams["fte"].to_numpy(float)[pairs["team_pos"].to_numpy()[involved]]
    capacity = data.holdings["capacity_fte"].to_numpy(float)[at]
    n = len(receiving)
    r = [rows, np.arange(n)]
    c = [cols.assign.to_numpy()[involved], cols.retain.to_numpy()[at]]
    v = [fte, -capacity]
    if "capacity" in relax:
        total = max(float(data.teams["fte"].sum()), 1.0)
        slack = _slack(model, "capacity", receiving, 1.0 / total)
        r.append(np.arange(n))
        c.append(slack)
        v.append(-np.ones(n))
    model.add_constraints(
        "capacity", receiving, rows=np.concatenate(r), cols=np.concatenate(c), coefs=np.concatenate(v), upper=0.0
    )


def _service_delivery(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns) -> None:
    """serve[h,s] <= fixed[h,s] retain[h] + sum of assign[t,h] over teams t delivering s."""
    providers = data.providers
    if not len(providers):
        return
    keys = cols.serve.index
    n = len(providers)
    r = [np.arange(n)]
    c = [cols.serve.to_numpy()]
    v = [np.ones(n)]
    fixed = np.flatnonzero(providers["fixed"].to_numpy(bool))
    r.append(fixed)
    c.append(cols.retain[providers["holding_id"].to_numpy()[fixed]].to_numpy())
    v.append(-np.ones(len(fixed)))
    # one term per (assignment, service its team delivers)
    delivered = (
        pd.DataFrame(
            {
                "holding_id": pairs["holding_id"].to_numpy(dtype=object),
                "service": data.teams["delivers"].reindex(pairs["team_id"]).to_numpy(dtype=object),
                "column": cols.assign.to_numpy(),
            }
        )
        .explode("service")
        .dropna(subset=["service"])
    )
    by_teams = np.zeros(0, dtype=np.int64)  # the rows with a team's term
    if len(delivered):
        lookup = pd.Series(np.arange(n), index=keys)
        wanted = pd.MultiIndex.from_arrays([delivered["holding_id"].to_numpy(), delivered["service"].to_numpy()])
        position = lookup.reindex(wanted).to_numpy()
        ok = ~np.isnan(position)
        by_teams = position[ok].astype(np.int64)
        r.append(by_teams)
        c.append(delivered["column"].to_numpy(dtype=np.int64)[ok])
        v.append(-np.ones(int(ok.sum())))
    model.add_constraints(
        "service_delivery", keys, rows=np.concatenate(r), cols=np.concatenate(c), coefs=np.concatenate(v), upper=0.0
    )
    _serve_retained(model, providers, cols, np.unique(by_teams))


def _serve_retained(model: LinearModel, providers: pd.DataFrame, cols: _Columns, at: np.ndarray) -> None:
    """serve[h,s] <= retain[h] for the providers ``at`` (positions) where a team may deliver s.

    Elsewhere the service_delivery row already says it.

    Whole plans meet it anyway (a team is only housed in a kept holding), but the relaxation
    does not: there a holding kept at a fraction may serve in full through several fractional
    teams. With it, the county benchmark's LP bound falls from GBP 4,588m to 4,580m, and
    HiGHS's bound after a minute of root cuts from 4,568m to 4,563m.

    The family is ``implied``: the search for plans leaves it out. From its looser relaxation
    that search found better plans on the county benchmark (GBP 4,510m on average over five
    one-minute runs, against 4,493m with these rows).
    """
    if not len(at):
        return
    m = len(at)
    model.add_constraints(
        "serve_retained",
        cols.serve.index[at],
        rows=np.concatenate([np.arange(m), np.arange(m)]),
        cols=np.concatenate(
            [cols.serve.to_numpy()[at], cols.retain[providers["holding_id"].to_numpy()[at]].to_numpy()]
        ),
        coefs=np.concatenate([np.ones(m), -np.ones(m)]),
        upper=0.0,
        implied=True,
    )


def _coverage(model: LinearModel, data: ModelData, cols: _Columns) -> None:
    """cover[z,s] <= sum of serve[h,s] over R[z,s], written through a nested zone where one exists.

    When another zone's providers ``R[z',s]`` are all among ``R[z,s]``, the row is
    ``cover[z,s] <= cover[z',s] + sum of serve[h,s] over R[z,s] minus R[z',s]``: the same
    plans and the same optimum (a cover is only ever pressed up, so ``cover[z',s]`` can
    always be as large as its own providers allow), in a fraction of the terms. Zones
    share most of their providers, so the relaxation is solved about twice as fast.
    """
    if not len(cols.cover):
        return
    reach = data.reach
    keys = cols.cover.index
    n = len(keys)
    rows = keys.get_indexer(pd.MultiIndex.from_arrays([reach["zone_id"], reach["service"]]))
    serve = cols.serve.reindex(pd.MultiIndex.from_arrays([reach["holding_id"], reach["service"]])).to_numpy()
    serve = serve.astype(np.int64)
    parent, inherited = _nested_zones(rows, serve, n)
    own = ~inherited  # a provider term stays unless the nested zone has the same provider
    at = np.flatnonzero(parent >= 0)
    model.add_constraints(
        "coverage",
        keys,
        rows=np.concatenate([np.arange(n), at, rows[own]]),
        cols=np.concatenate([cols.cover.to_numpy(), cols.cover.to_numpy()[parent[at]], serve[own]]),
        coefs=np.concatenate([np.ones(n), -np.ones(len(at)), -np.ones(int(own.sum()))]),
        upper=0.0,
    )


NESTING_PAIRS = 400_000_000
"""Zone pairs sharing a provider (counted with repeats) above which coverage rows are written
flat: finding nested zones takes about a second per 100 million (a county: 52 million)."""


def _nested_zones(rows: np.ndarray, serve: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For each coverage row, the largest other row whose providers are all among its own (-1: none).

    Ties between equal sets go to the lower row, so following parents always reaches a
    row with none (no cycles). Also returns, for each (row, provider) term, whether the
    row's nested zone has that provider too (the terms its row no longer needs).
    """
    parent = np.full(n, -1)
    inherited = np.zeros(len(rows), dtype=bool)
    if not len(rows):
        return parent, inherited
    _, provider = np.unique(serve, return_inverse=True)
    member = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, provider)), shape=(n, int(provider.max()) + 1))
    member.data[:] = 1  # a provider listed twice for a zone is still one provider
    if float((np.bincount(provider).astype(float) ** 2).sum()) > NESTING_PAIRS:
        return parent, inherited
    size = np.diff(member.indptr)
    shared = (member @ member.T).tocoo()
    i, j, common = shared.row, shared.col, shared.data
    inside = (common == size[j]) & ((size[j] < size[i]) | ((size[j] == size[i]) & (j < i)))
    i, j = i[inside], j[inside]
    order = np.lexsort((j, -size[j], i))
    i, j = i[order], j[order]
    first = np.r_[True, i[1:] != i[:-1]] if len(i) else np.zeros(0, dtype=bool)
    parent[i[first]] = j[first]
    nested = parent[rows] >= 0
    if nested.any():
        inherited[nested] = np.asarray(member[parent[rows[nested]], provider[nested]]).ravel() > 0
    return parent, inherited


def _cover_weights(data: ModelData, cols: _Columns) -> np.ndarray:
    """w[z,s] / W[s] for each cover variable."""
    weights = data.zone_weights.set_index(["zone_id", "service"])["weight"]
    totals = data.services.set_index("service")["total_weight"]
    w = weights.reindex(cols.cover.index).to_numpy(float)
    total = totals.reindex(cols.cover.index.get_level_values(1)).to_numpy(float)
    return w / total


def _access_standard(model: LinearModel, data: ModelData, cols: _Columns, relax: frozenset[str]) -> None:
    """sum_z (w[z,s] / W[s]) cover[z,s] >= required share of service s."""
    services = data.services[data.services["required_share"] > 0]
    if not len(services):
        return
    keys = pd.Index(services["service"])
    share = _cover_weights(data, cols)
    rows = keys.get_indexer(cols.cover.index.get_level_values(1))
    inside = rows >= 0
    r = [rows[inside]]
    c = [cols.cover.to_numpy()[inside]]
    v = [share[inside]]
    if "access_standard" in relax:
        slack = _slack(model, "access_standard", keys, 1.0)
        r.append(np.arange(len(keys)))
        c.append(slack)
        v.append(np.ones(len(keys)))
    # a tiny tolerance keeps a plan that exactly meets today's share feasible in floating point
    required = services["required_share"].to_numpy(float) - 1e-9
    model.add_constraints(
        "access_standard", keys, rows=np.concatenate(r), cols=np.concatenate(c), coefs=np.concatenate(v), lower=required
    )


def _budget(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns, relax: frozenset[str]) -> None:
    """One-off costs of exits and moves <= budget (GBP millions, undiscounted)."""
    exits = data.exits["one_off"].to_numpy(float) / MILLION
    moves = pairs["one_off"].to_numpy(float) / MILLION
    c = [cols.exit.to_numpy(), cols.assign.to_numpy()]
    v = [exits, moves]
    if "budget" in relax:
        c.append(_slack(model, "budget", pd.Index(["budget"]), 1.0 / max(data.scenario.budget_gbp / MILLION, 1.0)))
        v.append(np.array([-1.0]))
    columns = np.concatenate(c)
    model.add_constraints(
        "budget",
        ["budget"],
        rows=np.zeros(len(columns), dtype=np.int64),
        cols=columns,
        coefs=np.concatenate(v),
        upper=data.scenario.budget_gbp / MILLION,
    )


def _hub_terms(data: ModelData, cols: _Columns) -> np.ndarray:
    return cols.retain[data.hubs].to_numpy()


def _max_hubs(model: LinearModel, data: ModelData, cols: _Columns, relax: frozenset[str]) -> None:
    """Number of kept hubs <= max_hubs."""
    c = [_hub_terms(data, cols)]
    v = [np.ones(len(c[0]))]
    if "max_hubs" in relax:
        c.append(_slack(model, "max_hubs", pd.Index(["max_hubs"]), 1.0))
        v.append(np.array([-1.0]))
    columns = np.concatenate(c)
    model.add_constraints(
        "max_hubs",
        ["max_hubs"],
        rows=np.zeros(len(columns), dtype=np.int64),
        cols=columns,
        coefs=np.concatenate(v),
        upper=float(data.scenario.max_hubs),
    )


def _hub_count(model: LinearModel, data: ModelData, cols: _Columns, relax: frozenset[str]) -> None:
    """Number of kept hubs = p."""
    c = [_hub_terms(data, cols)]
    v = [np.ones(len(c[0]))]
    if "hub_count" in relax:
        c.append(_slack(model, "hub_count", pd.Index(["more"]), 1.0, name="hub_count_more"))
        c.append(_slack(model, "hub_count", pd.Index(["fewer"]), 1.0, name="hub_count_fewer"))
        v += [np.array([-1.0]), np.array([1.0])]
    columns = np.concatenate(c)
    p = float(data.scenario.p)
    model.add_constraints(
        "hub_count",
        ["p"],
        rows=np.zeros(len(columns), dtype=np.int64),
        cols=columns,
        coefs=np.concatenate(v),
        lower=p,
        upper=p,
    )


def _no_worse_off(
    model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns, relax: frozenset[str]
) -> None:
    """Each partner's own NPV (its exits less its teams' moves) >= 0 (GBP millions)."""
    partners = pd.Index(sorted(set(data.holdings["partner"]) | set(data.teams["partner"])))
    exit_partner = data.holdings["partner"].reindex(data.exits["holding_id"]).to_numpy(dtype=object)
    move_partner = data.teams["partner"].reindex(pairs["team_id"]).to_numpy(dtype=object)
    moving = ~pairs["stay"].to_numpy(bool)
    r = [partners.get_indexer(exit_partner), partners.get_indexer(move_partner[moving])]
    c = [cols.exit.to_numpy(), cols.assign.to_numpy()[moving]]
    v = [data.exits["npv"].to_numpy(float) / MILLION, -pairs["npv_cost"].to_numpy(float)[moving] / MILLION]
    if "no_worse_off" in relax:
        c.append(_slack(model, "no_worse_off", partners, 1.0))
        r.append(np.arange(len(partners)))
        v.append(np.ones(len(partners)))
    model.add_constraints(
        "no_worse_off", partners, rows=np.concatenate(r), cols=np.concatenate(c), coefs=np.concatenate(v), lower=0.0
    )


def _breaking_pairs(
    model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns, relax: frozenset[str]
) -> None:
    """In a diagnosis, an assignment that breaks the relocation limit or compatibility costs slack.

    A move beyond the limit costs the km the limit would have to rise by: one slack
    ``slack_relocation_km`` at least ``(km - limit) assign`` for each such move, so the
    least slack is the smallest raise of the limit; each such move also costs a little
    (1/1,000), so no needless far move is made. A forbidden host costs 1 a team.
    """
    if "compatibility" in relax:
        mask = (pairs["breaks"] == "compatibility").to_numpy()
        if mask.any():
            model.add_objective(cols.assign.to_numpy()[mask], _SLACK_WEIGHT["compatibility"])
    if "relocation_limit" in relax and data.scenario.relocation_limit_km is not None:
        far = np.flatnonzero((pairs["breaks"] == "relocation_limit").to_numpy())
        if not len(far):
            return
        raise_km = _slack(model, "relocation_limit", pd.Index(["raise_km"]), 1.0, name="relocation_km")
        model.add_objective(cols.assign.to_numpy()[far], 1e-3)
        excess = pairs["km"].to_numpy(float)[far] - float(data.scenario.relocation_limit_km)
        n = len(far)
        model.add_constraints(
            "relocation_raise",
            pd.MultiIndex.from_arrays([pairs["team_id"].to_numpy()[far], pairs["holding_id"].to_numpy()[far]]),
            rows=np.concatenate([np.arange(n), np.arange(n)]),
            cols=np.concatenate([cols.assign.to_numpy()[far], np.repeat(raise_km, n)]),
            coefs=np.concatenate([np.maximum(excess, 0.0), -np.ones(n)]),
            upper=0.0,
        )


# --- objectives ----------------------------------------------------------------------------


def _npv_coefficients(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns) -> np.ndarray:
    npv = np.zeros(model.n_cols)
    npv[cols.exit.to_numpy()] = data.exits["npv"].to_numpy(float)
    npv[cols.assign.to_numpy()] -= pairs["npv_cost"].to_numpy(float)
    return npv


def _objective(model: LinearModel, data: ModelData, pairs: pd.DataFrame, cols: _Columns, npv: np.ndarray) -> np.ndarray:
    """Set the objective; returns the primary objective's coefficients."""
    s = data.scenario
    primary = np.zeros(model.n_cols)
    if s.objective == "npv":
        # solved in GBP millions: coefficients near 1 keep HiGHS's tolerances meaningful
        primary = npv.copy()
        used = np.flatnonzero(primary)
        model.add_objective(used, primary[used] / MILLION)
        return primary
    if s.objective == "fewest_sites":
        primary[cols.retain.to_numpy()] = 1.0
    elif s.objective == "max_coverage":
        primary = _coverage_objective(model.n_cols, data, cols)
    else:  # least_travel
        primary[cols.assign.to_numpy()] = pairs["travel"].to_numpy(float)
    used = np.flatnonzero(primary)
    model.add_objective(used, primary[used])
    if s.objective == "fewest_sites":
        # the NPV breaks ties: all of it is worth less than one site
        used = np.flatnonzero(npv)
        model.add_objective(used, -0.1 / (1.0 + np.abs(npv).sum()) * npv[used])
    return primary


def _coverage_objective(n_cols: int, data: ModelData, cols: _Columns) -> np.ndarray:
    """Coefficients of the share of residents within reach, averaged over the services."""
    coverage = np.zeros(n_cols)
    if len(cols.cover):
        coverage[cols.cover.to_numpy()] = _cover_weights(data, cols) / max(len(data.services), 1)
    return coverage


def status_quo(built: PlanModel) -> np.ndarray:
    """Column values of "keep everything, move nobody" (holdings locked for disposal leave).

    A starting point for the solver. A team a locked disposal displaces moves to its
    nearest kept host with room (:func:`_rehoused`); with the locks relaxed, such a
    holding is kept instead, its lock's slack paying. It meets every constraint unless
    a displaced team finds no room, the budget or hub limits are already exceeded, or
    ``p`` differs from today's number of hubs (the solver then ignores it).
    """
    model, data = built.model, built.data
    x = np.zeros(model.n_cols)
    lock = data.holdings["lock"]
    # with the locks relaxed, today's estate keeps a holding locked for disposal (its slack pays)
    keep = ((lock != "dispose") | ("locks" in built.relaxed)).to_numpy()
    x[model.variables["retain"].positions] = keep.astype(float)
    exits = data.exits.reset_index(drop=True)
    leaving = exits[exits["holding_id"].isin(lock.index[~keep])]
    first = leaving.sort_values("npv", ascending=False).drop_duplicates("holding_id").index.to_numpy()
    x[model.variables["exit"].start + first] = 1.0
    stay = built.pairs["stay"].to_numpy(bool)
    assign = model.variables["assign"].positions
    x[assign[stay]] = 1.0
    x[assign[_rehoused(built, keep)]] = 1.0
    retained = pd.Series(keep, index=lock.index)
    if len(data.providers):
        fixed = data.providers["fixed"].to_numpy(bool) & retained.reindex(data.providers["holding_id"]).to_numpy(bool)
        housed = built.pairs[x[assign] > 0.5]
        delivers = data.teams["delivers"].reindex(housed["team_id"]).to_numpy(dtype=object)
        served = {
            (host, service)
            for host, services in zip(housed["holding_id"].to_numpy(dtype=object), delivers, strict=True)
            for service in services
        }
        by_team = np.array(
            [(a, b) in served for a, b in zip(data.providers["holding_id"], data.providers["service"], strict=True)]
        )
        serve = fixed | by_team
        x[model.variables["serve"].positions] = serve.astype(float)
        on = set(
            zip(
                data.providers["holding_id"].to_numpy(dtype=object)[serve],
                data.providers["service"].to_numpy(dtype=object)[serve],
                strict=True,
            )
        )
        reach = data.reach
        hit = np.array([(a, b) in on for a, b in zip(reach["holding_id"], reach["service"], strict=True)], dtype=bool)
        covered = pd.MultiIndex.from_frame(reach.loc[hit, ["zone_id", "service"]]).unique()
        cover = model.variables["cover"]
        x[cover.start + cover.keys.get_indexer(covered)] = 1.0
    return _least_slack(model, x) if built.relaxed else x


def _rehoused(built: PlanModel, keep: np.ndarray) -> np.ndarray:
    """Moves for the teams a locked disposal displaces: each to its nearest kept host with room.

    Positions in ``built.pairs``, nearest first, biggest team first, into the room the
    staying teams leave; a team with no such host stays unhoused (the start is then
    not a plan, and the solver looks for one from the rest of it).
    """
    data, pairs = built.data, built.pairs
    h, t = data.holdings, data.teams
    stay = pairs["stay"].to_numpy(bool)
    housed = t.index.isin(set(pairs.loc[stay, "team_id"]))
    if housed.all():
        return np.zeros(0, dtype=int)
    room = np.array(
        h["capacity_fte"].astype(float) - t[housed].groupby("home")["fte"].sum().reindex(h.index).fillna(0.0),
        dtype=float,
    )
    fte = t["fte"].to_numpy(float)
    team = pairs["team_pos"].to_numpy()
    host = pairs["host_pos"].to_numpy()
    open_to = ~stay & ~housed[team] & keep[host]
    # the displaced teams, biggest first, each with its kept hosts nearest first
    turn = np.empty(len(t), dtype=int)
    turn[np.argsort(-fte, kind="stable")] = np.arange(len(t))
    options = np.flatnonzero(open_to)
    options = options[np.lexsort((pairs["km"].to_numpy(float)[options], turn[team[options]]))]
    bounds = np.flatnonzero(np.diff(team[options])) + 1
    chosen = []
    for block in np.split(options, bounds) if len(options) else []:
        need = fte[team[block[0]]]
        fits = np.flatnonzero(room[host[block]] >= need - 1e-9)
        if len(fits):
            room[host[block[fits[0]]]] -= need
            chosen.append(block[fits[0]])
    return np.asarray(chosen, dtype=int)


def _least_slack(model: LinearModel, x: np.ndarray) -> np.ndarray:
    """``x`` with each slack column at the least value that lets its row hold.

    Today's estate then starts a diagnosis's relaxed search (e.g. today's 30 hubs against
    a limit of 3 is a plan with 27 hubs of slack), so the search has a plan at once.
    """
    slack = [f.positions for name, f in model.variables.items() if name.startswith("slack_")]
    if not slack:
        return x
    columns = np.concatenate(slack)
    *_, row_lo, row_hi, matrix = model.arrays()
    x = x.copy()
    x[columns] = 0.0
    activity = matrix @ x
    block = matrix.tocsc()[:, columns].tocoo()  # a slack column may be in several rows: the most any needs
    over = np.maximum(activity[block.row] - row_hi[block.row], 0.0)
    under = np.maximum(row_lo[block.row] - activity[block.row], 0.0)
    need = np.where(block.data < 0, over / -block.data, under / block.data)
    np.maximum.at(x, columns[block.col], np.nan_to_num(need, posinf=0.0))
    return x


def candidates(built: PlanModel):  # noqa: ANN201 - returns optimiser.solve.Candidates
    """For ``least_travel``: each team's hosts, nearest first, to solve a few at a time.

    ``None`` for the other objectives (their assignment costs do not rank hosts).
    """
    from optimiser.solve import Candidates

    data = built.data
    if data.scenario.objective != "least_travel" or built.relaxed:
        return None
    hubs = max(int(data.holdings["can_host"].sum()), 1)
    # a team's nearest open hub is about its (hubs / p)-th nearest; half as many again
    # leaves room for teams that capacity pushes further out. Columns a plan needs beyond
    # these are priced in with a proof, so this sets only the speed (measured on the
    # benchmark p-medians: 1.5x took a fifth less time than 2x), never the answer.
    per_group = int(np.clip(np.ceil(1.5 * hubs / max(data.scenario.p or 1, 1)), 10, 50))
    return Candidates(
        columns=built.model.variables["assign"].positions,
        groups=built.pairs["team_pos"].to_numpy(),
        rank=built.pairs["travel"].to_numpy(float),
        per_group=per_group,
        key=built.model.variables["retain"].positions,
    )


def areas(built: PlanModel):  # noqa: ANN201 - returns optimiser.areas.Areas
    """Where each column lies, to improve a plan area by area (``npv`` and diagnoses only).

    The holding and team each column decides about; slack columns, tied to no holding, are
    always free. ``None`` for the other objectives.
    """
    from optimiser.areas import Areas

    data = built.data
    if data.scenario.objective != "npv" and not built.relaxed:
        return None
    model = built.model
    holding = np.full(model.n_cols, -1, dtype=np.int64)
    team = np.full(model.n_cols, -1, dtype=np.int64)
    variables = model.variables
    where = data.holdings.index.get_indexer
    holding[variables["retain"].positions] = where(variables["retain"].keys)
    for family in ("exit", "serve"):
        holding[variables[family].positions] = where(variables[family].keys.get_level_values(0))
    assign = variables["assign"]
    holding[assign.positions] = where(assign.keys.get_level_values(1))
    team[assign.positions] = data.teams.index.get_indexer(assign.keys.get_level_values(0))
    serve = np.zeros(model.n_cols, dtype=bool)
    serve[variables["serve"].positions] = True
    return Areas(holding=holding, team=team, serve=serve, xy=data.holdings[["x", "y"]].to_numpy(float))

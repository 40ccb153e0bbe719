"""The one orchestrator: prepare -> build -> solve -> (diagnose) -> extract -> check."""

from __future__ import annotations

import dataclasses
import time

import geopandas as gpd
import pandas as pd

from optimiser.checker import check_plan
from optimiser.diagnose import diagnose
from optimiser.errors import PlanViolation
from optimiser.inputs import AccessInputs, load_compatibility, prepare
from optimiser.model import areas, build_model, candidates, status_quo
from optimiser.plan import Plan, empty_plan, extract_plan, package_versions, run_manifest
from optimiser.scenario import SOLVER_NAMES, Scenario
from optimiser.solve import Progress, solve


def _best_money_at_that_coverage(data, built, result, scenario, tell, progress):  # noqa: ANN001, ANN202
    """Of the plans covering as many residents as ``result``, the one worth most found in a short search.

    Coverage alone is indifferent to money, so its plan may move teams (at a cost) for no gain.
    The second search keeps the coverage found as a constraint and maximises the NPV from that
    plan; the status, gap and bound reported stay those of the coverage.
    """
    covered = float(built.primary @ result.x)
    second = build_model(data, hold_coverage=covered)
    limit = min(30.0, max(5.0, 0.5 * scenario.time_limit_s))
    tell({"stage": "solving", "detail": "the plan worth most among those covering as many residents"})
    money = solve(second.model, scenario, time_limit=limit, mip_gap=scenario.mip_gap, start=result.x, progress=progress)
    if money.x is None or float(second.npv @ money.x) <= float(built.npv @ result.x) + 1e-6:
        return result, built
    gained = float(second.npv @ money.x) - float(built.npv @ result.x)
    note = (
        f"Of the plans covering as many residents, this one is worth GBP {gained:,.0f} more in NPV than the first "
        f"found (a search of {money.seconds:.1f} s for the most money at that coverage)."
    )
    second = dataclasses.replace(second, data=dataclasses.replace(data, notes=(*data.notes, note)))
    moved = dataclasses.replace(result, x=money.x, seconds=result.seconds + money.seconds)
    return moved, second


def optimise(
    holdings: gpd.GeoDataFrame,
    teams: pd.DataFrame,
    scenario: Scenario | None = None,
    *,
    access: AccessInputs | None = None,
    distances: pd.DataFrame | None = None,
    compatibility: pd.DataFrame | None = None,
    check: bool = True,
    diagnose_infeasible: bool = True,
    progress: Progress | None = None,
) -> Plan:
    """Optimise a place's estate for one scenario.

    Parameters
    ----------
    holdings
        Holdings in the canonical schema, EPSG:27700.
    teams
        Occupying teams.
    scenario
        Settings; the default scenario when ``None``.
    access
        Zones, zone-holding costs and access standards; without them no access standard
        applies (and ``max_coverage`` cannot run).
    distances
        Holding-to-holding distances (``from_id``, ``to_id``, ``km``) instead of straight
        lines.
    compatibility
        Partner type x use class table (:func:`optimiser.inputs.load_compatibility`).
    check
        Verify the plan independently (:mod:`optimiser.checker`) before returning it.
    diagnose_infeasible
        Diagnose an infeasible scenario (re-solves with relaxed constraint families).
    progress
        Receives ``{"stage": ..., "detail": ..., "gap": ...}`` as the run goes:
        ``building``, ``solving`` (with the gap so far), ``checking``, ``diagnosing``.

    Returns
    -------
    Plan
        With status ``optimal`` or ``feasible`` (and its gap), or ``infeasible`` with a
        diagnosis, or ``no plan found`` when the time limit came first.

    Raises
    ------
    optimiser.errors.ScenarioError
        For inputs that cannot be optimised, before any solve.
    optimiser.errors.PlanViolation
        If the independent check finds the plan breaking a rule (a planner fault).

    """
    scenario = scenario if scenario is not None else Scenario.from_toml()
    if scenario.objective == "max_coverage" and access is None:
        from optimiser.errors import ScenarioError

        raise ScenarioError(
            "The objective 'max_coverage' needs the access inputs (zones, costs, standards).",
            [
                {
                    "what": "setting",
                    "id": "objective",
                    "problem": "no access inputs",
                    "action": "pass access=AccessInputs(...)",
                }
            ],
        )
    if compatibility is None:
        compatibility = load_compatibility(scenario.compatibility)
    tell = progress if progress is not None else (lambda message: None)
    started = time.perf_counter()
    tell({"stage": "building", "detail": "reading the inputs and building the model"})
    data = prepare(holdings, teams, scenario, access=access, distances=distances, compatibility=compatibility)
    built = build_model(data)
    build_seconds = time.perf_counter() - started
    # the LP-guided start pays on large consolidation (NPV) models, not on p-medians
    guide = built.model.variables["retain"].positions if scenario.objective == "npv" else None
    tell(
        {
            "stage": "solving",
            "detail": f"{built.model.n_cols:,} decisions under {built.model.n_rows:,} rules; "
            f"solver {SOLVER_NAMES.get(scenario.solver, scenario.solver)}, at most {scenario.time_limit_s:g} s",
        }
    )
    result = solve(
        built.model,
        scenario,
        start=status_quo(built),
        guide=guide,
        candidates=candidates(built),
        areas=areas(built),
        progress=progress,
    )
    if scenario.objective == "max_coverage" and result.solved:
        result, built = _best_money_at_that_coverage(data, built, result, scenario, tell, progress)
    versions = package_versions()
    if result.solved:
        plan = extract_plan(built, result, holdings, build_seconds=build_seconds, versions=versions, access=access)
        if check:
            tell({"stage": "checking", "detail": "capacity, access, locks and compatibility, independently"})
            violations = check_plan(plan, holdings, teams, scenario, access=access, compatibility=compatibility)
            if len(violations):
                raise PlanViolation(violations)
        return plan
    diagnosis = None
    if result.status == "infeasible" and diagnose_infeasible:
        tell({"stage": "diagnosing", "detail": "relaxing each family of rules in turn"})
        diagnosis = diagnose(data)
    summary = {
        "objective": scenario.objective,
        "status": result.status,
        "solver": result.solver,
        "solver_status": result.detail,
        "solve_seconds": round(result.seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "notes": list(data.notes),
        "manifest": run_manifest(data, versions),
    }
    return empty_plan(
        result.status,
        scenario.objective,
        solve_seconds=result.seconds,
        build_seconds=build_seconds,
        diagnosis=diagnosis,
        summary=summary,
        notes=data.notes,
        scenario=scenario,
    )

"""The independent checker: it accepts good plans and catches deliberately broken ones."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import optimiser.pipeline
from optimiser import AccessInputs, PlanViolation, Scenario, check_plan, optimise
from optimiser.synthetic import estate, standards, straight_line_costs, zones

START = dt.date(2025, 4, 1)


def scenario(**changes) -> Scenario:
    base = {"start_date": START, "desk_ratio": 1.0, "mip_gap": 0.0, "time_limit_s": 20.0}
    base.update(changes)
    return Scenario(**base)


@pytest.fixture(scope="module")
def case():
    holdings, teams = estate(
        [
            {
                "holding_id": "A",
                "x": 0,
                "y": 0,
                "workstations": 100,
                "running_cost_gbp": 100_000,
                "market_value_gbp": 1_000_000,
                "locked_retain": True,
            },
            {
                "holding_id": "B",
                "x": 2000,
                "y": 0,
                "workstations": 50,
                "running_cost_gbp": 50_000,
                "market_value_gbp": 500_000,
            },
            {
                "holding_id": "L",
                "x": 4000,
                "y": 0,
                "workstations": 20,
                "running_cost_gbp": 80_000,
                "use_class": "library",
                "services": "library",
            },
            {
                "holding_id": "P",
                "x": 1000,
                "y": 0,
                "workstations": 10,
                "running_cost_gbp": 90_000,
                "partner": "Probation",
                "partner_type": "probation",
                "use_class": "probation_office",
                "tenure": "leasehold",
                "lease_break": pd.Timestamp("2027-04-01"),
                "rent_gbp": 60_000,
                "gia_m2": 100.0,
            },
            {"holding_id": "F", "x": 30_000, "y": 0, "workstations": 500},
        ],
        [
            {"team_id": "TA", "holding_id": "A", "fte": 40},
            {"team_id": "TB", "holding_id": "B", "fte": 30},
            {"team_id": "TL", "holding_id": "L", "fte": 10, "service": "library"},
            {"team_id": "TP", "holding_id": "P", "fte": 8, "partner": "Probation"},
        ],
    )
    z = zones([("Z1", 4000, 0, 100.0), ("Z2", 0, 0, 100.0)])
    access = AccessInputs(z, straight_line_costs(z, holdings, 10.0), standards([("library", 1.0, 0.5)]))
    s = scenario(budget_gbp=1_000_000.0)
    plan = optimise(holdings, teams, s, access=access)
    return holdings, teams, access, s, plan


def checks(case, plan, **changes):
    holdings, teams, access, s, _ = case
    return set(check_plan(plan, holdings, teams, s.replace(**changes) if changes else s, access=access)["check"])


def move(plan, team: str, to: str):
    assignments = plan.assignments.copy()
    assignments.loc[assignments["team_id"] == team, "holding_id"] = to
    assignments.loc[assignments["team_id"] == team, "moved"] = True
    return dataclasses.replace(plan, assignments=assignments)


def decide(plan, holding: str, decision: str):
    decisions = plan.decisions.copy()
    decisions.loc[decisions["holding_id"] == holding, "decision"] = decision
    return dataclasses.replace(plan, decisions=decisions)


def test_the_optimised_plan_passes(case):
    plan = case[4]
    assert plan.has_plan
    assert checks(case, plan) == set()


def test_over_capacity_is_caught(case):
    plan = case[4]
    broken = move(move(plan, "TA", "B"), "TB", "B")  # 70 FTE into 50 desks
    broken = decide(broken, "B", "keep as hub")
    violations = check_plan(broken, *case[:2], case[3], access=case[2])
    row = violations[violations["check"] == "capacity"].iloc[0]
    assert row["id"] == "B"
    assert row["value"] == pytest.approx(70.0) and row["limit"] == pytest.approx(50.0)


def test_access_breach_is_caught(case):
    plan = case[4]
    # the library team leaves for the far office and the library building goes
    broken = decide(move(plan, "TL", "F"), "L", "dispose")
    broken = decide(broken, "F", "keep as hub")
    assert "access" in checks(case, broken, relocation_limit_km=None)


def test_broken_lock_is_caught(case):
    plan = case[4]
    broken = decide(move(plan, "TA", "B"), "A", "dispose")
    broken = decide(broken, "B", "keep as hub")
    found = checks(case, broken)
    assert "lock" in found


def test_team_in_a_disposed_holding_and_missing_decisions_are_caught(case):
    plan = case[4]
    homeless = decide(plan, plan.assignments["holding_id"].iloc[0], "dispose")
    assert "assignment" in checks(case, homeless)
    missing = dataclasses.replace(plan, decisions=plan.decisions.iloc[1:])
    assert "decision" in checks(case, missing)
    twice = dataclasses.replace(plan, assignments=pd.concat([plan.assignments, plan.assignments.iloc[:1]]))
    assert "assignment" in checks(case, twice)


def test_incompatible_and_distant_moves_are_caught(case):
    plan = case[4]
    probation_in_library = decide(move(plan, "TP", "L"), "L", "keep as hub")
    assert "compatibility" in checks(case, probation_in_library)
    far = decide(move(plan, "TB", "F"), "F", "keep as hub")
    found = checks(case, far)
    assert "relocation" in found


def test_budget_and_reported_costs_are_recomputed(case):
    plan = case[4]
    assert "budget" in checks(case, plan, budget_gbp=1.0) or plan.summary["one_off_costs_gbp"]["total"] < 1.0
    summary = dict(plan.summary, one_off_costs_gbp={**plan.summary["one_off_costs_gbp"], "total": 1.0})
    assert "money" in checks(case, dataclasses.replace(plan, summary=summary))


def test_lease_timing_is_checked(case):
    plan = case[4]
    leaving = plan.disposals[plan.disposals["holding_id"] == "P"]
    if leaving.empty:
        pytest.skip("the plan keeps the lease")
    disposals = plan.disposals.copy()
    disposals.loc[disposals["holding_id"] == "P", "exit_option"] = "break"
    disposals.loc[disposals["holding_id"] == "P", "earliest_exit_date"] = dt.date(2026, 1, 1)
    assert "lease timing" in checks(case, dataclasses.replace(plan, disposals=disposals))


def test_hub_count_is_checked(case):
    plan = case[4]
    assert "hubs" in checks(case, plan, max_hubs=1)


def test_the_pipeline_withholds_a_plan_that_fails_the_check(case, monkeypatch):
    holdings, teams, access, s, _ = case
    real = optimiser.pipeline.extract_plan

    def broken(*args, **kwargs):
        plan = real(*args, **kwargs)
        return decide(move(plan, "TA", "B"), "A", "dispose")

    monkeypatch.setattr(optimiser.pipeline, "extract_plan", broken)
    with pytest.raises(PlanViolation) as error:
        optimise(holdings, teams, s, access=access)
    assert "lock" in set(error.value.violations["check"])
    assert "withheld" in str(error.value)


def test_the_checker_shares_no_code_with_the_model():
    source = Path(__file__).resolve().parent.parent / "optimiser" / "checker.py"
    tree = ast.parse(source.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert not imported & {
        "optimiser.model",
        "optimiser.inputs",
        "optimiser.finance",
        "optimiser.plan",
        "optimiser.linear",
        "optimiser.solve",
    }


def test_access_breach_is_caught_when_a_matrix_times_other_services(case):
    """With a travel-time matrix, a standard in km is checked in straight lines, not skipped."""
    holdings, teams, _, s, plan = case
    z = zones([("Z1", 4000, 0, 100.0), ("Z2", 0, 0, 100.0)])
    minutes = straight_line_costs(z, holdings, 10.0)
    minutes = minutes[minutes["holding_id"] == "A"].reset_index(drop=True)
    minutes.attrs.update(unit="min", sites_with_times=("A",))
    access = AccessInputs(
        z, minutes, standards([("library", 1.0, 0.5)]), straight_line=straight_line_costs(z, holdings, 10.0)
    )
    assert set(check_plan(plan, holdings, teams, s, access=access)["check"]) == set()
    broken = decide(move(plan, "TL", "F"), "L", "dispose")
    broken = decide(broken, "F", "keep as hub")
    violations = check_plan(broken, holdings, teams, s.replace(relocation_limit_km=None), access=access)
    row = violations[violations["check"] == "access"].iloc[0]
    assert row["id"] == "library" and "within 1 km" in row["detail"]

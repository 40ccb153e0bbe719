"""A scenario as an analyst writes it by hand: every slip is named, none is applied silently."""

from __future__ import annotations

import json

import pytest

from optimiser import Scenario, ScenarioError, optimise
from optimiser.inputs import load_compatibility
from optimiser.synthetic import estate


def problems_of(caught: pytest.ExceptionInfo) -> list[dict]:
    return caught.value.problems.to_dict(orient="records")


@pytest.mark.parametrize("key", ["discount_rate", "mip_gap", "time_limit_s"])
def test_nan_is_not_a_number_a_setting_can_take(tmp_path, key):
    # nan slipped through every range check (each comparison with it is false) and hung the solver
    path = tmp_path / "s.toml"
    path.write_text(f"{key} = nan\n")
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_toml(path)
    assert [p["id"] for p in problems_of(caught)] == [key]


def test_a_percentage_written_for_a_share_is_told_how_to_write_it(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("discount_rate = 35\n")
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_toml(path)
    assert problems_of(caught)[0]["action"] == "write it as a share: 0.35 for 35%"


def test_a_scenario_file_saved_with_a_byte_order_mark_reads(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbfhorizon_years = 15\n")
    assert Scenario.from_toml(path).horizon_years == 15


def test_a_scenario_file_that_is_not_utf8_or_not_a_file_is_named(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b"# budget agreed at \xa315m\nhorizon_years = 15\n")
    with pytest.raises(ScenarioError, match="s.toml is not UTF-8 text"):
        Scenario.from_toml(path)
    with pytest.raises(ScenarioError, match="cannot be read"):
        Scenario.from_toml(tmp_path)


def test_a_lock_list_misnamed_or_misplaced_is_refused_not_dropped(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[locks]\nretian = ["H1"]\n')
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_toml(path)
    assert (
        problems_of(caught)[0]["id"] == "locks.retian"
        and "retain, dispose or unlock" in problems_of(caught)[0]["action"]
    )
    path.write_text('[solver]\ntime_limit_s = 5.0\nretain = ["H1"]\n')
    with pytest.raises(ScenarioError) as caught:
        Scenario.from_toml(path)
    assert problems_of(caught)[0] == {
        "what": "setting",
        "id": "solver.retain",
        "problem": "is under [solver]",
        "action": "move it under [locks]",
    }


def test_command_line_options_are_checked_on_their_own(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("horizon_years = 12\n")
    with pytest.raises(ScenarioError, match=r"The scenario \(the command-line options\) cannot be used"):
        Scenario.from_toml(path, time_limit_s=0.0)
    both = Scenario.from_toml(path, p=3)
    assert (both.horizon_years, both.p, both.source) == (12, 3, "s.toml with command-line options")


def test_a_compatibility_table_beside_the_scenario_is_found_there(tmp_path, monkeypatch):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "compat.csv").write_text("partner_type,use_class,allowed\nnhs,office,yes\n")
    path = tmp_path / "s.toml"
    path.write_text('compatibility = "tables/compat.csv"\n')
    monkeypatch.chdir("/")  # run from elsewhere
    assert Scenario.from_toml(path).compatibility == str(tmp_path / "tables" / "compat.csv")


def test_compatibility_table_names_unknown_types_and_contradictions_by_file_line(tmp_path):
    path = tmp_path / "compat.csv"
    path.write_text(
        "# comment\n# another\npartner_type,use_class,allowed\n"
        "nsh,office,yes\n"  # line 4: a typo
        ",office,yes\n"  # line 5: blank
        "nhs,offices,yes\n"  # line 6
        "police,office,\n"  # line 7
        "fire,office,yes\n"  # line 8
        "fire,office,no\n"  # line 9: contradicts line 8
    )
    with pytest.raises(ScenarioError) as caught:
        load_compatibility(path)
    found = {(p["id"], p["problem"]) for p in problems_of(caught)}
    assert ("line 4", "partner type 'nsh' is not one the planner knows") in found
    assert ("line 5", "partner type '' is not one the planner knows") in found
    assert ("line 6", "use class 'offices' is not one the planner knows") in found
    assert ("line 7", "allowed is ''") in found
    assert ("line 9", "fire/office is both allowed and not (also line 8)") in found


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "has no rows"), (b"partner_type,use_class,allowed\n", "has no rows"), (b"nhs,office,\xa3\n", "not UTF-8")],
)
def test_compatibility_table_that_cannot_be_read_is_named(tmp_path, content, message):
    path = tmp_path / "compat.csv"
    path.write_bytes(content)
    with pytest.raises(ScenarioError, match=message):
        load_compatibility(path)


def test_p_with_an_objective_that_does_not_use_it_is_noted():
    holdings, teams = estate([{"holding_id": "A", "x": 0, "y": 0, "workstations": 10}], [])
    plan = optimise(holdings, teams, Scenario(p=7))
    assert any(note.startswith("p = 7 is not applied") and "max_hubs" in note for note in plan.notes)


def test_unknown_lock_ids_say_which_list_holds_them():
    holdings, teams = estate([{"holding_id": "A", "x": 0, "y": 0, "workstations": 10}], [])
    with pytest.raises(ScenarioError) as caught:
        optimise(holdings, teams, Scenario(unlock=("B",)))
    assert problems_of(caught)[0]["what"] == "scenario lock (unlock)"


def test_command_line_out_that_is_a_file_is_refused_before_solving(tmp_path, capsys):
    from estate.cli import main

    taken = tmp_path / "plan.txt"
    taken.write_text("not a folder")
    assert main(["optimise", "--out", str(taken)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_command_line_removes_the_files_of_an_earlier_run_first(tmp_path, capsys):
    from estate.cli import main

    out = tmp_path / "out"
    out.mkdir()
    for name in ("summary.json", "disposals.csv", "plan.gpkg"):
        (out / name).write_text(json.dumps({"status": "feasible"}))
    (out / "notes.txt").write_text("mine")
    bad = tmp_path / "s.toml"
    bad.write_text("time_limt_s = 5\n")
    # refused at once: the old plan's files must not stay to contradict the refusal
    assert main(["optimise", "--scenario", str(bad), "--out", str(out)]) == 2
    # one readable line per problem: what, which, the problem and what to do
    assert (
        "  - setting 'time_limt_s': is not a scenario setting; did you mean 'time_limit_s'?" in capsys.readouterr().err
    )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_command_line_place_that_does_not_exist_says_so(tmp_path, capsys):
    from estate.cli import main

    assert main(["optimise", "--place", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_standard_in_km_is_not_dropped_when_the_travel_costs_are_minutes():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs, zones

    holdings, teams = estate(
        [
            {"holding_id": "A", "x": 0, "y": 0, "workstations": 50, "services": "gp"},
            {"holding_id": "B", "x": 500, "y": 0, "workstations": 50},
        ],
        [{"team_id": "TB", "holding_id": "B", "fte": 10}],
    )
    z = zones([("Z1", 0, 0, 100.0)])
    minutes = straight_line_costs(z, holdings, 10.0)
    minutes.attrs["unit"] = "min"  # a travel-time matrix; the GP standard is 1.61 km
    access = AccessInputs(z, minutes, standards([("gp", 1.61, 0.9)]))
    # applied in neither unit, the standard would vanish and the plan could close every surgery
    with pytest.raises(ScenarioError) as caught:
        optimise(holdings, teams, Scenario(), access=access)
    problem = problems_of(caught)[0]
    assert (
        problem["id"] == "gp" and problem["problem"] == "Gp's standard is 1.61 km, but the travel costs are in minutes"
    )


def test_a_standard_whose_providers_the_matrix_does_not_time_is_refused_before_the_solve():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs, zones

    holdings, teams = estate(
        [
            {"holding_id": "A", "x": 0, "y": 0, "workstations": 50, "services": "gp"},
            {"holding_id": "B", "x": 500, "y": 0, "workstations": 50, "services": "library"},
        ],
        [{"team_id": "TB", "holding_id": "B", "fte": 10}],
    )
    z = zones([("Z1", 0, 0, 100.0)])
    minutes = straight_line_costs(z, holdings, 10.0)
    minutes = minutes[minutes["holding_id"] == "B"].reset_index(drop=True)
    # a matrix of library times only: the surgery at A has none
    minutes.attrs.update(unit="min", sites_with_times=("B",))
    rules = standards([("gp", 15, 0.9), ("library", 15, 0.9)]).assign(unit="min")
    access = AccessInputs(z, minutes, rules)
    # read as no resident within reach, the GP standard would hold nothing and the plan could close A
    with pytest.raises(ScenarioError) as caught:
        optimise(holdings, teams, Scenario(), access=access)
    (problem,) = problems_of(caught)
    assert problem["id"] == "gp"
    assert problem["problem"] == "the travel-time matrix gives no time to Gp's 1 provider today (A)"
    # timing the surgery too, the same scenario is solved
    minutes_all = straight_line_costs(z, holdings, 10.0)
    minutes_all.attrs.update(unit="min", sites_with_times=("A", "B"))
    plan = optimise(holdings, teams, Scenario(), access=AccessInputs(z, minutes_all, rules))
    assert plan.status == "optimal"


def _matrix_of(z, holdings, timed: tuple[str, ...]):
    """Minutes (one per 100 m) from each zone to the ``timed`` holdings only, as a matrix would give."""
    from optimiser.synthetic import straight_line_costs

    minutes = straight_line_costs(z, holdings, 10.0)
    minutes = minutes[minutes["holding_id"].isin(timed)].reset_index(drop=True)
    minutes["cost"] = minutes["cost"] * 10.0
    minutes.attrs.update(unit="min", sites_with_times=timed, measure="travel time, minutes (from times.csv)")
    return minutes


def _provider_beside_a_jobcentre(holding_id: str, service: str):
    """A costly provider of ``service`` at a zone, a jobcentre 300 m away, and an office 3 km away."""
    from optimiser.synthetic import zones

    holdings, teams = estate(
        [
            {
                "holding_id": holding_id,
                "x": 0,
                "y": 0,
                "workstations": 50,
                "services": service,
                "running_cost_gbp": 300_000,
            },
            {"holding_id": "J", "x": 0, "y": 300, "workstations": 50, "services": "jobcentre"},
            {"holding_id": "B", "x": 3000, "y": 0, "workstations": 50},
        ],
        [{"team_id": "TB", "holding_id": "B", "fte": 10}],
    )
    return holdings, teams, zones([("Z1", 0, 0, 100.0)])


def test_beside_a_matrix_standards_in_km_are_measured_in_straight_lines():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs

    holdings, teams, z = _provider_beside_a_jobcentre("A", "gp")
    rules = standards([("gp", 1.0, 0.9), ("jobcentre", 20.0, 0.9)])
    rules.loc[rules["service"] == "jobcentre", "unit"] = "min"  # a standard in minutes only
    access = AccessInputs(
        z,
        _matrix_of(z, holdings, ("J",)),
        rules,
        measure="travel time, minutes (from times.csv)",
        straight_line=straight_line_costs(z, holdings, 10.0),
    )
    plan = optimise(holdings, teams, Scenario(), access=access)
    assert plan.status == "optimal"
    # the surgery, though the dearest to run, is the only one within 1 km: it stays
    assert plan.decisions.set_index("holding_id").at["A", "decision"] != "dispose"
    rows = plan.access.set_index("service")
    assert rows.at["gp", "unit"] == "km" and rows.at["gp", "measure"].startswith("straight-line km")
    assert rows.at["jobcentre", "unit"] == "min" and rows.at["jobcentre", "measure"].startswith("travel time")
    assert plan.summary["access_measure"] == (
        "straight-line km (circuity 1.0) for Gp; travel time, minutes (from times.csv) for Jobcentre"
    )


def test_a_standard_with_km_whose_providers_the_matrix_leaves_out_is_measured_in_straight_lines():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs

    holdings, teams, z = _provider_beside_a_jobcentre("F", "fire")
    rules = standards([("fire", 1.0, 0.9), ("jobcentre", 20.0, 0.9)]).assign(threshold_minutes=[10.0, 20.0])
    straight = straight_line_costs(z, holdings, 10.0)
    access = AccessInputs(z, _matrix_of(z, holdings, ("J",)), rules, straight_line=straight)
    plan = optimise(holdings, teams, Scenario(), access=access)
    # read by the matrix, nobody would be within 10 minutes of the station and it could go
    assert plan.decisions.set_index("holding_id").at["F", "decision"] != "dispose"
    assert plan.access.set_index("service").at["fire", "unit"] == "km"
    assert any(
        "the travel-time matrix gives no time to Fire's 1 provider today (F), so it is measured in straight lines"
        in note
        for note in plan.notes
    )
    # without straight lines to fall back on, it is refused rather than read as nobody reached
    with pytest.raises(ScenarioError) as caught:
        optimise(holdings, teams, Scenario(), access=AccessInputs(z, _matrix_of(z, holdings, ("J",)), rules))
    assert [p["id"] for p in problems_of(caught)] == ["fire"]


def test_a_provider_the_matrix_leaves_out_keeps_its_service_measured_in_straight_lines():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs, zones

    holdings, teams = estate(
        [
            {"holding_id": "L1", "x": 0, "y": 8000, "workstations": 50, "services": "library"},
            {
                "holding_id": "L2",
                "x": 0,
                "y": 0,
                "workstations": 50,
                "services": "library",
                "running_cost_gbp": 300_000,
            },
            {"holding_id": "B", "x": 3000, "y": 0, "workstations": 50},
        ],
        [{"team_id": "TB", "holding_id": "B", "fte": 10}],
    )
    z = zones([("Z1", 0, 0, 100.0)])
    rules = standards([("library", 1.61, 0.95)]).assign(threshold_minutes=[15.0])
    straight = straight_line_costs(z, holdings, 20.0)
    # the matrix times the far library (80 minutes) and leaves out the one beside the zone
    access = AccessInputs(z, _matrix_of(z, holdings, ("L1",)), rules, straight_line=straight)
    plan = optimise(holdings, teams, Scenario(), access=access)
    # counted as reaching nobody, the dear library beside the zone could go at no cost to access
    assert plan.decisions.set_index("holding_id").at["L2", "decision"] != "dispose"
    assert plan.access.set_index("service").at["library", "unit"] == "km"
    assert any("gives no time to 1 of Library's 2 providers today (L2)" in note for note in plan.notes)


def test_a_plan_is_scored_in_the_measure_its_model_used():
    from optimiser import AccessInputs
    from optimiser.synthetic import standards, straight_line_costs, zones

    holdings, teams = estate(
        [
            {
                "holding_id": "J",
                "x": 3000,
                "y": 0,
                "workstations": 50,
                "services": "jobcentre",
                "use_class": "jobcentre",
                "running_cost_gbp": 500_000,
            },
            {"holding_id": "B", "x": 0, "y": 0, "workstations": 50},
        ],
        [
            {"team_id": "TJ", "holding_id": "J", "fte": 10, "service": "jobcentre"},
            {"team_id": "TB", "holding_id": "B", "fte": 10},
        ],
    )
    z = zones([("Z1", 0, 0, 100.0)])
    rules = standards([("jobcentre", 4.83, 0.9)]).assign(threshold_minutes=20.0)
    # the matrix times the jobcentre (300 minutes away) and not the office the team moves to
    access = AccessInputs(
        z, _matrix_of(z, holdings, ("J",)), rules, straight_line=straight_line_costs(z, holdings, 10.0)
    )
    plan = optimise(holdings, teams, Scenario(), access=access)
    assert plan.assignments.set_index("team_id").at["TJ", "holding_id"] == "B"
    row = plan.access.set_index("service").loc["jobcentre"]
    # in minutes before and after: B, 0 km from the zone, has no time in the matrix
    assert row["unit"] == "min" and row["threshold"] == 20
    assert row["share_before"] == 0 and row["share_after"] == 0


def test_command_line_optimise_takes_drop_unmatched_as_access_does():
    import argparse

    from optimiser.cli_optimise import add_parser

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["optimise", "--matrix", "m.csv", "--drop-unmatched", "--out", "o"])
    assert args.drop_unmatched is True


def test_a_mistyped_setting_in_a_table_names_the_table(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[solver]\ntime_limt_s = 5\n")
    with pytest.raises(ScenarioError) as raised:
        Scenario.from_toml(path)
    assert "  - setting 'time_limt_s': is not a scenario setting (under [solver]); did you mean 'time_limit_s'?" in str(
        raised.value
    )


def problems_of_file(tmp_path, text: str):
    """The problems a scenario file of ``text`` is refused with."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as raised:
        Scenario.from_toml(path)
    return raised.value.problems


def test_a_mistyped_setting_does_not_hide_the_other_problems_of_its_file(tmp_path):
    problems = problems_of_file(tmp_path, 'relocation_limit_km = "five"\n[solver]\ntime_limt_s = 5\nmip_gap = 5\n')
    assert sorted(problems["id"]) == ["mip_gap", "relocation_limit_km", "time_limt_s"]
    assert "write it as a share: 0.05 for 5%" in problems.loc[problems["id"] == "mip_gap", "action"].item()


def test_a_setting_given_twice_does_not_hide_the_other_problems_of_its_file(tmp_path):
    problems = problems_of_file(
        tmp_path, "budget_gbp = -3\n[moves]\nrelocation_limit_km = 3\n[rules]\nrelocation_limit_km = 4\n"
    )
    assert list(problems["id"]) == ["relocation_limit_km", "budget_gbp"]
    assert problems["problem"].tolist()[0] == "appears twice in s.toml"

"""Every page runs in Streamlit's AppTest without an exception and shows its figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def portfolio() -> AppTest:
    at = app().run()
    return at.switch_page("pages/portfolio.py").run()


def test_place_page_shows_the_estate_and_baseline_access():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Trafford"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Partners"] == "7" and metrics["Holdings"] == "435"
    access = next(d.value for d in at.dataframe if "required_share" in d.value.columns)
    jobcentre = access.set_index("service").loc["jobcentre"]
    assert jobcentre["share"] == pytest.approx(0.9143, abs=1e-4) and not jobcentre["meets_standard"]
    at.selectbox(key="place_service").set_value("library").run()
    assert not at.exception
    by_imd = next(d.value for d in at.dataframe if {"imd_decile", "population_within"} <= set(d.value.columns))
    assert by_imd["population_within"].sum() / by_imd["population"].sum() == pytest.approx(0.8553, abs=1e-4)


def test_portfolio_page_shows_the_sample_place():
    at = portfolio()
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Holdings on the map"] == "435"
    assert metrics["Partners"] == "7"
    assert metrics["Excluded (reason given)"] == "215"
    assert any("Totals per partner" == h.value for h in at.subheader)
    assert len(at.dataframe) >= 2


def test_portfolio_report_filter_changes_the_table():
    at = portfolio()
    at.multiselect[0].set_value(["excluded"]).run()
    assert not at.exception
    table = at.dataframe[1].value
    assert set(table["outcome"]) == {"excluded"}
    assert len(table) >= 214


GOOD = b"Site Name,Easting,Northing,GIA\nNew police hub,378000,392000,900\nSecond base,378500,392500,400\n"


def upload(at: AppTest, name: str, content: bytes, partner: str = "Greater Manchester Police") -> AppTest:
    at.file_uploader(key="register_upload").set_value((name, content, "text/csv")).run()
    at.text_input(key="upload_partner").set_value(partner).run()
    return at


def holdings_shown(at: AppTest) -> int:
    return int({m.label: m.value for m in at.metric}["Holdings on the map"].replace(",", ""))


def test_uploading_a_register_adds_its_holdings():
    at = upload(portfolio(), "police.csv", GOOD)
    assert not at.exception
    at.button(key="load_register").click().run()
    assert not at.exception
    assert holdings_shown(at) == 437
    assert any("2 holdings loaded for Greater Manchester Police" in s.value for s in at.success)


def test_bad_uploads_are_refused_and_nothing_loaded_is_lost():
    at = upload(portfolio(), "police.csv", GOOD)
    at.button(key="load_register").click().run()
    assert holdings_shown(at) == 437
    for name, content, words in [
        ("photo.csv", bytes(range(256)) * 8, "photo.csv"),
        ("empty.csv", b"", "is empty"),
    ]:
        at.file_uploader(key="register_upload").set_value((name, content, "text/csv")).run()
        assert not at.exception
        assert any(words in e.value for e in at.error), [e.value for e in at.error]
        assert holdings_shown(at) == 437


def test_opening_a_place_that_cannot_load_keeps_the_current_place_and_uploads(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "bad.toml").write_text("this is [not toml\n")
    (tmp_path / "place.toml").write_text(
        'name = "Broken"\nassumptions = "bad.toml"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
    )
    at = upload(portfolio(), "police.csv", GOOD)
    at.button(key="load_register").click().run()
    assert holdings_shown(at) == 437
    next(t for t in at.sidebar.text_input if t.label == "Place folder").set_value(str(tmp_path)).run()
    assert not at.exception
    assert any("could not be opened; the current place and its uploads are kept" in e.value for e in at.error)
    assert "bad.toml" in " ".join(e.value for e in at.error)
    assert holdings_shown(at) == 437


def test_a_file_with_no_recognisable_columns_asks_for_a_mapping():
    at = upload(portfolio(), "odd.csv", b"Building,E,N\nHQ,378000,392000\n")
    assert not at.exception
    assert any("no recognisable register columns" in w.value for w in at.warning)
    assert holdings_shown(at) == 435


def run_scenario(
    at: AppTest,
    name: str,
    *,
    time_limit: float = 30.0,
    objective: str | None = None,
    budget: float | None = None,
    limit_km: float | None = None,
) -> AppTest:
    """Fill the Scenario form, run it, and wait (bounded) until the background run finishes."""
    import time

    form_inputs = {w.label: w for w in at.text_input}
    form_inputs["Scenario name"].set_value(name)
    numbers = {w.label: w for w in at.number_input}
    numbers["Time limit (s)"].set_value(time_limit)
    if objective is not None:
        at.radio[0].set_value(objective)
    if budget is not None:
        numbers["Up-front budget (£; empty: no cap)"].set_value(budget)
    if limit_km is not None:
        numbers["Furthest a team moves (km)"].set_value(limit_km)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, at.exception
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        at.run()
        assert not at.exception, at.exception
        # a run with a plan ends green, one without a plan (infeasible) amber, a refusal or failure red
        texts = " ".join(s.value for s in [*at.success, *at.warning, *at.error])
        if any(f"{name}**: {end}" in texts for end in ("Finished", "Failed", "No plan")):
            return at
        time.sleep(2)
    pytest.fail(f"the run of {name} did not finish within 240 s")


def test_scenario_results_compare_and_export_pages():
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    assert not at.exception
    assert at.title[0].value == "Scenario"
    run_scenario(at, "Quick")
    assert any("Quick**: Finished" in s.value for s in at.success), [s.value for s in at.error]

    at.switch_page("pages/results.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Revenue savings a year"].startswith("£")
    assert any(m.value == "**Aim:** the highest net present value that meets every rule." for m in at.markdown)
    assert "NPV over 10 years" in metrics
    assert any(c.value.startswith("Land released: ") and "homes" in c.value for c in at.caption)
    status = " ".join(s.value for s in [*at.success, *at.warning])
    # a good plan however the search stopped: a proof, the scenario's gap, or the time limit near the bound
    assert any(words in status for words in ("Optimal", "A good plan, proven within", "not proven best")), status

    at.switch_page("pages/scenario.py").run()
    run_scenario(at, "Seven hubs", objective="least_travel")
    assert any("Seven hubs**: Finished" in w.value and "infeasible" in w.value for w in at.warning)
    at.switch_page("pages/results.py").run()
    at.selectbox(key="results_scenario").set_value("Seven hubs").run()
    assert not at.exception
    assert any("No plan meets every rule" in e.value for e in at.error)
    assert any(h.value == "What blocks this scenario" for h in at.subheader)

    at.switch_page("pages/scenario.py").run()
    run_scenario(at, "Small budget", objective="npv", budget=2_000_000)  # the form keeps the last objective
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert any(h.value == "Holdings the scenarios treat differently" for h in at.subheader)
    figures = at.dataframe[0].value
    assert list(figures.columns) == ["Quick", "Small budget"]
    assert figures.loc["Aim", "Quick"] == "the highest net present value that meets every rule"
    # the infeasible scenario is not silently missing: it is named, with where to see why
    assert any("Seven hubs ended with no plan" in c.value for c in at.caption)

    at.switch_page("pages/export.py").run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Disposal list (CSV)" in labels and "Board pack (PDF)" in labels


def test_a_restarted_server_finds_the_scenarios_and_plans_of_the_last(trafford):
    import pickle
    import queue

    from optimiser import optimise
    from optimiser.inputs import load_compatibility
    from optimiser.scenario import Scenario
    from optimiser.synthetic import estate
    from pages import runs

    holdings, teams = estate([{"holding_id": "A", "x": 0, "y": 0, "workstations": 10}], [])
    plan = optimise(holdings, teams, Scenario())
    spec = runs.ScenarioSpec.make("Before the restart", Scenario(), trafford.standards, load_compatibility())
    key = spec.key(trafford)
    runs._RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(runs._RUN_DIR / f"{key}.pickle", "wb") as handle:  # as the run's process leaves it
        pickle.dump(plan, handle)
    runs._JOBS[key] = runs._Job(process=_Alive(), queue=queue.Queue(), started=0.0, path=runs._RUN_DIR / "x")
    with runs._LOCK:
        specs = runs._specs_of(trafford)
        specs[spec.name] = spec
        runs._write_specs(trafford, specs)
    try:
        runs._JOBS.clear()  # the server restarts: nothing in memory
        runs._SPECS.clear()
        assert list(runs.saved_specs(trafford))[-1] == "Before the restart"
        found = runs.plan_of(spec, trafford)
        assert found is not None and found.status == plan.status
        assert runs.status_of(spec, trafford)["stage"] == "done"
    finally:
        runs._JOBS.pop(key, None)
        with runs._LOCK:
            specs = runs._specs_of(trafford)
            specs.pop(spec.name, None)
            runs._write_specs(trafford, specs)


class _Alive:
    """Stands in for a run's process that is still working."""

    exitcode = None

    def is_alive(self) -> bool:
        return True

    def terminate(self) -> None:
        pass


def test_a_running_scenario_shows_its_stage_and_the_gap_so_far(trafford, tmp_path):
    import queue
    import time

    from optimiser.inputs import load_compatibility
    from optimiser.scenario import Scenario
    from pages import runs

    spec = runs.ScenarioSpec.make("Probe", Scenario(), trafford.standards, load_compatibility())
    key = spec.key(trafford)
    messages: queue.Queue = queue.Queue()
    for message in (
        {"stage": "building", "detail": "reading the inputs and building the model"},
        {"stage": "solving", "detail": "branch and bound", "gap": 0.031},
    ):
        messages.put(message)
    runs._JOBS[key] = runs._Job(
        process=_Alive(), queue=messages, started=time.monotonic(), path=tmp_path / "never.pickle"
    )
    runs._SPECS.setdefault(str(trafford.directory), {})["Probe"] = spec
    try:
        at = app().run()
        at.switch_page("pages/scenario.py").run()
        assert not at.exception
        shown = [i.value for i in at.info]
        assert any("**Probe**: Solving, gap so far 3.10%" in text and "branch and bound" in text for text in shown), (
            shown
        )
        assert any(b.label == "Cancel" for b in at.button)
    finally:
        runs._JOBS.pop(key, None)
        runs._SPECS.get(str(trafford.directory), {}).pop("Probe", None)


def test_a_zero_budget_and_a_zero_move_limit_on_the_page_mean_zero_not_no_limit(trafford):
    from pages import runs

    at = app().run()
    at.switch_page("pages/scenario.py").run()
    run_scenario(at, "Nothing up front", time_limit=10.0, budget=0.0, limit_km=0.0)
    spec = runs.saved_specs(trafford)["Nothing up front"]
    # the page once read 0 as "no cap" and "no limit", the opposite of what the scenario file means
    assert (spec.scenario.budget_gbp, spec.scenario.relocation_limit_km) == (0.0, 0.0)
    plan = runs.plan_of(spec, trafford)
    assert plan.has_plan and plan.summary["one_off_costs_gbp"]["total"] == 0.0
    assert len(plan.moves) == 0  # every move costs something up front


def test_plan_tables_on_the_pages_show_money_and_shares_and_say_what_a_blank_means():
    from pages.common import sheet_columns

    hubs = pd.DataFrame(
        {
            "Name": ["Town hall", "Depot"],
            "Capacity (FTE)": [120.0, 0.0],
            "Utilisation (share)": [0.8, np.nan],
            "Running cost avoided (£/yr)": [1_234_567.891, 0.0],
            "Receives teams": [True, False],
        }
    )
    config = sheet_columns(hubs)
    formats = {heading: column["type_config"]["format"] for heading, column in config.items()}
    assert formats == {
        "Capacity (FTE)": "%,.1f",
        "Utilisation (share)": "percent",
        "Running cost avoided (£/yr)": "£%,.0f",
    }
    assert config["Utilisation (share)"]["help"] == "Blank where the holding's capacity is not known."


def test_a_place_with_its_own_travel_time_matrix_is_measured_by_it_on_the_pages(tmp_path):
    from tests.test_place import TIMES, matrix_place

    directory = matrix_place(tmp_path, TIMES)
    at = app().run()
    next(t for t in at.sidebar.text_input if t.label == "Place folder").set_value(str(directory)).run()
    assert not at.exception
    assert at.title[0].value == "Tiny"
    access = next(d.value for d in at.dataframe if "required_share" in d.value.columns).set_index("service")
    assert access.at["jobcentre", "measure"] == "travel time, minutes (from times.csv)"
    assert access.at["jobcentre", "share"] == pytest.approx(0.4)
    at.switch_page("pages/scenario.py").run()
    assert not at.exception
    assert any("measured by travel times from times.csv" in c.value for c in at.caption)
    editor = next(d for d in at.dataframe if "threshold_minutes" in d.value.columns)
    assert "threshold_minutes" in editor.proto.column_order  # minutes are edited beside a matrix


def test_a_service_the_matrix_cannot_measure_is_said_so_on_the_place_page_beside_the_others(tmp_path):
    from tests.test_place import matrix_place

    # the jobcentre's standard is in minutes only, and the matrix times the council office alone
    directory = matrix_place(tmp_path, "zone_id,site,minutes\nE00000001,HQ,5\nE00000002,HQ,7\n")
    (directory / "services.toml").write_text(
        '[jobcentre]\nlabel = "Jobcentre Plus office"\nthreshold = 20\nunit = "min"\nshare = 1.0\n'
        'population = "population"\n[library]\nlabel = "Public library"\nthreshold = 2\nunit = "km"\n'
        'share = 0.5\npopulation = "population"\n'
    )
    manifest = directory / "place.toml"
    manifest.write_text(manifest.read_text().replace('name = "Tiny"\n', 'name = "Tiny"\nservices = "services.toml"\n'))
    at = app().run()
    next(t for t in at.sidebar.text_input if t.label == "Place folder").set_value(str(directory)).run()
    assert not at.exception and not at.error
    access = next(d.value for d in at.dataframe if "required_share" in d.value.columns).set_index("service")
    assert access.at["jobcentre", "measure"] == "not measured" and pd.isna(access.at["jobcentre", "share"])
    assert access.at["library", "measure"].startswith("straight-line km")  # the rest is measured as usual
    at.selectbox(key="place_service").set_value("jobcentre").run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Jobcentre Plus office: not measured: times.csv gives no travel time to any of its 1 providers" in warning


def test_the_results_map_measures_a_plan_as_its_model_did_beside_a_matrix(tmp_path):
    from estate.place import load_place
    from optimiser import Scenario, optimise
    from optimiser.cli_optimise import access_inputs
    from pages.common import plan_access
    from tests.test_place import TIMES, matrix_place

    place = load_place(matrix_place(tmp_path, TIMES))
    plan = optimise(place.holdings, place.teams, Scenario(time_limit_s=10), access=access_inputs(place))
    after = plan_access(place, plan).by_service.set_index("service")
    held = plan.access.set_index("service")
    assert after.at["jobcentre", "measure"] == "travel time, minutes (from times.csv)"
    assert after.at["jobcentre", "share"] == pytest.approx(held.at["jobcentre", "share_after"])
    assert after.at["gp", "unit"] == "km"


def test_the_scenario_page_edits_minutes_thresholds_and_clearing_one_means_none(trafford):
    from pages.runs import edited_standards

    edited = trafford.standards[["service", "threshold", "threshold_minutes", "share"]].copy()
    edited.loc[edited["service"] == "jobcentre", "threshold_minutes"] = 15.0
    edited.loc[edited["service"] == "fire", "threshold_minutes"] = np.nan
    edited.loc[edited["service"] == "gp", "threshold"] = np.nan  # a cleared km threshold keeps the place's
    out = edited_standards(trafford.standards, edited).set_index("service")
    assert out.at["jobcentre", "threshold_minutes"] == 15.0
    assert np.isnan(out.at["fire", "threshold_minutes"])
    assert out.at["gp", "threshold"] == pytest.approx(1.61)


def test_the_scenario_page_offers_the_start_date_and_threads_with_help():
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    assert not at.exception
    assert [d.label for d in at.date_input] == ["Appraisal starts (day 0)"]
    numbers = {w.label: w for w in at.number_input}
    assert "Solver threads (empty: every core)" in numbers
    assert "Default 10" in numbers["Horizon (years)"].help
    checks = {c.label: c for c in at.checkbox}
    assert checks["No partner worse off (each partner's own NPV at least zero)"].help.startswith("Off by default")


def test_the_results_map_measures_a_plan_against_the_scenarios_thresholds(tmp_path):
    import dataclasses

    from estate.place import load_place
    from optimiser import Scenario, optimise
    from optimiser.cli_optimise import access_inputs
    from pages.common import plan_access
    from tests.test_place import TIMES, matrix_place

    directory = matrix_place(tmp_path, TIMES)
    manifest = (directory / "place.toml").read_text(encoding="utf-8").replace('matrix = "times.csv"\n', "")
    (directory / "place.toml").write_text(manifest, encoding="utf-8")
    place = load_place(directory)
    assert place.matrix is None
    # the Scenario page set the jobcentre standard to 0.3 km; the place's own is 4.83 km
    edited = place.standards.assign(
        threshold=np.where(place.standards["service"] == "jobcentre", 0.3, place.standards["threshold"])
    )
    scenario_place = dataclasses.replace(place, standards=edited)
    plan = optimise(place.holdings, place.teams, Scenario(time_limit_s=10), access=access_inputs(scenario_place))
    after = plan_access(place, plan).by_service.set_index("service")
    assert after.at["jobcentre", "threshold"] == pytest.approx(0.3)
    assert after.at["jobcentre", "share"] == pytest.approx(
        plan.access.set_index("service").at["jobcentre", "share_after"]
    )


@pytest.fixture(scope="module")
def small_plan():
    """A plan of two holdings near Trafford: the police station is sold and its team moves to the town hall."""
    from optimiser import optimise
    from optimiser.scenario import Scenario
    from optimiser.synthetic import estate

    holdings, teams = estate(
        [
            {"holding_id": "A", "x": 378000, "y": 392000, "workstations": 60, "name": "Town hall"},
            {
                "holding_id": "B",
                "x": 378500,
                "y": 392500,
                "workstations": 20,
                "running_cost_gbp": 5_200_000.0,
                "market_value_gbp": 7_763_222.665,
                "partner": "Police",
                "partner_type": "police",
                "name": "Old station",
            },
        ],
        [{"team_id": "T", "holding_id": "B", "fte": 10.0}],
    )
    plan = optimise(holdings, teams, Scenario(time_limit_s=10))
    assert plan.has_plan and len(plan.disposals) == 1
    return plan


@pytest.fixture(scope="module")
def tiny_plan():
    """A plan of a one-holding estate, solved in a moment, for pages shown runs that are not solved here."""
    from optimiser import optimise
    from optimiser.scenario import Scenario
    from optimiser.synthetic import estate

    holdings, teams = estate([{"holding_id": "A", "x": 0, "y": 0, "workstations": 10}], [])
    return optimise(holdings, teams, Scenario())


@pytest.fixture
def runs_of(trafford, tmp_path):
    """Register runs of the sample place as the run panel finds them: ``runs_of(name, stage, plan=..., ...)``."""
    import queue
    import time

    from optimiser.inputs import load_compatibility
    from optimiser.scenario import Scenario
    from pages import runs

    added: list[tuple[str, str]] = []

    def add(name: str, stage: str, plan=None, scenario=None, standards=None, **message) -> runs.ScenarioSpec:
        spec = runs.ScenarioSpec.make(
            name,
            scenario or Scenario(),
            trafford.standards if standards is None else standards,
            load_compatibility(),
        )
        key = spec.key(trafford)
        channel: queue.Queue = queue.Queue()
        channel.put({"stage": stage, **message})
        process = _Alive() if stage not in ("done", *runs.ENDED_WITHOUT_PLAN) else runs._Ended()
        job = runs._Job(process=process, queue=channel, started=time.monotonic(), path=tmp_path / f"{key}.pickle")
        job.plan, job.finished = plan, (time.monotonic() if plan is not None else None)
        runs._JOBS[key] = job
        runs._SPECS.setdefault(str(trafford.directory), {})[name] = spec
        added.append((key, name))
        return spec

    yield add
    for key, name in added:
        runs._JOBS.pop(key, None)
        runs._SPECS.get(str(trafford.directory), {}).pop(name, None)


def test_see_the_results_of_a_run_opens_that_scenario_not_the_newest(runs_of, tiny_plan):
    import dataclasses

    from optimiser.scenario import Scenario

    # plans with nothing to draw: the Results page stops after its headline
    shown = dataclasses.replace(tiny_plan, status="infeasible")
    runs_of("Default", "done", plan=shown, detail="infeasible")
    runs_of("Newer", "done", plan=shown, scenario=Scenario(max_hubs=3), detail="infeasible")
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    link = next(p for p in at.page_link if p.proto.label == "See the results of Default")
    assert link.proto.query_string == "scenario=Default"
    at.query_params["scenario"] = "Default"  # following the link, as the browser does
    at.switch_page("pages/results.py").run()
    assert not at.exception
    assert at.selectbox(key="results_scenario").value == "Default"
    at.selectbox(key="results_scenario").set_value("Newer").run()  # the user's own choice then sticks
    assert at.selectbox(key="results_scenario").value == "Newer"


def test_a_cancelled_run_says_so_on_results_and_offers_to_run_it_again(runs_of, monkeypatch, trafford):
    from pages import runs

    started = []
    monkeypatch.setattr(runs.ScenarioSpec, "start", lambda spec, place: started.append(spec.name))
    spec = runs_of("Cancel me", "solving", detail="branch and bound", gap=0.2)
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    at.button(key="cancel_Cancel me").click().run()
    runs._JOBS[spec.key(trafford)].queue.put({"stage": "solving", "gap": 0.1})  # said just before it stopped
    at.switch_page("pages/results.py").run()
    assert not at.exception
    assert not any("still running" in i.value for i in at.info)
    assert any("The run of Cancel me was cancelled" in w.value for w in at.warning), [w.value for w in at.warning]
    at.button(key="results_run_again").click().run()
    assert not at.exception
    assert started == ["Cancel me"]


def test_the_scenario_form_keeps_the_users_settings_when_they_come_back(monkeypatch, trafford):
    from pages import runs

    monkeypatch.setattr(runs.ScenarioSpec, "start", lambda spec, place: None)
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    at.text_input(key="scenario_name").set_value("Mine")
    at.number_input(key="scenario_time_limit").set_value(5.0)
    at.number_input(key="scenario_max_hubs").set_value(4)
    kept = [trafford.holdings["holding_id"].iloc[3]]
    at.multiselect(key="lock_retain").set_value(kept)
    at.get("form_submit_button")[0].click().run()
    at.switch_page("pages/results.py").run()
    at.switch_page("pages/scenario.py").run()
    assert not at.exception
    assert at.text_input(key="scenario_name").value == "Mine"
    assert at.number_input(key="scenario_time_limit").value == 5.0
    assert at.number_input(key="scenario_max_hubs").value == 4
    assert at.multiselect(key="lock_retain").value == kept


def test_a_scenario_already_run_loads_back_into_the_form(runs_of, trafford):
    from optimiser.scenario import Scenario

    standards = trafford.standards.copy()
    standards.loc[standards["service"] == "library", "share"] = 0.5
    locked = trafford.holdings["holding_id"].iloc[3]
    scenario = Scenario(max_hubs=3, time_limit_s=7.0, lock_dispose=(locked,))
    runs_of("Earlier", "cancelled", scenario=scenario, standards=standards)
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    at.selectbox(key="scenario_load_pick").set_value("Earlier")
    at.button(key="scenario_load").click().run()
    assert not at.exception
    assert at.text_input(key="scenario_name").value == "Earlier"
    assert at.number_input(key="scenario_max_hubs").value == 3
    assert at.number_input(key="scenario_time_limit").value == 7.0
    assert at.multiselect(key="lock_dispose").value == [locked]
    editor = next(d.value for d in at.dataframe if "threshold_minutes" in d.value.columns).set_index("service")
    assert editor.at["library", "share"] == 50.0  # shown in percent


def test_who_gains_and_who_pays_is_headed_in_words_with_money_in_whole_pounds(runs_of, small_plan):
    import json

    runs_of("Sell the station", "done", plan=small_plan, detail="optimal")
    at = app().run()
    at.switch_page("pages/results.py").run()
    assert not at.exception
    table = next(d for d in at.dataframe if {"npv_gbp", "Net, NPV (£)"} & set(d.value.columns))  # raw, or read
    headings = list(table.value.columns)
    assert not [h for h in headings if "_" in h], headings
    assert {"Holdings today", "Running cost avoided (£/yr)", "Receipts (£)", "Net, NPV (£)"} <= set(headings)
    formats = {h: c.get("type_config", {}).get("format") for h, c in json.loads(table.proto.columns).items()}
    assert formats["Running cost avoided (£/yr)"] == formats["Receipts (£)"] == "£%,.0f"


def test_a_plan_with_nothing_to_chart_says_so_and_its_payback_reads_whole(runs_of, tiny_plan):
    runs_of("Nothing changes", "done", plan=tiny_plan, detail="optimal")  # one holding, kept: no cash at all
    at = app().run()
    at.switch_page("pages/results.py").run()
    assert not at.exception
    assert not at.get("vega_lite_chart")  # charts of zeros have axes reading NaN
    captions = " ".join(c.value for c in at.caption)
    assert "the plan sells, leaves and moves nothing" in captions and "No capital receipts" in captions
    assert "No partner gains or pays anything" in captions
    payback = next(m for m in at.metric if m.label == "Payback")
    assert payback.value == "none" and "nothing to pay back" in payback.help


def test_a_plan_with_something_to_chart_draws_it(runs_of, small_plan):
    runs_of("Sell the station", "done", plan=small_plan, detail="optimal")
    at = app().run()
    at.switch_page("pages/results.py").run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == 3
    assert next(m for m in at.metric if m.label == "Payback").value.startswith("year ")


def test_a_refused_scenario_says_why_in_one_sentence_then_a_readable_line_a_problem(runs_of, trafford, tmp_path):
    import queue

    from optimiser.inputs import load_compatibility
    from optimiser.scenario import Scenario
    from pages import runs

    scenario = Scenario(objective="max_coverage", p=1, time_limit_s=5.0)
    spec = runs.ScenarioSpec.make("One hub", scenario, trafford.standards, load_compatibility())
    said: queue.Queue = queue.Queue()
    runs._work(str(trafford.directory), spec, str(tmp_path / "plan.pickle"), said)  # as the run's process does
    messages = []
    while not said.empty():
        messages.append(said.get())
    assert messages[-1]["stage"] == "refused"
    runs_of("One hub", "starting", scenario=scenario)
    for message in messages:
        runs._JOBS[spec.key(trafford)].queue.put(message)
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    panel = next(e.value for e in at.error if "**One hub**" in e.value)
    at.switch_page("pages/results.py").run()
    assert not at.exception
    shown = next(e.value for e in at.error if e.value.startswith("No plan for One hub"))
    for text in (panel, shown):
        assert text.count("cannot be met whatever the plan") == 1, text
        assert "(0 s)" not in text and "setting; p;" not in text, text
        assert "- **Number of hubs (p)**: p = 1, but " in text and "*What to do:* set p to at least" in text, text


def test_the_standards_table_reads_as_the_place_page_and_runs_with_the_same_shares(trafford, monkeypatch):
    from pages import runs

    started = []
    monkeypatch.setattr(runs.ScenarioSpec, "start", lambda spec, place: started.append(spec))
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    editor = next(d for d in at.dataframe if "label" in d.value.columns)
    shown = list(editor.proto.column_order)
    assert shown[0] == "label" and "service" not in shown and "population" not in shown  # ids kept for the run
    assert "threshold_minutes" not in shown  # the sample place has no travel-time matrix
    table = editor.value.set_index("service")
    assert table.at["jobcentre", "residents"] == "aged 16-64" and table.at["library", "residents"] == "everyone"
    jobcentre = trafford.standards.set_index("service").at["jobcentre", "share"]
    assert table.at["jobcentre", "share"] == pytest.approx(jobcentre * 100)
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    ran = started[-1].standards().set_index("service")
    assert ran.at["jobcentre", "share"] == jobcentre and ran.at["jobcentre", "population"] == "aged_16_64"


def test_no_limit_on_moves_is_a_tick_since_the_distance_box_cannot_be_emptied(monkeypatch):
    from pages import runs

    started = []
    monkeypatch.setattr(runs.ScenarioSpec, "start", lambda spec, place: started.append(spec.scenario))
    at = app().run()
    at.switch_page("pages/scenario.py").run()
    at.number_input(key="scenario_move_limit").set_value(3.0)
    at.get("form_submit_button")[0].click().run()
    at.checkbox(key="scenario_no_move_limit").check()
    at.get("form_submit_button")[0].click().run()
    assert not at.exception
    assert [s.relocation_limit_km for s in started] == [3.0, None]
    # the tick is kept like every other setting when the user comes back to the page
    at.switch_page("pages/results.py").run()
    at.switch_page("pages/scenario.py").run()
    assert at.checkbox(key="scenario_no_move_limit").value is True


def test_the_compatibility_editor_is_headed_in_words():
    import json

    at = app().run()
    at.switch_page("pages/scenario.py").run()
    editor = next(d for d in at.dataframe if "use_class" in d.value.columns)
    labels = {column: config.get("label") for column, config in json.loads(editor.proto.columns).items()}
    assert labels["partner_type"] == "Partner type" and labels["use_class"] == "Kind of building"
    assert labels["allowed"] == "May share"


def test_the_results_hubs_table_names_services_in_words(runs_of):
    from optimiser import optimise
    from optimiser.scenario import Scenario
    from optimiser.synthetic import estate

    holdings, teams = estate([{"holding_id": "A", "x": 0, "y": 0, "workstations": 10, "services": "gp;library"}], [])
    runs_of("Hubs in words", "done", plan=optimise(holdings, teams, Scenario()), detail="optimal")
    at = app().run()
    at.switch_page("pages/results.py").run()
    assert not at.exception, at.exception
    hubs = next(d.value for d in at.dataframe if "Services" in d.value.columns)
    assert hubs["Services"].tolist() == ["GP surgery, Public library"]


def test_a_refusal_line_ends_once_whatever_its_problem_and_action_end_with():
    from pages.runs import refusal_words

    status = {
        "detail": "The scenario file s.toml cannot be used.",
        "problems": [
            {
                "what": "setting",
                "id": "objectve",
                "problem": "is not a scenario setting",
                "action": "did you mean 'objective'?",
            },
            {"what": "team", "id": "T1", "problem": "has nowhere to go.", "action": "raise the limit."},
        ],
    }
    assert refusal_words(status).splitlines() == [
        "The scenario file s.toml cannot be used.",
        "- **objectve**: is not a scenario setting. *What to do:* did you mean 'objective'?",
        "- **Team T1**: has nowhere to go. *What to do:* raise the limit.",
    ]

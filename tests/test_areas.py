"""Improving a plan area by area, and the two searches that use it on large NPV models."""

from __future__ import annotations

import dataclasses
import sys
import threading

import highspy
import numpy as np
import pytest

from optimiser import AccessInputs, Scenario, build_model, optimise, prepare, solve
from optimiser.areas import Areas, free_columns, improve_by_areas, unattached_columns
from optimiser.model import areas, status_quo
from optimiser.synthetic import county, straight_line_costs

solve_module = sys.modules["optimiser.solve"]  # the package exports solve(), shadowing the module


def test_an_area_frees_its_own_decisions_the_teams_it_houses_and_where_they_may_go():
    # holdings 0, 1 (inside, nearest the centre) and 2, 3 (outside); two teams, a cover
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [50.0, 0.0], [60.0, 0.0]])
    columns = [
        ("retain", 0, -1),  # 0
        ("retain", 1, -1),  # 1
        ("retain", 2, -1),  # 2
        ("retain", 3, -1),  # 3
        ("serve", 2, -1),  # 4: a service at 2, where team 0 may go
        ("serve", 3, -1),  # 5: a service at 3, where no freed team may go
        ("assign", 1, 0),  # 6: team 0 stays at 1 (inside)
        ("assign", 2, 0),  # 7: team 0 to 2
        ("assign", 3, 1),  # 8: team 1 stays at 3 (outside)
        ("assign", 1, 1),  # 9: team 1 to 1
        ("cover", -1, -1),  # 10: tied to no holding
    ]
    holding = np.array([h for _, h, _ in columns])
    team = np.array([t for _, _, t in columns])
    plan = np.array([1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1], dtype=float)
    serve = np.array([kind == "serve" for kind, _, _ in columns])
    free = free_columns(Areas(holding=holding, team=team, serve=serve, xy=xy, size=2), 0, plan)
    assert np.flatnonzero(free).tolist() == [0, 1, 4, 6, 7, 10]
    # team 1's move into the area stays held (it is housed outside it), and so does
    # holding 2's own decision: the team may go there only if it is kept anyway
    assert not free[9] and not free[2]
    # holding 0 is the only one no team or service is tied to: settled on its own first
    assert np.flatnonzero(unattached_columns(Areas(holding=holding, team=team, serve=serve, xy=xy))).tolist() == [0]


@pytest.fixture(scope="module")
def small_county():
    instance = county(n_holdings=300, n_zones=200, n_services=3, n_partners=5, seed=5)
    access = AccessInputs(
        instance["zones"], straight_line_costs(instance["zones"], instance["holdings"], 10.0), instance["standards"]
    )
    s = Scenario(time_limit_s=20.0, mip_gap=1e-6, start_date=instance["start"], relocation_limit_km=8.0)
    built = build_model(prepare(instance["holdings"], instance["teams"], s, access=access))
    optimum = solve(built.model, s)
    assert optimum.status == "optimal"
    return instance, access, s, built, optimum.objective


def two_searches_for_a_small_model(monkeypatch) -> None:
    """A small model takes the large NPV models' route: the two searches, on two cores."""
    monkeypatch.setattr(solve_module, "GUIDED_COLUMNS", 0)
    monkeypatch.setattr(solve_module.os, "cpu_count", lambda: 2)


def test_area_search_improves_a_plan_and_keeps_every_row(small_county):
    import time

    _, _, _, built, optimum = small_county
    model = built.model
    start = status_quo(built)
    *_, integer, row_lo, row_hi, matrix = model.arrays()
    values: list[float] = []
    x, value, searched = improve_by_areas(
        model, areas(built), start, time.perf_counter() + 6.0, report=lambda value, plan: values.append(value)
    )
    assert searched > 0
    assert value > model.objective_value(start) + 1.0  # GBP 1m better than keeping everything
    assert value == pytest.approx(model.objective_value(x))
    assert values == sorted(values) and values[-1] == pytest.approx(value)
    activity = matrix @ x
    assert (activity >= row_lo - 1e-6).all() and (activity <= row_hi + 1e-6).all()
    assert np.all(x[integer] == np.round(x[integer]))
    assert value <= optimum + 1e-6  # and it never passes the proven optimum


def test_two_searches_report_a_plan_and_a_bound_that_hold_against_the_optimum(small_county, monkeypatch):
    _, _, s, built, optimum = small_county
    model = built.model
    two_searches_for_a_small_model(monkeypatch)
    called: list[bool] = []
    real = solve_module._two_searches
    monkeypatch.setattr(solve_module, "_two_searches", lambda *a, **k: called.append(True) or real(*a, **k))
    full_search = solve_module._full_search
    searches = []
    monkeypatch.setattr(
        solve_module, "_full_search", lambda *a, **k: searches.append(full_search(*a, **k)) or searches[-1]
    )
    threads: set[int] = set()
    messages: list[dict] = []

    def progress(message: dict) -> None:
        threads.add(threading.get_ident())
        messages.append(message)

    # the fixture has already solved in this thread with HiGHS's default thread count,
    # which HiGHS then fixes for this thread: the searches' one-thread runs must not fail
    result = solve(
        model,
        dataclasses.replace(s, time_limit_s=10.0),
        start=status_quo(built),
        guide=model.variables["retain"].positions,
        areas=areas(built),
        progress=progress,
    )
    assert called
    assert result.solved
    assert result.objective <= optimum + 1e-6
    assert result.bound >= optimum - 1e-6
    # progress (which may update a page) comes from the caller's thread only
    assert threads == {threading.get_ident()}
    assert "improving the plan area by area" in {m["detail"] for m in messages}
    # the full search is HiGHS as it runs alone (on the sample place its heuristics found a plan
    # within the gap in 20 s, the area search's took 51 s); only a large model's root LP is
    # solved by interior point, and this one is small
    (highs,) = searches
    option = lambda highs, name: highs.getOptionValue(name)[1]  # noqa: E731 - (status, value)
    assert model.n_cols < solve_module.ROOT_IPM_COLUMNS
    assert option(highs, "mip_heuristic_effort") == highspy.Highs().getOptionValue("mip_heuristic_effort")[1]
    assert all(option(highs, f"mip_heuristic_run_{h}") for h in ("rins", "rens", "root_reduced_cost"))
    assert option(highs, "mip_lp_solver") == "choose"


def test_when_the_relaxation_settles_decisions_that_admit_no_plan_the_areas_start_from_the_given_plan(
    small_county, monkeypatch
):
    _, _, s, built, optimum = small_county
    model = built.model
    two_searches_for_a_small_model(monkeypatch)
    # as on a county whose relaxation spreads teams thinly to keep coverage: fixing the
    # decisions it leaves whole leaves no plan, and only its bound comes back
    monkeypatch.setattr(solve_module, "_guided_start", lambda *a, **k: (None, None, False))
    searched: list[tuple[np.ndarray, float]] = []

    def recorded(model, areas, x, *args, **kwargs):
        found = improve_by_areas(model, areas, x, *args, **kwargs)
        searched.append((x, found[1]))
        return found

    monkeypatch.setattr(solve_module, "improve_by_areas", recorded)
    start = status_quo(built)
    assert model.satisfies(start)
    result = solve(
        model,
        dataclasses.replace(s, time_limit_s=8.0),
        start=start,
        guide=model.variables["retain"].positions,
        areas=areas(built),
    )
    [(first, reached)] = searched
    np.testing.assert_array_equal(first, start)
    assert reached > model.objective_value(start) + 1.0  # the areas improved on today's estate
    # the better of the two searches' plans is shown, and it meets every row
    assert result.solved and model.satisfies(result.x)
    assert reached - 1e-6 <= result.objective <= optimum + 1e-6


def test_the_plan_search_starts_from_the_presolved_relaxation_which_bounds_the_optimum_more_tightly(small_county):
    _, _, _, built, optimum = small_county
    model = built.model
    x, value = solve_module._presolved_relaxation(model, 20.0, 1, False)
    plain = solve_module._relaxation(model, 20.0, 1, False)[1]
    # a bound on the optimum (746.97) much tighter than the model's own relaxation (757.6 against 784.7)
    assert optimum - 1e-6 <= value < plain - 20.0
    # mapped back to the model's columns, a point of its relaxation with that value
    cost, lower, upper, _, row_lo, row_hi, matrix = model.arrays()
    activity = matrix @ x
    assert np.all(x >= lower - 1e-7) and np.all(x <= upper + 1e-7)
    assert np.all(activity >= row_lo - 1e-6) and np.all(activity <= row_hi + 1e-6)
    assert model.objective_value(x) == pytest.approx(value, rel=1e-9)
    # and the plan search's first plan is planned from it, its value kept as the bound
    found, bound, _ = solve_module._guided_start(
        model, model.variables["retain"].positions, 20.0, 1, False, solve_module._Watch(None), first_plan=True
    )
    assert bound == pytest.approx(value, rel=1e-9)
    assert found.solved and model.satisfies(found.x) and found.objective <= optimum + 1e-6


def test_a_minimising_models_presolved_relaxation_is_read_the_right_way_round():
    from optimiser.synthetic import pmedian_estate, pmedian_instance

    holdings, teams = pmedian_estate(pmedian_instance(60, 15, 3, seed=0, capacity_factor=1.2))
    s = Scenario(objective="least_travel", p=3, relocation_limit_km=None, time_limit_s=20.0, mip_gap=1e-6)
    model = build_model(prepare(holdings, teams, s)).model
    optimum = solve(model, s).objective
    x, value = solve_module._presolved_relaxation(model, 20.0, 1, False)
    assert solve_module._relaxation(model, 20.0, 1, False)[1] - 1e-6 <= value <= optimum + 1e-6
    assert model.objective_value(x) == pytest.approx(value, rel=1e-9)


def test_without_a_presolved_relaxation_the_plan_search_starts_from_the_models_own(small_county, monkeypatch):
    _, _, _, built, optimum = small_county
    model = built.model
    monkeypatch.setattr(solve_module, "_presolved_relaxation", lambda *a, **k: None)
    found, bound, _ = solve_module._guided_start(
        model, model.variables["retain"].positions, 20.0, 1, False, solve_module._Watch(None), first_plan=True
    )
    # the relaxation without the implied rows, as before the presolved one was used
    assert bound == pytest.approx(solve_module._relaxation(model, 20.0, 1, False, implied=False)[1], rel=1e-7)
    assert found.solved and model.satisfies(found.x) and found.objective <= optimum + 1e-6


def test_when_the_presolved_relaxations_decisions_admit_no_plan_the_models_own_are_tried(small_county, monkeypatch):
    _, _, _, built, optimum = small_county
    model = built.model
    guide = model.variables["retain"].positions
    x, value = solve_module._presolved_relaxation(model, 20.0, 1, False)
    # as on the sample place, where the holdings the presolved relaxation settles leave a team nowhere to go
    closed = x.copy()
    closed[guide] = 0.0
    monkeypatch.setattr(solve_module, "_presolved_relaxation", lambda *a, **k: (closed, value))
    found, bound, _ = solve_module._guided_start(
        model, guide, 20.0, 1, False, solve_module._Watch(None), first_plan=True
    )
    assert found.solved and model.satisfies(found.x) and found.objective <= optimum + 1e-6
    # the tighter of the two relaxations' values is kept as the bound
    assert bound == pytest.approx(value, rel=1e-9)


class DeafFullSearch:
    """HiGHS inside one of its sub-MIPs' presolve: a bound reported, then deaf to interrupts until ``release``."""

    def __init__(self, bound: float, release: threading.Event) -> None:
        self.cbMipInterrupt = self
        self.listeners: list = []
        self.bound, self.release = bound, release

    def subscribe(self, listen) -> None:  # noqa: ANN001
        self.listeners.append(listen)

    def run(self) -> None:
        from types import SimpleNamespace

        event = SimpleNamespace(data_out=SimpleNamespace(mip_dual_bound=self.bound), interrupt=lambda: None)
        for listen in self.listeners:
            listen(event)
        self.release.wait(60.0)
        raise RuntimeError("released after the solve returned: never read")


def solve_beside_a_deaf_full_search(monkeypatch, small_county, bound: float, release: threading.Event):  # noqa: ANN001, ANN201
    """Solve for 4 s by the two searches, with a 1 s grace, the full search deaf until ``release``.

    ``release`` is set 30 s on, so a solve that waits for the search takes that long; it is
    set at the end either way. Returns the result and the seconds the solve took.
    """
    import time

    _, _, s, built, _ = small_county
    two_searches_for_a_small_model(monkeypatch)
    monkeypatch.setattr(solve_module, "STOP_GRACE_SECONDS", 1.0)
    monkeypatch.setattr(solve_module, "_full_search", lambda *a, **k: DeafFullSearch(bound, release))
    timer = threading.Timer(30.0, release.set)
    timer.daemon = True
    timer.start()
    started = time.perf_counter()
    try:
        result = solve(
            built.model,
            dataclasses.replace(s, time_limit_s=4.0),
            start=status_quo(built),
            guide=built.model.variables["retain"].positions,
            areas=areas(built),
        )
        return result, time.perf_counter() - started
    finally:
        release.set()
        timer.cancel()


def test_a_full_search_that_does_not_stop_is_not_awaited_past_the_grace(small_county, monkeypatch):
    *_, built, optimum = small_county
    model = built.model
    reported = optimum + 1e-3  # a valid bound, tighter than the relaxation's
    result, elapsed = solve_beside_a_deaf_full_search(monkeypatch, small_county, reported, threading.Event())
    assert elapsed < 4.0 + 1.0 + 5.0  # the limit, the grace, and room for a slow machine; not 30 s
    # the area search's plan, with the bound the full search last reported
    assert result.solved and model.satisfies(result.x)
    assert result.objective <= optimum + 1e-6
    assert result.bound == pytest.approx(reported)
    assert "had not stopped its search of the whole model 1 s after the time limit" in result.detail


def test_an_area_search_that_does_not_stop_is_not_awaited_and_its_last_plan_is_shown(small_county, monkeypatch):
    *_, built, optimum = small_county
    model = built.model
    release = threading.Event()
    reported: list[np.ndarray] = []

    def deaf_after_one_plan(model, areas, x, deadline, *, threads, stop, report):  # noqa: ANN001, ANN202
        """An area's MIP stuck inside HiGHS after the search's first better plan."""
        better = x.copy()
        reported.append(better)
        report(model.objective_value(better), better)
        release.wait(60.0)
        raise RuntimeError("released after the solve returned: never read")

    monkeypatch.setattr(solve_module, "improve_by_areas", deaf_after_one_plan)
    bound = optimum + 1e-3
    result, elapsed = solve_beside_a_deaf_full_search(monkeypatch, small_county, bound, release)
    assert elapsed < 4.0 + 1.0 + 5.0
    [plan] = reported
    assert result.status == "feasible" and model.satisfies(result.x)
    np.testing.assert_array_equal(result.x, plan)
    assert result.objective == pytest.approx(model.objective_value(plan))
    assert result.bound == pytest.approx(bound)
    assert "had not stopped its area search 1 s after the time limit" in result.detail
    assert "had not stopped its search of the whole model" in result.detail


def test_the_county_area_on_which_rins_ran_past_its_limit_now_keeps_to_it():
    import time
    from pathlib import Path

    from optimiser.areas import _solve_area
    from optimiser.synthetic import county_benchmark

    # the county benchmark's area whose MIP, given 3 s, ran on for minutes with RINS on
    # (written by tests/data/solver/make_stuck_area.py)
    stuck = np.load(Path(__file__).parent / "data" / "solver" / "county_stuck_area.npz")
    instance, access, scenario = county_benchmark()
    model = build_model(prepare(instance["holdings"], instance["teams"], scenario, access=access)).model
    free = np.unpackbits(stuck["free"], count=model.n_cols).astype(bool)
    plan, limit = stuck["x"], float(stuck["limit"])
    assert len(plan) == model.n_cols and model.satisfies(plan), "the model changed: run make_stuck_area.py again"
    answer: list = []
    started = time.perf_counter()
    # in a thread, so that a stuck HiGHS fails the test rather than hanging it
    thread = threading.Thread(target=lambda: answer.append(_solve_area(model, free, plan, limit, 1)), daemon=True)
    thread.start()
    thread.join(limit + 20.0)
    assert not thread.is_alive(), "the area's MIP ran 20 s past its time limit"
    assert time.perf_counter() - started < limit + 5.0
    [found] = answer
    # the area's MIP starts from the plan, so it has one, at least as good, meeting every row
    assert found is not None and model.satisfies(found)
    assert model.objective_value(found) >= model.objective_value(plan) - 1e-6


def test_a_plan_meets_the_model_or_it_does_not(small_county):
    _, _, _, built, _ = small_county
    model = built.model
    plan = status_quo(built)
    assert model.satisfies(plan)
    retain = model.variables["retain"].positions
    broken = plan.copy()
    broken[retain[0]] = 0.5  # half a holding
    assert not model.satisfies(broken)
    broken = plan.copy()
    broken[retain] = 0.0  # every holding left: its teams have nowhere to be
    assert not model.satisfies(broken)


def test_a_plan_from_the_two_searches_passes_the_independent_check(small_county, monkeypatch):
    instance, access, s, *_ = small_county
    two_searches_for_a_small_model(monkeypatch)
    quick = dataclasses.replace(s, time_limit_s=8.0)
    plan = optimise(instance["holdings"], instance["teams"], quick, access=access)  # raises if the check fails
    assert plan.status in ("optimal", "feasible")
    assert plan.objective_value > 0


def test_two_searches_say_infeasible_when_no_plan_exists(small_county, monkeypatch):
    instance, access, s, *_ = small_county
    two_searches_for_a_small_model(monkeypatch)
    # one hub cannot house every team: they are spread over 60 km, with an 8 km move limit
    impossible = dataclasses.replace(s, time_limit_s=8.0, max_hubs=1)
    built = build_model(prepare(instance["holdings"], instance["teams"], impossible, access=access))
    result = solve(
        built.model,
        impossible,
        start=status_quo(built),
        guide=built.model.variables["retain"].positions,
        areas=areas(built),
    )
    assert result.status == "infeasible"
    assert result.x is None


def test_an_estate_without_teams_still_has_areas():
    xy = np.array([[0.0, 0.0], [5.0, 0.0]])
    holding, team = np.array([0, 1, -1]), np.array([-1, -1, -1])
    serve = np.zeros(3, dtype=bool)
    free = free_columns(Areas(holding=holding, team=team, serve=serve, xy=xy, size=1), 1, np.ones(3))
    assert free.tolist() == [False, True, True]


def test_areas_grow_when_a_run_of_them_finds_nothing_better(small_county, monkeypatch):
    import time

    _, _, _, built, _ = small_county
    model = built.model
    sizes: list[int] = []
    real = free_columns

    def recorded(areas, centre, x, size=None):
        sizes.append(size)
        return real(areas, centre, x, size)

    areas_module = sys.modules["optimiser.areas"]
    monkeypatch.setattr(areas_module, "free_columns", recorded)
    monkeypatch.setattr(areas_module, "STALLED", 3)
    # nothing improves on nothing: every area is left as it is, so each run of three grows them
    monkeypatch.setattr(areas_module, "_solve_area", lambda model, free, x, limit, threads: None)
    small = dataclasses.replace(areas(built), size=10)
    improve_by_areas(model, small, status_quo(built), time.perf_counter() + 2.0)
    grown = sizes[:3] + sizes[3:6] + sizes[6:9]
    assert grown == [10] * 3 + [20] * 3 + [40] * 3
    assert max(sizes) == areas_module.MAX_AREA  # and they stop growing at the largest


def test_two_searches_stop_once_the_plan_is_within_the_gap(small_county, monkeypatch):
    _, _, s, built, optimum = small_county
    model = built.model
    two_searches_for_a_small_model(monkeypatch)
    real = solve_module._full_search
    # HiGHS on the whole model searches on to a proof: only the area search's plan can end the run early
    monkeypatch.setattr(
        solve_module, "_full_search", lambda model, limit, gap, *a, **k: real(model, limit, 0.0, *a, **k)
    )
    loose = dataclasses.replace(s, time_limit_s=60.0, mip_gap=0.05)
    result = solve(model, loose, start=status_quo(built), guide=model.variables["retain"].positions, areas=areas(built))
    assert result.solved and result.stopped == "gap tolerance"
    assert solve_module.OPTIMAL_GAP < result.gap <= 0.05
    assert "improved area by area" in result.detail
    assert result.seconds < 60.0 and result.objective <= optimum + 1e-6


def test_the_full_search_solves_a_large_models_root_lp_by_interior_point(small_county, monkeypatch):
    # on the county benchmark the dual simplex left the bound at a 1.51 % gap after 60 s, 0.98 % by interior point
    _, _, s, built, _ = small_county
    two_searches_for_a_small_model(monkeypatch)
    monkeypatch.setattr(solve_module, "ROOT_IPM_COLUMNS", built.model.n_cols)  # as if it were large
    full_search = solve_module._full_search
    searches = []
    monkeypatch.setattr(
        solve_module, "_full_search", lambda *a, **k: searches.append(full_search(*a, **k)) or searches[-1]
    )
    solve(
        built.model,
        dataclasses.replace(s, time_limit_s=3.0),
        guide=built.model.variables["retain"].positions,
        areas=areas(built),
    )
    (highs,) = searches
    assert highs.getOptionValue("mip_lp_solver")[1] == "ipm"

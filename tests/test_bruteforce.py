"""optimise() against exhaustive enumeration on tiny random estates.

Each seed builds an estate of 3-5 holdings and 1-4 teams (random capacities, leases with a
break, scenario locks, a budget, max_hubs, a relocation limit, teams named after their
building's use class or after a service; some seeds add 2-5 zones and an access
standard) and then lists every plan: which holdings are kept, how each other one is
exited, where each team is housed. Only the money comes from the project
(``prepare(...).exits`` per exit option, ``prepare(...).pairs`` per move); which plans
are allowed is decided here, from the rules of :mod:`optimiser.model` written out again:
allowed moves, locks, capacity, teams only in kept holdings, the budget on one-off costs,
max_hubs, p, and access coverage worked out from the zones' weights and distances.

What it proves: whenever some plan exists, optimise() says "optimal" and its objective
(NPV, holdings kept, or FTE x km) is the best of all plans; the plan it returns is one of
the allowed plans and has the value it reports; the moves prepare() allows are exactly the
ones the rules give; when no plan exists it says "infeasible" or refuses the scenario
(ScenarioError).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from optimiser import AccessInputs, Scenario, ScenarioError, load_compatibility, optimise, prepare
from optimiser.synthetic import estate, standards, straight_line_costs, zones
from tests.test_model import START, scenario

PARTNER_TYPE = {"Council": "council", "NHS": "nhs", "Police": "police"}
USES = ["office", "office", "library", "clinic", "gp_surgery", "community_centre"]
OFFERED_BY = {"library": "library", "clinic": "gp", "gp_surgery": "gp"}  # the public service a use class offers


# --- random tiny estates -------------------------------------------------------------------------------


@dataclass
class Case:
    holdings: list[dict]
    teams: list[dict]
    settings: dict
    zones: list[tuple] = field(default_factory=list)  # (zone_id, x, y, population)
    standard: tuple | None = None  # (service, threshold_km, share)


def random_case(seed: int, objective: str, with_access: bool) -> Case:
    rng = np.random.default_rng(seed)

    def grid() -> float:  # a point of a 2.5 km square, in 0.5 km steps
        return float(500 * rng.integers(0, 6))

    holdings = []
    for i in range(int(rng.integers(3, 6))):
        use = str(rng.choice(USES))
        partner = str(rng.choice(list(PARTNER_TYPE), p=[0.6, 0.3, 0.1]))
        h = {
            "holding_id": f"H{i}",
            "x": grid(),
            "y": grid(),
            "partner": partner,
            "partner_type": PARTNER_TYPE[partner],
            "use_class": use,
            "workstations": float(rng.choice([0, rng.integers(5, 40)])),
            "gia_m2": float(rng.integers(30, 250)),
            "running_cost_gbp": 1_000.0 * rng.integers(0, 120),
            "market_value_gbp": 10_000.0 * rng.integers(0, 100),
            "can_host": bool(rng.random() < 0.75),
        }
        if use in OFFERED_BY and rng.random() < 0.8:
            h["services"] = OFFERED_BY[use]
        if rng.random() < 0.35:  # a lease, mostly with a break within (or beyond) the horizon
            h.update(tenure="leasehold", market_value_gbp=0.0, rent_gbp=1_000.0 * rng.integers(5, 80))
            if rng.random() < 0.8:
                h["lease_break"] = pd.Timestamp(START) + pd.Timedelta(days=int(rng.uniform(-1, 12) * 365.25))
        holdings.append(h)
    partners = sorted({h["partner"] for h in holdings})
    teams = []
    fewer_hubs = objective == "least_travel"  # p hubs must hold every team: smaller teams
    for t in range(int(rng.integers(2 if fewer_hubs else 1, 5))):
        home = holdings[int(rng.integers(len(holdings)))]
        teams.append(
            {
                "team_id": f"T{t}",
                "holding_id": home["holding_id"],
                "fte": float(rng.integers(1, 12 if fewer_hubs else 30)),
                "service": str(rng.choice(["office", home["use_class"], home["use_class"], "library", "gp"])),
                "partner": home["partner"] if rng.random() < 0.85 else str(rng.choice(partners)),
            }
        )
    ids = [h["holding_id"] for h in holdings]
    settings = {
        "objective": objective,
        "disposal_lead_months": float(rng.choice([0.0, 6.0, 12.0])),
        "relocation_limit_km": [None, 1.0, 2.0, 10.0][int(rng.integers(4))],
    }
    if rng.random() < 0.3:
        settings["budget_gbp"] = 10_000.0 * rng.integers(0, 30)
    if rng.random() < 0.3:
        settings["max_hubs"] = int(rng.integers(1, 3))
    if rng.random() < 0.25:
        settings["lock_retain"] = (str(rng.choice(ids)),)
    if rng.random() < 0.25:
        settings["lock_dispose"] = tuple({str(rng.choice(ids))} - set(settings.get("lock_retain", ())))
    if objective == "least_travel":
        settings["p"] = int(rng.integers(1, 3))
    case = Case(holdings, teams, settings)
    if with_access:
        case.zones = [(f"Z{z}", grid(), grid(), float(rng.integers(10, 300))) for z in range(int(rng.integers(2, 6)))]
        offered = sorted({h["services"] for h in holdings if "services" in h}) or ["library"]
        service = str(rng.choice(offered))
        case.standard = (service, float(rng.choice([1.0, 1.5, 2.0])), float(rng.choice([0.8, 1.0, 1.0])))
        providers = [h for h in holdings if h.get("services") == service]
        if providers:  # the first team is the staff delivering it in one of its buildings
            home = providers[int(rng.integers(len(providers)))]
            named = str(rng.choice([service, home["use_class"]]))
            fte = float(rng.integers(1, 10))
            teams[0].update(holding_id=home["holding_id"], partner=home["partner"], service=named, fte=fte)
    return case


def project_inputs(case: Case):
    holdings, teams = estate(case.holdings, case.teams)
    access = None
    if case.standard is not None:
        z = zones(case.zones)
        access = AccessInputs(z, straight_line_costs(z, holdings, 20.0), standards([case.standard]))
    return holdings, teams, access


# --- the brute force ----------------------------------------------------------------------------------


class BruteForce:
    """Every plan of a tiny case, with the rules applied here and the money read from ``prepare``.

    ``priced`` is ``prepare`` run with no locks, hub limits, budget or relocation limit, so it
    prices every move the rules below could allow (and exists even when the real scenario
    is refused): exit options with their NPV and one-off cost, moves' costs, capacity.
    """

    def __init__(self, case: Case, s: Scenario, priced):
        hs, ts = case.holdings, case.teams
        self.s = s
        self.ids = [h["holding_id"] for h in hs]
        pos = {hid: i for i, hid in enumerate(self.ids)}
        self.xy = np.array([[h["x"], h["y"]] for h in hs], float)
        self.can_host = np.array([h["can_host"] for h in hs])
        self.uses = [h["use_class"] for h in hs]
        self.keep = np.isin(self.ids, s.lock_retain)
        self.drop = np.isin(self.ids, s.lock_dispose)
        self.capacity = priced.holdings["capacity_fte"].reindex(self.ids).to_numpy(float)
        self.offers = [{h["services"]} if "services" in h else set() for h in hs]
        exits = priced.exits.groupby("holding_id")
        self.options = [
            list(exits.get_group(hid)[["option", "npv", "one_off"]].itertuples(index=False, name=None))
            if hid in exits.groups
            else []
            for hid in self.ids
        ]
        self.home = np.array([pos[t["holding_id"]] for t in ts], int)
        self.fte = np.array([t["fte"] for t in ts], float)
        self.delivers = [self._delivers(t, hs[pos[t["holding_id"]]]) for t in ts]
        self.hosts = [self._hosts(t, i) for i, t in enumerate(ts)]
        pairs = priced.pairs
        keys = zip(pairs["team_id"], pairs["holding_id"], strict=True)
        self.money = dict(zip(keys, pairs[["npv_cost", "one_off", "travel"]].to_numpy(float), strict=True))
        self.access = self._access(case) if case.standard is not None else None
        self.team_ids = [t["team_id"] for t in ts]

    # which teams deliver a service, and where teams may go

    @staticmethod
    def _delivers(team: dict, home: dict) -> set[str]:
        offered = {home["services"]} if "services" in home else set()
        return offered if team["service"] == home["use_class"] else offered & {team["service"]}

    def _hosts(self, team: dict, i: int) -> list[int]:
        home, s = self.home[i], self.s
        kind = PARTNER_TYPE[team["partner"]]  # every partner here has holdings of one type
        km = np.hypot(*(self.xy - self.xy[home]).T) / 1000.0
        hosts = [] if self.drop[home] else [home]
        for h, use in enumerate(self.uses):
            if h == home or not self.can_host[h] or self.drop[h]:
                continue
            within = s.relocation_limit_km is None or km[h] <= s.relocation_limit_km + 1e-9
            if within and (kind, use) in COMPATIBLE and self.capacity[h] >= self.fte[i] - 1e-9:
                hosts.append(h)
        return hosts

    def pair_set(self) -> set[tuple[str, str]]:
        return {(self.team_ids[t], self.ids[h]) for t, hosts in enumerate(self.hosts) for h in hosts}

    # access: zones within the threshold of a holding serving the service after the plan

    def _access(self, case: Case) -> dict:
        service, threshold, share = case.standard
        zxy = np.array([[z[1], z[2]] for z in case.zones], float)
        weight = np.array([z[3] for z in case.zones], float)
        km = np.hypot(zxy[:, None, 0] - self.xy[None, :, 0], zxy[:, None, 1] - self.xy[None, :, 1]) / 1000.0
        near = km <= threshold + 1e-9
        offers = np.array([service in o for o in self.offers])
        delivering = np.array([service in d for d in self.delivers], bool)
        # a building offering it keeps offering it if kept, unless a team delivering it is housed there today
        fixed = offers.copy()
        fixed[self.home[delivering]] = False
        today = weight[(near & offers).any(1)].sum() / weight.sum()
        return {"near": near, "weight": weight, "fixed": fixed, "delivering": delivering, "required": min(share, today)}

    def access_met(self, kept: np.ndarray, where: np.ndarray) -> np.ndarray:
        """For each row of team locations ``where`` (plans x teams), whether the standard is met."""
        a = self.access
        if a is None:
            return np.ones(len(where), bool)
        serving = np.repeat((a["fixed"] & kept)[None, :], len(where), axis=0)
        for t in np.flatnonzero(a["delivering"]):
            serving[np.arange(len(where)), where[:, t]] = True
        covered = (serving[:, None, :] & a["near"][None, :, :]).any(axis=2)
        return covered @ a["weight"] / a["weight"].sum() >= a["required"] - 1e-9

    # enumeration

    def kept_sets(self):
        """Every set of kept holdings the locks, exit options and hub rules allow."""
        s = self.s
        # least_travel leaves alone holdings that cannot host, house no team and offer nothing
        bystander = ~self.can_host & ~np.isin(np.arange(len(self.ids)), self.home) & ~self.keep & ~self.drop
        bystander &= np.array([not o for o in self.offers])
        for bits in itertools.product([False, True], repeat=len(self.ids)):
            kept = np.array(bits)
            hubs = int((kept & self.can_host).sum())
            if (self.keep & ~kept).any() or (self.drop & kept).any():
                continue
            if any(not self.options[h] for h in np.flatnonzero(~kept)):
                continue  # a holding with no way out within the horizon is kept
            if s.max_hubs is not None and hubs > s.max_hubs:
                continue
            if s.objective == "least_travel" and (hubs != s.p or (bystander & ~kept).any()):
                continue
            yield kept

    def assess(self, kept: np.ndarray, where: np.ndarray, exit_one_off: float) -> dict:
        """Rules and value of plans keeping ``kept``, teams at ``where`` (plans x teams)."""
        n = len(where)
        moving = where != self.home[None, :]
        money = np.array([[self.money[(self.team_ids[t], self.ids[h])] for t, h in enumerate(row)] for row in where])
        money = money.reshape(n, len(self.team_ids), 3) * moving[:, :, None]
        load = np.zeros((n, len(self.ids)))
        for t in range(len(self.team_ids)):
            load[np.arange(n), where[:, t]] += self.fte[t]
        ok = kept[where].all(axis=1) & (load <= self.capacity + 1e-9).all(axis=1) & self.access_met(kept, where)
        one_off = exit_one_off + money[:, :, 1].sum(axis=1)
        if self.s.budget_gbp is not None:
            ok &= one_off <= self.s.budget_gbp + 0.01
        return {"ok": ok, "move_npv": money[:, :, 0].sum(axis=1), "travel": money[:, :, 2].sum(axis=1)}

    def best(self) -> dict | None:
        """The best plan's NPV, holdings kept and travel, by the scenario's objective; None if none exists."""
        objective = self.s.objective
        where = np.array(list(itertools.product(*self.hosts)), int).reshape(-1, len(self.team_ids))
        best, best_key = None, None
        for kept in self.kept_sets():
            gone = np.flatnonzero(~kept)
            for exits in itertools.product(*(self.options[h] for h in gone)):
                plans = self.assess(kept, where, sum(e[2] for e in exits))
                if not plans["ok"].any():
                    continue
                npv = sum(e[1] for e in exits) - plans["move_npv"]
                for i in np.flatnonzero(plans["ok"]):
                    value = {"npv": npv[i], "kept": int(kept.sum()), "travel": plans["travel"][i]}
                    key = {
                        "npv": (-value["npv"],),
                        "fewest_sites": (value["kept"], -value["npv"]),
                        "least_travel": (value["travel"],),
                    }[objective]
                    if best_key is None or key < best_key:
                        best, best_key = value, key
        return best


def load_compatible() -> set[tuple[str, str]]:
    table = load_compatibility()
    allowed = table[table["allowed"]]
    return set(zip(allowed["partner_type"], allowed["use_class"], strict=True))


COMPATIBLE = load_compatible()


# --- the comparison ---------------------------------------------------------------------------------


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1.0, 1e-6 * abs(b))


def check_returned_plan(bf: BruteForce, plan) -> dict:
    """The plan optimise() returned is allowed by the rules here; returns its value."""
    decision = dict(zip(plan.decisions["holding_id"], plan.decisions["decision"], strict=True))
    kept = np.array([decision[hid] != "dispose" for hid in bf.ids])
    assert any((kept == k).all() for k in bf.kept_sets()), f"kept set {kept} breaks a lock or hub rule"
    how = dict(zip(plan.disposals["holding_id"], plan.disposals["exit_option"], strict=True))
    exits = [next(o for o in bf.options[h] if o[0] == how[bf.ids[h]]) for h in np.flatnonzero(~kept)]
    at = dict(zip(plan.assignments["team_id"], plan.assignments["holding_id"], strict=True))
    where = np.array([[bf.ids.index(at[t]) for t in bf.team_ids]], int).reshape(1, -1)
    for t, h in enumerate(where[0]):
        assert h in bf.hosts[t], f"{bf.team_ids[t]} housed in {bf.ids[h]}, not an allowed host"
    plans = bf.assess(kept, where, sum(e[2] for e in exits))
    assert plans["ok"][0], "the plan breaks capacity, access or the budget"
    npv = sum(e[1] for e in exits) - plans["move_npv"][0]
    return {"npv": npv, "kept": int(kept.sum()), "travel": plans["travel"][0]}


# Even NPV seeds and odd fewest_sites seeds have zones and an access standard. Among them
# (from a scan of what decides each optimum): NPV 11, 16, least_travel 203, 205 are refused
# before solving; NPV 6, 31, fewest_sites 121, least_travel 206 are found infeasible by the
# solver; the budget, a lock, capacity, the relocation limit or the access standard decides
# several optima; in NPV 0, 8, 18 and fewest_sites 123 the optimum depends on a service
# moving with the team that delivers it.
NPV_SEEDS = [(seed, "npv", seed % 2 == 0) for seed in range(32)]
FEWEST_SEEDS = [(seed, "fewest_sites", seed % 2 == 1) for seed in range(120, 126)]
TRAVEL_SEEDS = [(seed, "least_travel", False) for seed in range(200, 207)]


@pytest.mark.parametrize(("seed", "objective", "with_access"), NPV_SEEDS + FEWEST_SEEDS + TRAVEL_SEEDS)
def test_optimise_matches_brute_force(seed, objective, with_access):
    case = random_case(seed, objective, with_access)
    s = scenario(**case.settings)
    holdings, teams, access = project_inputs(case)
    unconstrained = {"p": None, "max_hubs": None, "budget_gbp": None, "relocation_limit_km": None}
    priced = prepare(holdings, teams, s.replace(objective="npv", lock_retain=(), lock_dispose=(), **unconstrained))
    bf = BruteForce(case, s, priced)
    best = bf.best()
    try:
        data = prepare(holdings, teams, s, access=access)
        plan = optimise(holdings, teams, s, access=access, diagnose_infeasible=False)
    except ScenarioError:
        assert best is None, f"scenario refused, but a plan exists: {best}"
        return
    assert set(zip(data.pairs["team_id"], data.pairs["holding_id"], strict=True)) == bf.pair_set()
    if best is None:
        assert plan.status == "infeasible"
        return
    assert plan.status == "optimal"
    mine = check_returned_plan(bf, plan)
    if objective == "npv":
        assert close(plan.objective_value, best["npv"]), (plan.objective_value, best)
        assert close(mine["npv"], plan.objective_value)
    elif objective == "fewest_sites":
        assert plan.objective_value == pytest.approx(best["kept"]) and mine["kept"] == best["kept"]
        assert close(mine["npv"], best["npv"]), (mine, best)  # the NPV breaks ties
    else:
        assert plan.objective_value == pytest.approx(best["travel"], rel=1e-6, abs=1e-6)
        assert mine["travel"] == pytest.approx(plan.objective_value, rel=1e-6, abs=1e-6)

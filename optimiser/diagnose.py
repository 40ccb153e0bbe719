"""Why a scenario has no plan, and the smallest change that would give it one.

When the model is infeasible, the diagnosis re-solves it with the constraint families
relaxed: every row of a relaxed family gets a non-negative slack (an assignment that
breaks the relocation limit or the compatibility table becomes available at a cost), and
the total slack is minimised. Families left with slack block the scenario. Each family
is then also relaxed *alone*: if that is enough, its slack is the smallest relaxation of
that family that would make the scenario feasible, reported in the user's terms (FTE of
room, share of residents and the threshold that would do, pounds of budget, hubs, which
lock to lift, how far a team would have to move).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from estate.services import POPULATION_WORDS
from optimiser.inputs import ModelData
from optimiser.model import MILLION, PlanModel, areas, build_model, status_quo
from optimiser.solve import SolveResult, solve

FINDING_COLUMNS: tuple[str, ...] = ("rule", "family", "id", "name", "detail", "needed", "limit")
"""Columns of the findings table: what blocks (the rule in words, and its key), where, and by how much."""

_LABEL = {
    "locks": "locks",
    "capacity": "capacity",
    "access_standard": "access standards",
    "budget": "budget",
    "max_hubs": "maximum number of hubs",
    "hub_count": "number of hubs (p)",
    "no_worse_off": "no partner worse off",
    "relocation_limit": "relocation limit",
    "compatibility": "compatibility table",
}

_TOL = 1e-6


@dataclass(frozen=True)
class Diagnosis:
    """Why no plan meets the scenario.

    Attributes
    ----------
    headline
        One sentence.
    blocking
        The constraint families that block the scenario (in :data:`optimiser.model.RELAXABLE`
        terms), most important first.
    messages
        One line per finding, in the user's terms.
    findings
        :data:`FINDING_COLUMNS`: which holdings, zones, services, teams or partners, by
        how much.
    alone
        For each blocking family, whether relaxing it alone would be enough, and the
        smallest relaxation in words.
    together
        Lines from the compromise that relaxes every family at once (:data:`TOGETHER`):
        what blocks the scenario, for families that are not enough alone.

    """

    headline: str
    blocking: tuple[str, ...]
    messages: tuple[str, ...]
    findings: pd.DataFrame
    alone: dict[str, str] = field(default_factory=dict)
    together: tuple[str, ...] = ()
    together_proven: bool = True

    @property
    def together_heading(self) -> str:
        """The heading of :attr:`together`, saying when its search stopped before a proof."""
        return TOGETHER if self.together_proven else TOGETHER.rstrip(":") + f" {UNPROVEN_TOGETHER}:"

    def __str__(self) -> str:
        lines = [self.headline, *(f"  - {m}" for m in self.messages)]
        if self.together:
            lines += [f"  {self.together_heading}", *(f"    - {m}" for m in self.together)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``summary.json``."""
        return {
            "headline": self.headline,
            "blocking": list(self.blocking),
            "messages": list(self.messages),
            "alone": dict(self.alone),
            "together": list(self.together),
            "together_heading": self.together_heading,
            "findings": self.findings.astype(object).where(self.findings.notna(), None).to_dict(orient="records"),
        }


def applicable_families(data: ModelData) -> list[str]:
    """The relaxable families present in this scenario."""
    s = data.scenario
    families = ["capacity"]
    if (data.holdings["lock"] != "").any():
        families.append("locks")
    if (
        s.enforce_access
        and s.objective != "max_coverage"
        and len(data.services)
        and (data.services["required_share"] > 0).any()
    ):
        families.append("access_standard")
    if s.budget_gbp is not None:
        families.append("budget")
    if s.max_hubs is not None:
        families.append("max_hubs")
    if s.objective in ("max_coverage", "least_travel"):
        families.append("hub_count")
    if s.no_worse_off:
        families.append("no_worse_off")
    if s.relocation_limit_km is not None:
        families.append("relocation_limit")
    families.append("compatibility")
    return families


def diagnose(data: ModelData, *, time_limit: float | None = None) -> Diagnosis:
    """Find what blocks an infeasible scenario, and the smallest relaxation of each family.

    Parameters
    ----------
    data
        The prepared inputs of the infeasible scenario.
    time_limit
        Seconds for each relaxed solve (default: a quarter of the scenario's limit, at
        least 5 s).

    """
    limit = time_limit if time_limit is not None else max(5.0, data.scenario.time_limit_s / 4)
    families = applicable_families(data)
    extra = breaking_pairs(data)
    data = _with_hosts_of(data, extra)
    built = build_model(data, relax=set(families), extra_pairs=extra)
    # each relaxed search starts from today's estate, its rows met by their slack
    result = _relaxed_solve(built, limit)
    if not result.solved:
        return Diagnosis(
            headline=(
                "No plan meets the scenario, and even with every rule relaxed none was found "
                f"(solver: {result.status}); every team needs a holding it may be housed in."
            ),
            blocking=(),
            messages=(),
            findings=pd.DataFrame(columns=list(FINDING_COLUMNS)),
        )
    used = _families_with_slack(built, result)
    findings: list[dict[str, object]] = []
    enough_lines: list[str] = []
    other_lines: list[str] = []
    together: list[str] = []
    alone: dict[str, str] = {}
    enough: list[str] = []
    for family in families:
        single = build_model(data, relax={family}, extra_pairs=extra)
        single_result = _relaxed_solve(single, limit)
        label = _LABEL[family]
        if single_result.solved:
            # a plan with this family's slack exists: relaxing it by that much is enough,
            # and the smallest such relaxation only once the search has proven its optimum
            rows, lines = _explain(family, single, single_result)
            if lines and single_result.status != "optimal":
                lines = [
                    _unproven(family, single, single_result, lines[0], limit),
                    *(f"{line.rstrip('.')} (from the same search, not proven)." for line in lines[1:]),
                ]
            alone[family] = lines[0] if lines else f"relaxing the {label} alone is enough"
            enough.append(family)
            enough_lines += lines
            findings += rows
            continue
        if single_result.status != "infeasible":
            # not known either way: said, even when the compromise does without it
            alone[family] = (
                f"whether relaxing the {label} alone is enough is not known: no answer within {limit:g} s "
                "(a longer time limit gives the diagnosis longer too)"
            )
            other_lines.append(alone[family][0].upper() + alone[family][1:] + ".")
        if family not in used:  # not enough alone (or not known) and not part of the compromise
            continue
        if single_result.status == "infeasible":
            alone[family] = f"relaxing the {label} alone is not enough"
        rows, lines = _explain(family, built, result, smallest=False)
        together += lines
        findings += rows
    messages = enough_lines + other_lines
    proven = result.status == "optimal"
    blocking = [f for f in _ORDER if f in used or f in enough]
    # a family seen only in an unproven compromise may not be needed at all
    perhaps = [] if proven else [f for f in blocking if f not in enough]
    sure = [f for f in blocking if f not in perhaps]
    if blocking:
        headline = "No plan meets the scenario: it is blocked by the " + (
            ", ".join(_LABEL[f] for f in sure) if sure else "rules below"
        )
        if perhaps:
            headline += (
                f"{' and perhaps' if sure else ':'} the {', '.join(_LABEL[f] for f in perhaps)} (from a search "
                f"stopped at {limit:g} s, before proving it needs them)"
            )
        headline += "."
        if enough:
            headline += " Relaxing any one of these is enough: " + ", ".join(_LABEL[f] for f in _order(enough)) + "."
        else:
            headline += " None of them is enough alone; see what relaxing them together would take."
    else:
        headline = "No plan meets the scenario, but no single rule could be named (numerical trouble?)."
    return Diagnosis(
        headline=headline,
        blocking=tuple(blocking),
        messages=tuple(messages),
        findings=_with_rules(pd.DataFrame(findings, columns=list(FINDING_COLUMNS))),
        alone=alone,
        together=tuple(together),
        together_proven=proven,
    )


TOGETHER = "With every rule relaxed at once, one way through:"
"""Heading of the findings from the compromise that relaxes every family together: their
figures trade one family's slack against another's at the diagnosis's weights, so they show
what blocks the scenario, not the smallest change to any one rule."""
UNPROVEN_TOGETHER = "(a search stopped before proving this the least change; some of it may not be needed)"
"""Said under :data:`TOGETHER` when the compromise's search stopped before its proof."""


def _unproven(family: str, built: PlanModel, result: SolveResult, line: str, limit: float) -> str:
    """A finding from a relaxed search that stopped before proving its change the smallest."""
    s = built.data.scenario
    bound = max(result.bound or 0.0, 0.0)  # the least slack any plan needs
    if family == "max_hubs":
        found = s.max_hubs + int(np.ceil(float(_slack(built, result.x, "max_hubs").sum()) - 1e-6))
        least = s.max_hubs + max(int(np.ceil(bound - 1e-6)), 1)  # max_hubs itself admits no plan
        return (
            f"Hubs: keeping {found} hubs is enough (the scenario allows at most {s.max_hubs}); the fewest that would "
            f"do lies between {least} and {found}, not proven within the {limit:g} s the search had."
        )
    if family == "budget":
        found = s.budget_gbp + float(_slack(built, result.x, "budget").sum()) * MILLION
        least = s.budget_gbp + bound * MILLION
        return (
            f"Budget: one-off costs of GBP {found:,.0f} are enough (the budget is GBP {s.budget_gbp:,.0f}); the "
            f"least that would do lies between GBP {least:,.0f} and that, not proven within the {limit:g} s "
            "the search had."
        )
    return f"{line.rstrip('.')} (enough, but not proven the smallest change: the search stopped at {limit:g} s)."


def _with_hosts_of(data: ModelData, extra: pd.DataFrame) -> ModelData:
    """The data with the hosts of ``extra`` assignments as potential providers of their teams' services.

    A team moved beyond the limit, or to a host the table forbids, takes its service with it,
    as on any other move: without this, relaxing those rules could never restore access.
    """
    if not len(extra) or not len(data.services):
        return data
    services = data.services.set_index("service")
    moved = pd.DataFrame(
        {
            "holding_id": extra["holding_id"].to_numpy(dtype=object),
            "service": data.teams["delivers"].reindex(extra["team_id"]).to_numpy(dtype=object),
        }
    ).explode("service")
    moved = moved[moved["service"].isin(services.index)].drop_duplicates()
    known = pd.MultiIndex.from_frame(data.providers[["holding_id", "service"]])
    moved = moved[~pd.MultiIndex.from_frame(moved).isin(known)]
    if not len(moved):
        return data
    providers = pd.concat([data.providers, moved.assign(fixed=False)], ignore_index=True)
    reach = [data.reach]
    for service, hosts in moved.groupby("service")["holding_id"]:
        unit, threshold = services.at[service, "unit"], float(services.at[service, "threshold"])
        zones = data.zone_weights.loc[data.zone_weights["service"] == service, "zone_id"]
        near = data.costs[
            (data.costs["unit"] == unit)
            & data.costs["holding_id"].isin(hosts)
            & (data.costs["cost"] <= threshold + 1e-9)
            & data.costs["zone_id"].isin(zones)
        ]
        reach.append(near[["zone_id", "holding_id", "cost"]].assign(service=service)[list(data.reach.columns)])
    return replace(data, providers=providers, reach=pd.concat(reach, ignore_index=True))


def breaking_pairs(data: ModelData) -> pd.DataFrame:
    """Assignments the rules forbid: beyond the relocation limit or not compatible.

    Each team gets its candidate hubs up to three times the limit (every hub when there
    are few), flagged ``breaks`` = ``relocation_limit`` or ``compatibility``; a host that
    breaks both is left out (relaxing one rule alone would not make it allowed).
    """
    s = data.scenario
    h = data.holdings
    t = data.teams
    hubs = h[h["can_host"].to_numpy(bool) & (h["lock"] != "dispose").to_numpy()]
    if not len(hubs) or not len(t):
        return pd.DataFrame(columns=[*data.pairs.columns, "breaks"])
    home = h.loc[t["home"], ["x", "y"]].to_numpy(float)
    located = ~np.isnan(home).any(axis=1)
    hub_xy = hubs[["x", "y"]].to_numpy(float)
    if len(t) * len(hubs) <= 200_000 or s.relocation_limit_km is None:
        ti = np.repeat(np.flatnonzero(located), len(hubs))
        hi = np.tile(np.arange(len(hubs)), int(located.sum()))
        km = np.hypot(*(home[ti] - hub_xy[hi]).T) / 1000.0
    else:
        radius = 3 * s.relocation_limit_km * 1000.0
        found = cKDTree(home[located]).sparse_distance_matrix(cKDTree(hub_xy), radius, output_type="ndarray")
        ti = np.flatnonzero(located)[found["i"]]
        hi = found["j"]
        km = found["v"] / 1000.0
    frame = pd.DataFrame(
        {"team_id": t.index.to_numpy(dtype=object)[ti], "holding_id": hubs.index.to_numpy(dtype=object)[hi], "km": km}
    )
    frame = frame[frame["holding_id"].to_numpy() != t["home"].to_numpy(dtype=object)[ti]]
    allowed = set(
        zip(
            data.compatibility.loc[data.compatibility["allowed"], "partner_type"],
            data.compatibility.loc[data.compatibility["allowed"], "use_class"],
            strict=True,
        )
    )
    team_type = t["partner_type"].reindex(frame["team_id"]).to_numpy(dtype=object)
    use = h["use_class"].reindex(frame["holding_id"]).to_numpy(dtype=object)
    compatible = np.fromiter(((a, b) in allowed for a, b in zip(team_type, use, strict=True)), bool, len(frame))
    within = frame["km"].to_numpy() <= (s.relocation_limit_km if s.relocation_limit_km is not None else np.inf) + 1e-9
    # a forbidden host beyond the limit would break two rules: a change to the table alone would not do
    frame["breaks"] = np.where(
        ~compatible & within, "compatibility", np.where(compatible & ~within, "relocation_limit", "")
    )
    frame = frame[frame["breaks"] != ""]
    known = set(zip(data.pairs["team_id"], data.pairs["holding_id"], strict=True))
    fresh = np.array(
        [(a, b) not in known for a, b in zip(frame["team_id"], frame["holding_id"], strict=True)], dtype=bool
    )
    frame = frame[fresh]
    fte = t["fte"].reindex(frame["team_id"]).to_numpy(float)
    from optimiser.finance import move_costs

    costs = move_costs(fte, s)
    out = frame.assign(stay=False, travel=fte * frame["km"].to_numpy(float))
    for name in ("relocation", "fitout", "hosting_per_year", "one_off", "npv_cost"):
        out[name] = costs[name]
    return out.reset_index(drop=True)


_ORDER = (
    "locks",
    "access_standard",
    "capacity",
    "relocation_limit",
    "compatibility",
    "budget",
    "max_hubs",
    "hub_count",
    "no_worse_off",
)


def _relaxed_solve(built: PlanModel, limit: float) -> SolveResult:
    """Least slack, from today's estate (its rows met by their slack).

    On large models the search is guided by the LP and, given two cores, its plan improved
    area by area, as a plan's search is (:func:`optimiser.solve.solve`).
    """
    guide = built.model.variables["retain"].positions
    return solve(
        built.model,
        built.data.scenario,
        time_limit=limit,
        mip_gap=1e-6,
        start=status_quo(built),
        guide=guide,
        areas=areas(built),
    )


def _order(families: list[str]) -> list[str]:
    return [f for f in _ORDER if f in families]


def _families_with_slack(built: PlanModel, result: SolveResult) -> list[str]:
    x = result.x
    used = []
    for family in _ORDER:
        if family not in built.relaxed:
            continue
        if family in ("relocation_limit", "compatibility"):
            assign = built.model.values(x, "assign")
            if (assign.to_numpy()[(built.pairs["breaks"] == family).to_numpy()] > 0.5).any():
                used.append(family)
            continue
        names = [n for n in built.model.variables if n.startswith("slack_") and _slack_family(n) == family]
        if any((built.model.values(x, n) > _TOL).any() for n in names):
            used.append(family)
    return used


def _slack_family(name: str) -> str:
    base = name.removeprefix("slack_")
    if base.startswith("lock_"):
        return "locks"
    if base.startswith("hub_count"):
        return "hub_count"
    return base


def _slack(built: PlanModel, x: np.ndarray, name: str) -> pd.Series:
    if f"slack_{name}" not in built.model.variables:
        return pd.Series(dtype=float)
    values = built.model.values(x, f"slack_{name}")
    return values[values > _TOL]


def _with_rules(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings with each rule named in words beside its key."""
    return findings.assign(rule=findings["family"].map(_LABEL))


def _holding(h: pd.DataFrame, hid: str) -> str:
    """A holding by its name, with its partner where another holding has the same name."""
    name = str(h.at[hid, "name"])
    return f"{name} ({h.at[hid, 'partner']})" if int((h["name"] == name).sum()) > 1 else name


def _team(data: ModelData, team_id: str) -> str:
    """A team in words: whose, what it does, how big, where it is today."""
    team = data.teams.loc[team_id]
    service = str(team["service"]).replace("_", " ")
    return (
        f"{team['partner']}'s {service} team ({float(team['fte']):,.0f} FTE) at {_holding(data.holdings, team['home'])}"
    )


def _explain(
    family: str, built: PlanModel, result: SolveResult, *, smallest: bool = True
) -> tuple[list[dict[str, object]], list[str]]:
    """Rows and lines of words for one family's slack in ``result``.

    ``smallest``: the slack is the least this family alone needs (a proven relaxed search),
    so amounts read "at least"; else they are one compromise's and read as amounts.
    """
    data = built.data
    x = result.x
    h = data.holdings
    s = data.scenario
    rows: list[dict[str, object]] = []
    lines: list[str] = []
    if family == "locks":
        for name, want in (("lock_retain", "disposed of"), ("lock_dispose", "kept")):
            for hid in _slack(built, x, name).index:
                verb = "kept" if name == "lock_retain" else "disposed of"
                rows.append(
                    {
                        "family": family,
                        "id": hid,
                        "name": _holding(h, hid),
                        "detail": f"locked to be {verb}",
                        "needed": want,
                        "limit": verb,
                    }
                )
                lines.append(
                    f"{_holding(h, hid)} is locked to be {verb}; the scenario can only be met if it is {want}."
                )
    elif family == "capacity":
        slack = _slack(built, x, "capacity")
        for hid, value in slack.items():
            cap = float(h.at[hid, "capacity_fte"])
            rows.append(
                {
                    "family": family,
                    "id": hid,
                    "name": _holding(h, hid),
                    "detail": "FTE housed over capacity",
                    "needed": cap + value,
                    "limit": cap,
                }
            )
        if len(slack):
            worst = ", ".join(
                f"{_holding(h, i)} ({v:,.1f} FTE)" for i, v in slack.sort_values(ascending=False).head(3).items()
            )
            lines.append(f"Capacity: {slack.sum():,.1f} FTE more room is needed, at {worst}.")
    elif family == "access_standard":
        for service, value in _slack(built, x, "access_standard").items():
            row, line = _explain_access(built, x, service, float(value))
            rows += row
            lines.append(line)
    elif family == "budget":
        value = float(_slack(built, x, "budget").sum()) * MILLION
        needed = s.budget_gbp + value
        rows.append(
            {
                "family": family,
                "id": "budget",
                "name": "budget",
                "detail": "one-off costs needed",
                "needed": needed,
                "limit": s.budget_gbp,
            }
        )
        lines.append(
            f"Budget: one-off costs of at least GBP {needed:,.0f} are needed; the budget is GBP {s.budget_gbp:,.0f}."
            if smallest
            else f"Budget: one-off costs of GBP {needed:,.0f}, against a budget of GBP {s.budget_gbp:,.0f}."
        )
    elif family == "max_hubs":
        value = float(_slack(built, x, "max_hubs").sum())
        needed = s.max_hubs + int(np.ceil(value - 1e-6))
        rows.append(
            {
                "family": family,
                "id": "max_hubs",
                "name": "maximum number of hubs",
                "detail": "hubs needed",
                "needed": needed,
                "limit": s.max_hubs,
            }
        )
        lines.append(
            f"Hubs: at least {needed} hubs must be kept; the scenario allows at most {s.max_hubs}."
            if smallest
            else f"Hubs: {needed} hubs kept, against the scenario's maximum of {s.max_hubs}."
        )
    elif family == "hub_count":
        more = float(_slack(built, x, "hub_count_more").sum())
        fewer = float(_slack(built, x, "hub_count_fewer").sum())
        needed = s.p + round(more) - round(fewer)
        rows.append(
            {
                "family": family,
                "id": "p",
                "name": "number of hubs",
                "detail": "hubs that can work",
                "needed": needed,
                "limit": s.p,
            }
        )
        lines.append(f"Hubs: no plan keeps exactly {s.p} hubs; one with {needed} can.")
    elif family == "no_worse_off":
        for partner, value in _slack(built, x, "no_worse_off").items():
            rows.append(
                {
                    "family": family,
                    "id": partner,
                    "name": partner,
                    "detail": "NPV below zero (GBP)",
                    "needed": -value * MILLION,
                    "limit": 0.0,
                }
            )
            lines.append(
                f"{partner} would be at least GBP {value * MILLION:,.0f} worse off in any plan that meets "
                "the rest of the scenario."
                if smallest
                else f"{partner} ends GBP {value * MILLION:,.0f} worse off."
            )
    elif family in ("relocation_limit", "compatibility"):
        rows, lines = _explain_pairs(family, built, x)
    return rows, lines


def _explain_pairs(family: str, built: PlanModel, x: np.ndarray) -> tuple[list[dict[str, object]], list[str]]:
    data = built.data
    h = data.holdings
    t = data.teams
    assign = built.model.values(x, "assign").to_numpy() > 0.5
    used = built.pairs[assign & (built.pairs["breaks"] == family).to_numpy()].sort_values("km", ascending=False)
    rows: list[dict[str, object]] = []
    for pair in used.itertuples(index=False):
        team = t.loc[pair.team_id]
        to = _holding(h, pair.holding_id)
        if family == "relocation_limit":
            rows.append(
                {
                    "family": family,
                    "id": pair.team_id,
                    "name": to,
                    "detail": f"must move {pair.km:.1f} km from {_holding(h, team['home'])} to {to}",
                    "needed": pair.km,
                    "limit": data.scenario.relocation_limit_km,
                }
            )
        else:
            use = str(h.at[pair.holding_id, "use_class"]).replace("_", " ")
            kind = str(team["partner_type"]).replace("_", " ")
            rows.append(
                {
                    "family": family,
                    "id": pair.team_id,
                    "name": to,
                    "detail": f"{kind} team in a {use}: not allowed by the compatibility table",
                    "needed": f"{kind} in {use}",
                    "limit": "not allowed",
                }
            )
    if not len(used):
        return rows, []
    # the example: the furthest move (``used`` is sorted by distance, furthest first)
    first = used.iloc[0]
    to = _holding(h, first["holding_id"])
    if family == "relocation_limit":
        example = f"{_team(data, first['team_id'])} moving {first['km']:.1f} km to {to}"
        return rows, [
            f"Relocation limit: the furthest a team moves would have to rise from {data.scenario.relocation_limit_km:g}"
            f" km to {float(used['km'].max()):.1f} km ({len(used)} team(s) beyond it, e.g. {example})."
        ]
    use = str(h.at[first["holding_id"], "use_class"]).replace("_", " ")
    kind = str(t.at[first["team_id"], "partner_type"]).replace("_", " ")
    example = f"{_team(data, first['team_id'])} moving to {to}, a {use} the table closes to {kind} teams"
    return rows, [f"Compatibility: {len(used)} team(s) need a host the table does not allow (e.g. {example})."]


def _explain_access(
    built: PlanModel, x: np.ndarray, service: str, shortfall: float
) -> tuple[list[dict[str, object]], str]:
    """Which zones lose access, which holding would restore it, and what threshold would do."""
    data = built.data
    h = data.holdings
    info = data.services.set_index("service").loc[service]
    unit = str(info["unit"])
    retained = built.model.values(x, "retain") > 0.5
    cover = built.model.values(x, "cover")
    weights = data.zone_weights[data.zone_weights["service"] == service].set_index("zone_id")["weight"]
    covered = cover[cover.index.get_level_values(1) == service]
    covered.index = covered.index.get_level_values(0)
    covered = covered.reindex(weights.index).fillna(0.0) > 0.5
    uncovered = weights.index[~covered.to_numpy()]
    # zones that had access today and lost it
    before = data.reach[(data.reach["service"] == service)]
    now_providers = set(h.index[[service in v for v in h["building_services"]]]) | set(
        data.teams.loc[[service in d for d in data.teams["delivers"]], "home"]
    )
    had = set(before.loc[before["holding_id"].isin(now_providers), "zone_id"])
    lost = [z for z in uncovered if z in had]
    people = float(weights.reindex(lost).sum())
    # holdings that would restore them: today's providers not kept, ranked by people reached
    near = before[before["zone_id"].isin(lost) & before["holding_id"].isin(now_providers)]
    kept_now = np.array([bool(retained.get(i, False)) for i in near["holding_id"]], dtype=bool)
    gone = near[~kept_now]
    ranked = (
        gone.assign(w=weights.reindex(gone["zone_id"]).to_numpy())
        .groupby("holding_id")["w"]
        .sum()
        .sort_values(ascending=False)
    )
    names = [
        _holding(h, i) + (" (locked for disposal)" if h.at[i, "lock"] == "dispose" else "") for i in ranked.index[:3]
    ]
    # threshold that the plan's providers would need to reach the required share
    providers_after = _providers_after(built, x, service)
    threshold = _threshold_needed(data, info, providers_after, now_providers, weights)
    label = str(info["label"])
    population = str(info["population"])
    who = (
        f"{people:,.0f} residents ({POPULATION_WORDS.get(population, population.replace('_', ' '))})"
        if population != "population"
        else f"{people:,.0f} residents"
    )
    required, standard = float(info["required_share"]), float(info["share"])
    needs = (
        f"the standard needs {required:.1%}"
        if required >= standard - 1e-9
        else f"the standard of {standard:.1%} is held at today's {required:.1%}"
    )
    line = (
        f"{label} access: {len(lost)} zone(s) ({who}) cannot be within {float(info['threshold']):g} {unit}"
        f" (the plan reaches {required - shortfall:.1%}; {needs})"
    )
    options = []
    if names:
        options.append(f"{' or '.join(names)} {'is' if len(names) == 1 else 'are'} kept")
    if threshold is not None:
        options.append(f"the threshold rises to {threshold:.2f} {unit}")
    if options:
        line += " unless " + ", or ".join(options)
    line += "."
    rows = [
        {
            "family": "access_standard",
            "id": f"{service}:{zone}",
            "name": label,
            "detail": f"residents (needed) who lose access within {float(info['threshold']):g} {unit}",
            "needed": float(weights.get(zone, 0.0)),
            "limit": None,
        }
        for zone in lost
    ]
    rows.append(
        {
            "family": "access_standard",
            "id": service,
            "name": label,
            "detail": "threshold that would meet the standard" if threshold is not None else "share reached",
            "needed": threshold if threshold is not None else float(info["required_share"]) - shortfall,
            "limit": float(info["threshold"]) if threshold is not None else float(info["required_share"]),
        }
    )
    return rows, line


def _providers_after(built: PlanModel, x: np.ndarray, service: str) -> set[str]:
    data = built.data
    retained = built.model.values(x, "retain") > 0.5
    fixed = data.providers[(data.providers["service"] == service) & data.providers["fixed"]]["holding_id"]
    out = {i for i in fixed if retained.get(i, False)}
    assign = built.model.values(x, "assign").to_numpy() > 0.5
    chosen = built.pairs[assign]
    delivering = data.teams.index[[service in d for d in data.teams["delivers"]]]
    out |= set(chosen.loc[chosen["team_id"].isin(delivering), "holding_id"])
    return out


def _threshold_needed(
    data: ModelData, info: pd.Series, providers: set[str], today: set[str], weights: pd.Series
) -> float | None:
    """Smallest threshold at which the plan's providers reach the share that threshold would require.

    A wider threshold reaches more residents from today's estate too, and a plan must keep
    today's share where it is below the standard, so the share required rises with the
    threshold: at threshold ``T`` the plan must reach ``min(standard, today's share at T)``.
    ``None`` when no threshold within the cost table does. ``info`` is the service's row
    of ``data.services``.
    """
    costs = data.costs[data.costs["unit"] == info["unit"]]
    costs = costs[costs["zone_id"].isin(weights.index)]
    total = float(weights.sum())
    if total <= 0:
        return None

    def nearest(holdings: set[str]) -> np.ndarray:
        mine = costs[costs["holding_id"].isin(holdings)]
        return mine.groupby("zone_id")["cost"].min().reindex(weights.index).to_numpy(float)

    plan, now = nearest(providers), nearest(today)
    w = weights.to_numpy(float)
    # the share each reaches within every threshold at which the plan reaches more (cumulative sums)
    thresholds = np.unique(plan[np.isfinite(plan)])
    by_plan, by_now = np.argsort(plan), np.argsort(now)
    reached = np.r_[0.0, np.cumsum(w[by_plan])][np.searchsorted(plan[by_plan], thresholds + 1e-9, side="right")]
    today_share = np.r_[0.0, np.cumsum(w[by_now])][np.searchsorted(now[by_now], thresholds + 1e-9, side="right")]
    required = np.minimum(float(info["share"]), today_share / total)
    ok = (reached / total >= required - 1e-9) & (thresholds > float(info["threshold"]) + 1e-9)
    return float(thresholds[ok][0]) if ok.any() else None

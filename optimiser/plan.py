"""The plan: disposals, moves, hubs, money and access, read from a solved model.

A :class:`Plan` is a frozen value: it is built once from the solution and never
changed. :func:`write_plan` writes it for estates officers and GIS.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from estate.access import access_report
from estate.schema import CRS
from estate.services import POPULATION_WORDS
from optimiser.errors import ScenarioError
from optimiser.finance import (
    CASHFLOW_COLUMNS,
    COST_CATEGORIES,
    anniversary,
    discount_factors,
    exits_cashflow,
    payback_year,
)
from optimiser.model import MILLION, PlanModel
from optimiser.solve import SolveResult

DISPOSAL_COLUMNS: tuple[str, ...] = (
    "holding_id",
    "register_id",
    "uprn",
    "partner",
    "name",
    "address",
    "use_class",
    "use_class_source",
    "tenure",
    "exit_option",
    "earliest_exit_date",
    "expected_receipt_gbp",
    "receipt_source",
    "running_cost_avoided_gbp_per_year",
    "running_cost_source",
    "one_off_costs_gbp",
    "npv_gbp",
    "carbon_saved_tco2e_per_year",
    "carbon_source",
    "gia_m2",
    "gia_source",
    "land_area_ha",
    "land_area_source",
    "reason",
    "check",
    "source_file",
    "source_row",
)
"""Columns of the disposal list (plus ``geometry`` in the GeoPackage). Each ``*_source`` says
where the figure before it comes from: ``supplied`` (a register), ``derived`` (computed from
supplied values, or for a use class read from the holding's name) or ``modelled`` (a benchmark
assumption, :mod:`estate.assumptions`); ``register_id``, ``source_file`` and ``source_row`` are
the holding's own id in its register and where the register lists it (blank for holdings not
loaded from a register);
``land_area_source`` is ``unknown`` where neither gives a site area. ``expected_receipt_gbp`` is
net of disposal costs (the scenario's share of the sale price). ``check`` names what an
officer should look at before acting on the line: a holding outside the place's boundary, or
a UPRN another holding shares (possibly the same building listed twice)."""

MOVE_COLUMNS: tuple[str, ...] = (
    "team_id",
    "partner",
    "service",
    "fte",
    "from_holding_id",
    "from_name",
    "to_holding_id",
    "to_name",
    "distance_km",
    "one_off_cost_gbp",
    "hosting_cost_gbp_per_year",
    "npv_gbp",
)
"""Columns of the moves list (plus a line ``geometry`` in the GeoPackage). A move's ``npv_gbp``
is its cost over the horizon, discounted (negative): the disposals' ``npv_gbp`` and the moves'
add up to the plan's NPV."""

HUB_COLUMNS: tuple[str, ...] = (
    "holding_id",
    "name",
    "partner",
    "use_class",
    "partners_hosted",
    "teams",
    "services",
    "fte",
    "incoming_fte",
    "capacity_fte",
    "capacity_source",
    "utilisation",
    "can_host",
    "receives_teams",
)
"""Columns of the hubs list: every kept holding, what it hosts after the plan, and whether it
can host other teams (what ``max_hubs`` counts) and receives any."""

ACCESS_COLUMNS: tuple[str, ...] = (
    "service",
    "label",
    "measure",
    "threshold",
    "unit",
    "standard_share",
    "required_share",
    "share_before",
    "share_after",
    "meets_standard",
    "residents_counted",
)
"""Columns of the access table: share of the relevant residents within the threshold, and
whether the plan meets the standard's share; ``residents_counted`` says whom a share counts
("everyone", "aged 16-64"). Where today falls short of it, a plan is
required only to keep today's share (``required_share``), and may still not meet it."""

HEADINGS: dict[str, str] = {
    # disposals
    "holding_id": "Holding id",
    "register_id": "Register id",
    "uprn": "UPRN",
    "partner": "Partner",
    "name": "Name",
    "address": "Address",
    "use_class": "Use class",
    "use_class_source": "Use class source",
    "tenure": "Tenure",
    "exit_option": "Exit",
    "earliest_exit_date": "Earliest exit date",
    "expected_receipt_gbp": "Expected receipt, net of disposal costs (£)",
    "receipt_source": "Receipt source",
    "running_cost_avoided_gbp_per_year": "Running cost avoided (£/yr)",
    "running_cost_source": "Running cost source",
    "one_off_costs_gbp": "One-off costs (£)",
    "npv_gbp": "NPV (£)",
    "carbon_saved_tco2e_per_year": "Carbon saved (tCO2e/yr)",
    "carbon_source": "Carbon source",
    "gia_m2": "GIA (m²)",
    "gia_source": "GIA source",
    "land_area_ha": "Site area (ha)",
    "land_area_source": "Site area source",
    "reason": "Reason",
    "check": "Check before acting",
    "source_file": "Register file",
    "source_row": "Register row",
    # moves
    "team_id": "Team id",
    "service": "Service",
    "fte": "FTE",
    "from_holding_id": "From holding id",
    "from_name": "From",
    "to_holding_id": "To holding id",
    "to_name": "To",
    "distance_km": "Distance (km)",
    "one_off_cost_gbp": "One-off cost (£)",
    "hosting_cost_gbp_per_year": "Hosting cost (£/yr)",
    # each partner's gains and costs
    "holdings_before": "Holdings today",
    "exit_costs_gbp": "Exit costs (£)",
    "teams_moved": "Teams moved",
    "move_costs_gbp": "Move costs (£)",
    "hosting_cost_discounted_gbp": "Hosting cost over the horizon, discounted (£)",
    # hubs
    "partners_hosted": "Partners hosted",
    "teams": "Teams",
    "services": "Services",
    "incoming_fte": "FTE moving in",
    "capacity_fte": "Capacity (FTE)",
    "capacity_source": "Capacity source",
    "utilisation": "Utilisation (share)",
    "can_host": "Can host other teams",
    "receives_teams": "Receives teams",
    # cash flow (costs positive, subtracted in the net)
    "year": "Plan year",
    "starts": "Year starts",
    "running_cost_avoided": "Running cost avoided (£)",
    "carbon_value": "Carbon value (£)",
    "receipts": "Receipts (£)",
    "backlog_avoided": "Backlog avoided (£)",
    "lease_exit_fees": "Lease exit fees (cost, £)",
    "dilapidations": "Dilapidations (cost, £)",
    "running_after_exit": "Running after exit (cost, £)",
    "relocation": "Relocation (cost, £)",
    "fitout": "Fit-out (cost, £)",
    "hosting": "Hosting (cost, £)",
    "net": "Net (£)",
    "discount_factor": "Discount factor",
    "discounted": "Discounted net (£)",
    "cumulative_net": "Cumulative net (£)",
    "cumulative_discounted": "Cumulative discounted net (£)",
    # access
    "label": "Service name",
    "measure": "Measured as",
    "threshold": "Within",
    "unit": "Unit",
    "standard_share": "Standard (share)",
    "required_share": "Required of this plan (share)",
    "share_before": "Before (share)",
    "share_after": "After (share)",
    "meets_standard": "Meets the standard",
    "residents_counted": "Residents counted",
}
"""Headings in words, with units, for the plan's tables in a workbook (:meth:`Plan.sheets`)."""

DECISIONS = ("keep as hub", "keep", "dispose")


@dataclass(frozen=True)
class Plan:
    """One optimised plan, or the diagnosis of why there is none.

    Attributes
    ----------
    status
        ``optimal``, ``feasible`` (stopped by the time limit: see ``gap``), ``infeasible``
        or ``no plan found``.
    objective
        The objective's name (``npv``, ``fewest_sites``, ...).
    objective_value
        Its value: NPV in GBP, number of holdings kept, mean covered share, or FTE x km.
    gap, bound
        Relative gap and best bound proven by the solver (``None`` where unknown).
    solve_seconds, build_seconds
        Time in the solver, and time preparing data and building the model.
    decisions
        Every holding with ``decision`` (keep as hub, keep, dispose) and its point.
    disposals, moves, hubs
        :data:`DISPOSAL_COLUMNS`, :data:`MOVE_COLUMNS`, :data:`HUB_COLUMNS`, with geometry.
    assignments
        Every team's holding after the plan: ``team_id``, ``holding_id``, ``moved``.
    cashflow
        Cash per plan year by category, net, discounted and cumulative.
    access
        :data:`ACCESS_COLUMNS` per service with a standard.
    summary
        Headline figures, per-partner gains and costs, solver details and the run manifest
        (JSON-ready).
    diagnosis
        Why no plan exists (``infeasible`` only).
    notes
        How missing data and settings were read.

    """

    status: str
    objective: str
    objective_value: float | None
    gap: float | None
    bound: float | None
    solve_seconds: float
    build_seconds: float
    decisions: gpd.GeoDataFrame
    disposals: gpd.GeoDataFrame
    moves: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame
    assignments: pd.DataFrame
    cashflow: pd.DataFrame
    access: pd.DataFrame
    summary: dict[str, Any]
    diagnosis: Any = None
    notes: tuple[str, ...] = ()
    scenario: Any = field(default=None, compare=False)

    @property
    def has_plan(self) -> bool:
        """True when the plan has decisions to show (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The plan's tables for a workbook: headings in words with their units, no geometry.

        Costs in the cash flow are positive and marked "(cost, £)": ``Net`` is the gains less them.
        """
        return {
            sheet: frame.drop(columns="geometry", errors="ignore").rename(columns=HEADINGS)
            for sheet, frame in (
                ("Disposals", self.disposals),
                ("Moves", self.moves),
                ("Hubs", self.hubs),
                ("Cash flow", self.cashflow),
                ("Access", self.access),
            )
        }

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The plan's map layers for a GeoPackage (QGIS), as the command line and the Export page write them.

        Holdings by decision, disposals, hubs and moves (lines from -> to) where they have
        a location, and the holdings' outlines as polygons; empty layers are left out.
        """
        from estate.export import outline_layer

        def located(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
            return frame[frame.geometry.notna()].drop(columns="outline_wkt", errors="ignore")

        layers = {
            "holdings": located(self.decisions),
            "disposals": located(self.disposals),
            "hubs": located(self.hubs),
            "moves": located(self.moves),
            "holding_outlines": outline_layer(self.decisions),
        }
        return {name: layer for name, layer in layers.items() if len(layer)}

    def describe(self) -> str:
        """A few lines for a terminal or a page header."""
        if not self.has_plan:
            text = f"No plan: {self.status}."
            if self.status == "no plan found":
                text = (
                    f"No plan found within the time limit ({self.solve_seconds:.0f} s solving); the scenario is not "
                    "proven impossible. Give the solver more time."
                )
            if self.diagnosis is not None:
                text += "\n" + str(self.diagnosis)
            return text
        s = self.summary
        gap = ""
        if self.gap is not None and self.status == "feasible":
            gap = f", within {self.gap:.2%} of the best possible, stopped by the {s.get('stopped', 'limit')}"
            if self.bound is not None:
                gap += f" (best possible {bound_words(self.objective, self.bound)})"
        lines = [
            f"Plan ({self.objective}, {self.status}{gap}, {self.solve_seconds:.1f} s solving): "
            f"{s['holdings_before']} holdings -> {s['holdings_after']} kept, {len(self.disposals)} disposals, "
            f"{len(self.moves)} team moves ({s['fte_moved']:,.0f} FTE).",
            f"NPV GBP {s['npv_gbp']:,.0f} over {s['horizon_years']} years; revenue saving GBP "
            f"{s['revenue_savings_gbp_per_year']:,.0f} a year; receipts GBP {s['capital_receipts_gbp']:,.0f}; "
            f"one-off costs GBP {s['one_off_costs_gbp']['total']:,.0f}; payback {payback_words(s)}"
            + f"; carbon saved {s['carbon_saved_tco2e_per_year']:,.0f} tCO2e a year.",
        ]
        if "land_released_ha" in s:
            lines.append(land_words(s))
        return "\n".join(lines)


def bound_words(objective: str, bound: float) -> str:
    """The best possible value of an objective's own measure, in its units.

    ``fewest_sites`` counts holdings less an NPV tie-break worth under one holding, hence
    its tenth.
    """
    if objective == "npv":
        return f"GBP {bound:,.0f}"
    if objective == "fewest_sites":
        return f"about {bound:,.1f} holdings kept"
    if objective == "max_coverage":
        return f"{bound:.1%} of residents within the standards, averaged over services"
    if objective == "least_travel":
        return f"{bound:,.0f} FTE x km moved"
    return f"{bound:,.6g}"


def _budget_note(scenario: Any, summary: dict[str, Any]) -> list[str]:
    """What the up-front budget allowed: a plan that spends little of a small budget may be held back by it."""
    budget = scenario.budget_gbp
    if budget is None:
        return []
    spent = summary["one_off_costs_gbp"]["total"]
    return [
        f"The up-front budget caps one-off costs at GBP {budget:,.0f}; this plan spends GBP {spent:,.0f}. Where "
        "each further disposal or move would cost more than is left, a larger budget may allow more."
    ]


def payback_words(summary: dict[str, Any], *, short: bool = False) -> str:
    """When the plan pays back, in words.

    "year 3 (by 2028-04-01)", "beyond the horizon", or "nothing to pay back" when the plan
    spends nothing up front and no year's cash is negative. ``short``, for a figure on a
    page: "year 3", "> 10 years" or "none".
    """
    s = summary
    if not s["payback_year"]:
        return f"> {s['horizon_years']} years" if short else "beyond the horizon"
    if s["payback_year"] == 1 and not s["one_off_costs_gbp"]["total"]:
        return "none" if short else "nothing to pay back (no one-off costs)"
    if short:
        return f"year {s['payback_year']}"
    return f"year {s['payback_year']}" + (f" (by {s['payback_by_date']})" if s.get("payback_by_date") else "")


def land_words(summary: dict[str, Any]) -> str:
    """Land released and the homes it could hold, in a sentence that says what is modelled or unknown."""
    s = summary
    if not s["land_released_sites"]:
        return "Land released: none (no freehold is sold)."
    text = (
        f"Land released: {s['land_released_ha']:,.1f} ha from {s['land_released_sites']} freehold sale(s), "
        f"room for about {s['homes_indicative']:,.0f} homes at {s['homes_per_hectare']:g} a hectare (indicative)"
    )
    caveats = land_caveats(s)
    return text + (f"; {'; '.join(caveats)}." if caveats else ".")


def land_caveats(summary: dict[str, Any]) -> list[str]:
    """What the land released leaves to models or leaves out: site areas modelled, sales with none."""
    caveats = []
    if summary.get("land_released_area_modelled"):
        caveats.append(f"{summary['land_released_area_modelled']} site area(s) modelled")
    if summary.get("land_released_area_unknown"):
        caveats.append(f"{summary['land_released_area_unknown']} sale(s) with no site area, not counted")
    return caveats


# --- extraction ----------------------------------------------------------------------------


def extract_plan(
    built: PlanModel,
    result: SolveResult,
    holdings: gpd.GeoDataFrame,
    *,
    build_seconds: float,
    versions: dict[str, str] | None = None,
    access: Any = None,
) -> Plan:
    """Read a solved model into a :class:`Plan` (only for ``optimal`` and ``feasible``).

    ``access`` (the :class:`optimiser.inputs.AccessInputs` the model was built with) gives
    the plan's access table, before and after.
    """
    if not result.solved:
        raise ValueError(f"there is no solution to read (status {result.status})")
    data = built.data
    model = built.model
    x = np.round(result.x, 6)
    h = data.holdings
    retained = model.values(x, "retain") > 0.5
    exits = data.exits.assign(chosen=model.values(x, "exit").to_numpy() > 0.5)
    chosen = exits[exits["chosen"]].set_index("holding_id")
    assign = model.values(x, "assign") > 0.5
    pairs = built.pairs.assign(chosen=assign.to_numpy())
    placed = pairs[pairs["chosen"]].drop_duplicates("team_id").set_index("team_id")
    teams = data.teams.assign(
        to=placed["holding_id"].reindex(data.teams.index).to_numpy(dtype=object),
        km=placed["km"].reindex(data.teams.index).to_numpy(float),
        stay=placed["stay"].reindex(data.teams.index).to_numpy(dtype=bool),
    )
    points = _points(holdings)
    sources = _sources(holdings, h.index)
    moves = _moves(teams, h, placed, points)
    hubs = _hubs(teams, h, retained, data, points, sources)
    register = _register_lines(holdings, h.index)
    disposals = _disposals(h, chosen, teams, retained, points, sources, register, _checks(holdings, h))
    decisions = _decisions(h, retained, hubs, points)
    cashflow = _cashflow(data, chosen, placed)
    access_table = _access(data, holdings, access, retained, teams)
    npv = float(cashflow["discounted"].sum())
    primary = float(built.primary @ x)  # the rounded plan (3 sites, not 2.9999999999999982); 0 travel is 0
    objective_value = npv if data.scenario.objective == "npv" else primary
    summary = _summary(
        data, result, retained, disposals, moves, cashflow, access_table, teams, chosen, placed, build_seconds
    )
    summary["objective_value"] = objective_value
    summary["modelled"] = _modelled(disposals, hubs)
    summary["manifest"] = run_manifest(data, versions)
    assignments = pd.DataFrame(
        {"team_id": teams.index, "holding_id": teams["to"].to_numpy(), "moved": ~teams["stay"].to_numpy(bool)}
    )
    notes = (*data.notes, *_budget_note(data.scenario, summary))
    summary["notes"] = list(notes)
    return Plan(
        status=result.status,
        objective=data.scenario.objective,
        objective_value=objective_value,
        gap=result.gap,
        bound=result.bound * built.objective_scale if result.bound is not None else None,
        solve_seconds=result.seconds,
        build_seconds=build_seconds,
        decisions=decisions,
        disposals=disposals,
        moves=moves,
        hubs=hubs,
        assignments=assignments,
        cashflow=cashflow,
        access=access_table,
        summary=summary,
        notes=notes,
        scenario=data.scenario,
    )


def empty_plan(
    status: str,
    objective: str,
    *,
    solve_seconds: float = 0.0,
    build_seconds: float = 0.0,
    diagnosis: Any = None,
    summary: dict[str, Any] | None = None,
    notes: tuple[str, ...] = (),
    scenario: Any = None,
) -> Plan:
    """A plan with no decisions (infeasible, or stopped before any plan was found)."""
    return Plan(
        status=status,
        objective=objective,
        objective_value=None,
        gap=None,
        bound=None,
        solve_seconds=solve_seconds,
        build_seconds=build_seconds,
        decisions=_geo(pd.DataFrame(columns=["holding_id", "name", "partner", "decision"])),
        disposals=_geo(pd.DataFrame(columns=list(DISPOSAL_COLUMNS))),
        moves=_geo(pd.DataFrame(columns=list(MOVE_COLUMNS))),
        hubs=_geo(pd.DataFrame(columns=list(HUB_COLUMNS))),
        assignments=pd.DataFrame(columns=["team_id", "holding_id", "moved"]),
        cashflow=pd.DataFrame(columns=["year", *CASHFLOW_COLUMNS, "net", "discounted"]),
        access=pd.DataFrame(columns=list(ACCESS_COLUMNS)),
        summary=summary or {"status": status, "objective": objective},
        diagnosis=diagnosis,
        notes=notes,
        scenario=scenario,
    )


def _geo(frame: pd.DataFrame, geometry: list | None = None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=geometry if geometry is not None else [None] * len(frame), crs=CRS)


def _points(holdings: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Each holding's point (a polygon's representative point), by holding id; None without one."""
    ids = holdings["holding_id"].astype(str).to_numpy()
    geometry = holdings.geometry if isinstance(holdings, gpd.GeoDataFrame) else gpd.GeoSeries(holdings["geometry"])
    geometry = gpd.GeoSeries(geometry.to_numpy(), index=ids)
    missing = geometry.isna().to_numpy() | geometry.is_empty.to_numpy()
    reps = geometry.representative_point().to_numpy()
    reps[missing] = None
    return gpd.GeoSeries(reps, index=ids)


def _at(points: gpd.GeoSeries, ids: pd.Series | pd.Index) -> np.ndarray:
    """The points of these holding ids (None where a holding has none)."""
    return points.reindex(ids).to_numpy()


def _moves(teams: pd.DataFrame, h: pd.DataFrame, placed: pd.DataFrame, points: gpd.GeoSeries) -> gpd.GeoDataFrame:
    moved = teams[~teams["stay"].to_numpy(bool)]
    rows = pd.DataFrame(
        {
            "team_id": moved.index,
            "partner": moved["partner"].to_numpy(),
            "service": moved["service"].to_numpy(),
            "fte": moved["fte"].to_numpy(float),
            "from_holding_id": moved["home"].to_numpy(),
            "from_name": h["name"].reindex(moved["home"]).to_numpy(),
            "to_holding_id": moved["to"].to_numpy(),
            "to_name": h["name"].reindex(moved["to"]).to_numpy(),
            "distance_km": moved["km"].to_numpy(float),
            "one_off_cost_gbp": placed["one_off"].reindex(moved.index).to_numpy(float),
            "hosting_cost_gbp_per_year": placed["hosting_per_year"].reindex(moved.index).to_numpy(float),
            "npv_gbp": -placed["npv_cost"].reindex(moved.index).to_numpy(float),
        }
    )
    rows = rows.sort_values(["from_holding_id", "team_id"]).reset_index(drop=True)
    ends = [_at(points, rows[end]) for end in ("from_holding_id", "to_holding_id")]
    xy = np.stack([np.c_[shapely.get_x(p), shapely.get_y(p)] for p in ends], axis=1)  # moves x 2 ends x 2
    drawn = ~np.isnan(xy).any(axis=(1, 2))
    lines = np.full(len(rows), None, dtype=object)
    if drawn.any():
        lines[drawn] = shapely.linestrings(xy[drawn])
    return _geo(rows, lines)


def _services_after(teams: pd.DataFrame, h: pd.DataFrame, retained: pd.Series) -> dict[str, set[str]]:
    """Services each kept holding offers after the plan: its building's own plus those its teams deliver.

    A delivered service moves with its team.
    """
    delivers = teams["delivers"].to_numpy(dtype=object)
    delivered_at_home: dict[str, set[str]] = {}
    for home, services in zip(teams["home"].to_numpy(dtype=object), delivers, strict=True):
        delivered_at_home.setdefault(home, set()).update(services)
    kept = h.index[retained.reindex(h.index).to_numpy(bool)]
    out = {
        hid: set(services) - delivered_at_home.get(hid, set())
        for hid, services in zip(kept, h.loc[kept, "building_services"], strict=True)
    }
    for host, services in zip(teams["to"].to_numpy(dtype=object), delivers, strict=True):
        if host in out:
            out[host].update(services)
    return out


def _hubs(
    teams: pd.DataFrame,
    h: pd.DataFrame,
    retained: pd.Series,
    data: Any,
    points: gpd.GeoSeries,
    sources: pd.DataFrame,
) -> gpd.GeoDataFrame:
    services = _services_after(teams, h, retained)
    public = set(data.services["service"]) if len(data.services) else None
    host = h.index.get_indexer(teams["to"])  # -1: a team with no place (never in a solved plan)
    placed = host >= 0
    host, fte, stay = host[placed], teams["fte"].to_numpy(float)[placed], teams["stay"].to_numpy(bool)[placed]
    partners: dict[int, set[str]] = {}
    for at, partner in zip(host, teams["partner"].to_numpy(dtype=object)[placed], strict=True):
        partners.setdefault(at, set()).add(partner)
    listed = list(services)  # every kept holding
    at = h.index.get_indexer(listed)
    frame = pd.DataFrame(
        {
            "holding_id": listed,
            "teams": np.bincount(host, minlength=len(h))[at].astype(int),
            "fte": np.bincount(host, weights=fte, minlength=len(h))[at],
            "incoming_fte": np.bincount(host, weights=np.where(stay, 0.0, fte), minlength=len(h))[at],
            "partners_hosted": ["; ".join(sorted(partners.get(i, ()))) for i in at],
        }
    )
    for column in ("name", "partner", "use_class"):
        frame[column] = h[column].to_numpy()[at]
    frame["services"] = [
        ";".join(
            sorted(services[hid] & public) if public is not None and services[hid] & public else sorted(services[hid])
        )
        for hid in listed
    ]
    frame["capacity_fte"] = h["capacity_fte"].to_numpy(float)[at]
    frame["capacity_source"] = sources["capacity_source"].to_numpy()[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["utilisation"] = np.where(frame["capacity_fte"] > 0, frame["fte"] / frame["capacity_fte"], np.nan)
    frame["can_host"] = h["can_host"].to_numpy(bool)[at]
    frame["receives_teams"] = frame["incoming_fte"] > 0
    frame = (
        frame[list(HUB_COLUMNS)].sort_values(["receives_teams", "fte"], ascending=[False, False]).reset_index(drop=True)
    )
    return _geo(frame, _at(points, frame["holding_id"]))


_OPTION_TEXT = {
    "sale": "freehold sale",
    "vacate": "vacated (tenure unknown, no receipt counted)",
    "break": "lease ended at its break",
    "expiry": "lease ended at expiry",
    "early": "lease surrendered early for a fee",
}


SOURCED: dict[str, str] = {
    "use_class_source": "use_class_source",
    "receipt_source": "market_value_gbp_source",
    "running_cost_source": "running_cost_gbp_source",
    "carbon_source": "tco2e_source",
    "gia_source": "gia_m2_source",
    "capacity_source": "workstations_source",
    "land_area_source": "land_area_ha_source",
}
"""Source columns of the plan's tables -> the holdings' provenance column they copy."""


def _sources(holdings: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Where each holding's money, carbon, area and capacity come from, by ``holding_id``.

    Holdings passed without provenance columns (not through the loader) count as supplied.
    """
    frame = pd.DataFrame(holdings).set_index(holdings["holding_id"].astype(str))
    out = pd.DataFrame(index=ids)
    for column, provenance in SOURCED.items():
        given = frame[provenance] if provenance in frame else pd.Series("supplied", index=frame.index)
        out[column] = given.reindex(ids).fillna("supplied").astype(str).to_numpy()
    return out


def _register_lines(holdings: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Each holding's own register id, file and row, by ``holding_id`` (blank where not loaded from one)."""
    frame = pd.DataFrame(holdings).set_index(holdings["holding_id"].astype(str))
    dtypes = {"register_id": "string", "source_file": "string", "source_row": "Int64"}
    return frame.reindex(index=ids, columns=list(dtypes)).astype(dtypes)


def _modelled(disposals: pd.DataFrame, hubs: pd.DataFrame) -> dict[str, Any]:
    """How many of the plan's figures are modelled, not supplied: a line of words and the counts."""
    counts = {
        "receipts": (disposals["receipt_source"] == "modelled", disposals["expected_receipt_gbp"] > 0),
        "running_costs": (disposals["running_cost_source"] == "modelled", pd.Series(True, index=disposals.index)),
        "carbon": (disposals["carbon_source"] == "modelled", pd.Series(True, index=disposals.index)),
        "floor_areas": (disposals["gia_source"] == "modelled", pd.Series(True, index=disposals.index)),
        "site_areas": (disposals["land_area_source"] == "modelled", disposals["exit_option"] == "sale"),
        "hub_capacity": (hubs["capacity_source"] == "modelled", pd.Series(True, index=hubs.index)),
    }
    out: dict[str, Any] = {}
    words = []
    for name, (modelled, counted) in counts.items():
        n, of = int((modelled & counted).sum()), int(counted.sum())
        out[name] = {"modelled": n, "of": of}
        if n:
            label = {"hub_capacity": "capacities of hubs", "site_areas": "site areas of sales"}.get(
                name, name.replace("_", " ") + " of disposals"
            )
            words.append(f"{label}: {n:,} of {of:,}")
    out["words"] = (
        "Modelled from benchmark assumptions, not supplied by registers: " + "; ".join(words) + "."
        if words
        else "Every figure of the plan's holdings was supplied."
    )
    return out


def _checks(holdings: pd.DataFrame, h: pd.DataFrame) -> pd.Series:
    """What to check about each holding before acting on it, by ``holding_id`` ("" when nothing)."""
    notes: dict[str, list[str]] = {hid: [] for hid in h.index}
    if "in_boundary" in holdings.columns:
        inside = holdings["in_boundary"].astype("boolean")
        for hid in holdings.loc[inside.eq(False).fillna(False).to_numpy(bool), "holding_id"].astype(str):
            notes[hid].append("outside the place's boundary")
    uprn = h["uprn"].astype(str).str.strip()
    shared = uprn[(uprn != "") & uprn.duplicated(keep=False)]
    for _, group in shared.groupby(shared):
        for hid in group.index:
            others = [f"{other} ({h.at[other, 'name']})" for other in group.index if other != hid]
            notes[hid].append(f"UPRN {group.iloc[0]} also on " + ", ".join(others))
    return pd.Series({hid: "; ".join(n) for hid, n in notes.items()}, dtype=object)


def _disposals(
    h: pd.DataFrame,
    chosen: pd.DataFrame,
    teams: pd.DataFrame,
    retained: pd.Series,
    points: gpd.GeoSeries,
    sources: pd.DataFrame,
    register: pd.DataFrame,
    checks: pd.Series,
) -> gpd.GeoDataFrame:
    gone = ~retained.reindex(h.index).to_numpy(bool)
    disposed = h.index[gone]
    option = chosen.reindex(disposed)
    home = h.index.get_indexer(teams["home"])
    to = h.index.get_indexer(teams["to"])
    names = np.append(h["name"].to_numpy(dtype=object), "?")  # position -1: no host
    leaving = np.flatnonzero(gone[home])
    n = np.bincount(home[leaving], minlength=len(h))
    fte = np.bincount(home[leaving], weights=teams["fte"].to_numpy(float)[leaving], minlength=len(h))
    hosts: dict[int, set[str]] = {}
    for at, host in zip(home[leaving], names[to[leaving]], strict=True):
        hosts.setdefault(at, set()).add(str(host))
    why = [
        f"{n[at]} team(s), {fte[at]:,.0f} FTE, move to {'; '.join(sorted(hosts[at]))}"
        if n[at]
        else "no team is housed here"
        for at in np.flatnonzero(gone)
    ]
    kind = option["option"].fillna("").to_numpy(dtype=object)
    frame = pd.DataFrame(
        {
            "holding_id": disposed,
            "uprn": h.loc[disposed, "uprn"].to_numpy(),
            "partner": h.loc[disposed, "partner"].to_numpy(),
            "name": h.loc[disposed, "name"].to_numpy(),
            "address": h.loc[disposed, "address"].to_numpy(),
            "use_class": h.loc[disposed, "use_class"].to_numpy(),
            "tenure": h.loc[disposed, "tenure"].to_numpy(),
            "exit_option": kind,
            "earliest_exit_date": option["exit_date"].to_numpy(dtype=object),
            "expected_receipt_gbp": option["receipt_net"].fillna(0.0).to_numpy(float),
            "running_cost_avoided_gbp_per_year": h.loc[disposed, "running_cost"].to_numpy(float),
            "one_off_costs_gbp": option["one_off"].fillna(0.0).to_numpy(float),
            "npv_gbp": option["npv"].fillna(0.0).to_numpy(float),
            "carbon_saved_tco2e_per_year": h.loc[disposed, "tco2e"].to_numpy(float),
            "gia_m2": h.loc[disposed, "gia"].to_numpy(float),
            "land_area_ha": h.loc[disposed, "land_ha"].to_numpy(float),
            "reason": [f"{_OPTION_TEXT.get(k, k or 'exit')}; {w}" for k, w in zip(kind, why, strict=True)],
            "check": checks.reindex(disposed).fillna("").to_numpy(dtype=object),
            **{column: sources.loc[disposed, column].to_numpy() for column in SOURCED if column in DISPOSAL_COLUMNS},
            **{column: register.loc[disposed, column].to_numpy() for column in register.columns},
        },
        columns=list(DISPOSAL_COLUMNS),
    )
    frame.loc[frame["land_area_ha"].isna(), "land_area_source"] = "unknown"
    frame = frame.sort_values(["partner", "npv_gbp"], ascending=[True, False]).reset_index(drop=True)
    return _geo(frame, _at(points, frame["holding_id"]))


def _decisions(h: pd.DataFrame, retained: pd.Series, hubs: pd.DataFrame, points: gpd.GeoSeries) -> gpd.GeoDataFrame:
    receiving = set(hubs.loc[hubs["receives_teams"].astype(bool), "holding_id"])
    kept = retained.reindex(h.index).to_numpy(bool)
    decision = np.where(kept, np.where(h.index.isin(list(receiving)), "keep as hub", "keep"), "dispose")
    frame = pd.DataFrame(
        {
            "holding_id": h.index,
            "name": h["name"].to_numpy(),
            "partner": h["partner"].to_numpy(),
            "use_class": h["use_class"].to_numpy(),
            "tenure": h["tenure"].to_numpy(),
            "locked": h["lock"].to_numpy(),
            "decision": decision,
            "outline_wkt": h["outline_wkt"].to_numpy() if "outline_wkt" in h else "",
        }
    )
    return _geo(frame, _at(points, frame["holding_id"]))


def _cashflow(data: Any, chosen: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    s = data.scenario
    horizon = s.horizon_years
    totals = exits_cashflow(chosen, horizon)
    moved = placed[~placed["stay"].to_numpy(bool)]
    totals["relocation"][0] += float(moved["relocation"].sum())
    totals["fitout"][0] += float(moved["fitout"].sum())
    totals["hosting"] += float(moved["hosting_per_year"].sum())
    frame = pd.DataFrame(totals)
    frame.insert(0, "year", np.arange(1, horizon + 1))
    # plan year y runs from the start's (y-1)-th anniversary, as the exits' years do (optimiser.finance)
    frame.insert(1, "starts", [anniversary(data.start, y) for y in range(horizon)])
    gains = frame[[c for c in CASHFLOW_COLUMNS if c not in COST_CATEGORIES]].sum(axis=1)
    costs = frame[list(COST_CATEGORIES)].sum(axis=1)
    frame["net"] = gains - costs
    frame["discount_factor"] = discount_factors(s)
    frame["discounted"] = frame["net"] * frame["discount_factor"]
    frame["cumulative_net"] = frame["net"].cumsum()
    frame["cumulative_discounted"] = frame["discounted"].cumsum()
    return frame


def _access(
    data: Any, holdings: gpd.GeoDataFrame, access: Any, retained: pd.Series, teams: pd.DataFrame
) -> pd.DataFrame:
    """Share of residents within each standard, before and after the plan.

    Both are measured by :func:`estate.access.access_report`, the call behind the Place
    page and ``estate access``: on today's holdings, and on the holdings the plan keeps
    with the services they offer after the moves (:func:`_services_after`), each service
    in the measure and threshold the model used for it. So the plan's "before" is the
    baseline the Place page shows.
    """
    if access is None or not len(data.services):
        return pd.DataFrame(columns=list(ACCESS_COLUMNS))
    standards = standards_as_measured(access.standards, data.services)
    if access.unit == "km":
        table = {"costs": access.costs, "circuity": float(access.costs.attrs.get("circuity") or 1.0)}
    else:
        # a matrix, with straight lines for the standards it cannot measure (as the model did)
        table = {"matrix": access.costs}
        if access.straight_line is not None:
            table |= {
                "costs": access.straight_line,
                "circuity": float(access.straight_line.attrs.get("circuity") or 1.0),
            }
    offered = _services_after(teams, data.holdings, retained)
    ids = holdings["holding_id"].astype(str)
    kept = holdings[ids.isin(list(offered)).to_numpy()].copy()
    kept["services"] = [";".join(sorted(offered[i])) for i in kept["holding_id"].astype(str)]
    before = access_report(access.zones, holdings, standards, **table, untimed_by_straight_line=False)
    after = access_report(access.zones, kept, standards, **table, untimed_by_straight_line=False)
    before = before.by_service.set_index("service")
    after = after.by_service.set_index("service")["share"]
    services = data.services.set_index("service")
    return pd.DataFrame(
        {
            "service": services.index,
            "label": services["label"].to_numpy(),
            "measure": before["measure"].reindex(services.index).to_numpy(dtype=object),
            "threshold": services["threshold"].to_numpy(float),
            "unit": services["unit"].to_numpy(dtype=object),
            "standard_share": services["share"].to_numpy(float),
            "required_share": services["required_share"].to_numpy(float),
            "share_before": before["share"].reindex(services.index).to_numpy(float),
            "share_after": after.reindex(services.index).to_numpy(float),
            "meets_standard": after.reindex(services.index).to_numpy(float) >= services["share"].to_numpy(float) - 1e-9,
            "residents_counted": services["population"].map(lambda p: POPULATION_WORDS.get(p, p)).to_numpy(),
        },
        columns=list(ACCESS_COLUMNS),
    )


def standards_as_measured(standards: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """The standards a plan was held to, each in the unit and threshold its model measured it in.

    ``measured`` has ``service``, ``unit`` and ``threshold`` (the model's services, or a
    plan's access table). With a travel-time matrix a standard may have been measured in
    minutes or in straight-line km; scored the same way, a plan's access after is never
    in another measure than before. Standards not in ``measured`` are left out.
    """
    model = measured.set_index("service")
    out = standards[standards["service"].isin(model.index)].copy()
    out["unit"] = model["unit"].reindex(out["service"]).to_numpy(dtype=object)
    out["threshold"] = model["threshold"].reindex(out["service"]).to_numpy(float)
    out["threshold_minutes"] = np.nan
    return out


def _summary(
    data: Any,
    result: SolveResult,
    retained: pd.Series,
    disposals: pd.DataFrame,
    moves: pd.DataFrame,
    cashflow: pd.DataFrame,
    access: pd.DataFrame,
    teams: pd.DataFrame,
    chosen: pd.DataFrame,
    placed: pd.DataFrame,
    build_seconds: float,
) -> dict[str, Any]:
    s = data.scenario
    h = data.holdings
    kept = retained.reindex(h.index).to_numpy(bool)
    hosting = float(moves["hosting_cost_gbp_per_year"].sum()) if len(moves) else 0.0
    running = float(disposals["running_cost_avoided_gbp_per_year"].sum()) if len(disposals) else 0.0
    carbon = float(disposals["carbon_saved_tco2e_per_year"].sum()) if len(disposals) else 0.0
    one_off = {name: float(cashflow[name].sum()) for name in COST_CATEGORIES if name != "hosting"}
    one_off["total"] = float(sum(one_off.values()))
    payback = payback_year(cashflow["net"].to_numpy())
    return {
        "objective": s.objective,
        "status": result.status,
        "gap": result.gap,
        "bound": result.bound * (MILLION if s.objective == "npv" else 1.0) if result.bound is not None else None,
        "solver": result.solver,
        "solver_status": result.detail,
        "stopped": result.stopped,
        "solve_seconds": round(result.seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "start_date": data.start.isoformat(),
        "horizon_years": s.horizon_years,
        "discount_rate": s.discount_rate,
        "holdings_before": len(h),
        "holdings_after": int(kept.sum()),
        "hubs_after": int((kept & h["can_host"].to_numpy(bool)).sum()),  # kept and able to host
        "hubs_receiving_teams": int((moves["to_holding_id"].nunique()) if len(moves) else 0),
        "gia_m2_before": float(h["gia"].sum()),
        "gia_m2_after": float(h.loc[kept, "gia"].sum()),
        "teams_moved": len(moves),
        "fte_moved": float(moves["fte"].sum()) if len(moves) else 0.0,
        "running_cost_avoided_gbp_per_year": running,
        "hosting_cost_gbp_per_year": hosting,
        "revenue_savings_gbp_per_year": running - hosting,
        "revenue_savings_over_horizon_gbp": float(
            (cashflow["running_cost_avoided"] + cashflow["carbon_value"] - cashflow["hosting"]).sum()
        ),
        "capital_receipts_gbp": float(cashflow["receipts"].sum()),
        "backlog_avoided_gbp": float(cashflow["backlog_avoided"].sum()),
        "one_off_costs_gbp": one_off,
        "npv_gbp": float(cashflow["discounted"].sum()),
        "payback_year": payback,
        # the end of the payback year: its cumulative net cash is no longer negative from then on
        "payback_by_date": anniversary(data.start, payback).isoformat() if payback else None,
        "carbon_saved_tco2e_per_year": carbon,
        "floor_area_released_m2": float(disposals["gia_m2"].sum()) if len(disposals) else 0.0,
        **_land_released(disposals, s.homes_per_hectare),
        "access": access.to_dict(orient="records"),
        "access_measure": data.access_measure,
        "partners": _partners(data, chosen, placed),
        "notes": list(data.notes),
    }


def _land_released(disposals: pd.DataFrame, homes_per_hectare: float) -> dict[str, Any]:
    """Land released in One Public Estate terms: the site area of freehold sales, and the homes it could hold.

    Only a freehold sale releases land; leaving a lease hands a building back to its
    landlord. Sales whose site area neither the register nor a benchmark gives are counted,
    not guessed. The homes are indicative: site area x ``homes_per_hectare`` (a modelled
    density, not a planning judgement on any site).
    """
    sales = disposals[disposals["exit_option"] == "sale"]
    known = sales["land_area_ha"].notna()
    hectares = float(sales.loc[known, "land_area_ha"].sum())
    return {
        "land_released_ha": hectares,
        "land_released_sites": len(sales),
        "land_released_area_unknown": int((~known).sum()),
        "land_released_area_modelled": int((sales["land_area_source"] == "modelled").sum()),
        "homes_per_hectare": homes_per_hectare,
        "homes_indicative": hectares * homes_per_hectare,
    }


def _partners(data: Any, chosen: pd.DataFrame, placed: pd.DataFrame) -> list[dict[str, Any]]:
    h = data.holdings
    partners = sorted(set(h["partner"]) | set(data.teams["partner"]))
    exits = chosen.assign(partner=h["partner"].reindex(chosen.index).to_numpy())
    moved = placed[~placed["stay"].to_numpy(bool)]
    moved = moved.assign(partner=data.teams["partner"].reindex(moved.index).to_numpy())
    annuity = float(discount_factors(data.scenario).sum())
    out = []
    for partner in partners:
        e = exits[exits["partner"] == partner]
        m = moved[moved["partner"] == partner]
        gains = float(e["npv"].sum())
        costs = float(m["npv_cost"].sum())
        out.append(
            {
                "partner": partner,
                "holdings_before": int((h["partner"] == partner).sum()),
                "disposals": len(e),
                "capital_receipts_gbp": float(e["receipt_net"].sum()),
                "running_cost_avoided_gbp_per_year": float(e["saving_per_year"].sum()),
                "exit_costs_gbp": float(e["one_off"].sum()),
                "teams_moved": len(m),
                "move_costs_gbp": float(m["one_off"].sum()),
                "hosting_cost_gbp_per_year": float(m["hosting_per_year"].sum()),
                "hosting_cost_discounted_gbp": float(m["hosting_per_year"].sum()) * annuity,
                "gains_npv_gbp": gains,
                "costs_npv_gbp": costs,
                "npv_gbp": gains - costs,
            }
        )
    return out


# --- run manifest ----------------------------------------------------------------------------


@functools.cache
def package_versions() -> dict[str, str]:
    """Versions of the packages a plan depends on."""
    out = {"python": platform.python_version()}
    for name in ("public-estate-planner", "pulp", "highspy", "numpy", "pandas", "geopandas", "scipy", "shapely"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_manifest(data: Any, versions: dict[str, str] | None = None) -> dict[str, Any]:
    """What a plan was made from: input hashes, every setting, package versions, when."""
    return {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "inputs": dict(data.hashes),
        "scenario": data.scenario.to_dict(),
        "start_date": data.start.isoformat(),
        "versions": dict(versions or package_versions()),
    }


# --- writing ----------------------------------------------------------------------------------


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        value = float(value)
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_refusal(error: ScenarioError, scenario: Any, out_dir: str | Path) -> list[Path]:
    """Write why a scenario was refused before any solve, where its plan would have gone.

    ``summary.json`` has the status ``refused``, the headline and every problem;
    ``problems.csv`` lists them (what, id, problem, action), one a row.

    Returns
    -------
    list of pathlib.Path
        The files written.

    """
    from estate.export import to_csv_bytes

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    problems = out / "problems.csv"
    problems.write_bytes(to_csv_bytes(error.problems))
    summary = {
        "status": "refused",
        "objective": getattr(scenario, "objective", None),
        "refusal": error.headline,
        "problems": error.problems.astype(object).where(error.problems.notna(), None).to_dict(orient="records"),
        "scenario": scenario.to_dict() if hasattr(scenario, "to_dict") else None,
    }
    return [problems, _write_summary(out, summary)]


def _write_summary(out: Path, summary: dict[str, Any]) -> Path:
    path = out / "summary.json"
    path.write_text(json.dumps(_json_ready(summary), indent=2), encoding="utf-8")
    return path


def write_plan(plan: Plan, out_dir: str | Path, *, sources: dict[str, Any] | None = None) -> list[Path]:
    """Write a plan for estates officers and GIS.

    Files: ``disposals.csv``, ``moves.csv``, ``hubs.csv``, ``cashflow.csv``,
    ``access.csv`` (UTF-8 with a byte-order mark, so Excel reads '£' and accents),
    ``plan.xlsx`` (the same tables as a workbook), ``summary.json`` and ``plan.gpkg`` (layers ``holdings``,
    ``disposals``, ``hubs``, ``moves``). Without a plan, ``summary.json`` carries the
    diagnosis and ``diagnosis.csv`` its findings. ``sources`` (the files the plan was made
    from, with their hashes) joins the run manifest in ``summary.json``.

    Returns
    -------
    list of pathlib.Path
        The files written.

    """
    from estate.export import to_csv_bytes, to_excel_bytes, to_geopackage

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    summary = dict(plan.summary)
    summary["status"] = plan.status
    if sources:
        summary["manifest"] = {**summary.get("manifest", {}), "sources": sources}
    if plan.diagnosis is not None:
        summary["diagnosis"] = plan.diagnosis.to_dict()
        path = out / "diagnosis.csv"
        path.write_bytes(to_csv_bytes(plan.diagnosis.findings))
        written.append(path)
    if plan.has_plan:
        for name, table in (
            ("disposals", plan.disposals),
            ("moves", plan.moves),
            ("hubs", plan.hubs),
            ("cashflow", plan.cashflow),
            ("access", plan.access),
        ):
            path = out / f"{name}.csv"
            frame = pd.DataFrame(table).drop(columns="geometry", errors="ignore")
            if name == "cashflow":  # every figure but the year, its start and the factor is in GBP
                frame = frame.rename(
                    columns={c: f"{c}_gbp" for c in frame.columns if c not in ("year", "starts", "discount_factor")}
                )
            path.write_bytes(to_csv_bytes(frame))
            written.append(path)
        # the same tables as a workbook: headings in words, money formatted, and UPRNs as
        # text (Excel shows a 12-digit number from a CSV as 1.00013E+11, and saves it so)
        workbook = out / "plan.xlsx"
        workbook.write_bytes(to_excel_bytes(plan.sheets()))
        written.append(workbook)
        layers = plan.layers()
        if layers:
            written.append(to_geopackage(layers, out / "plan.gpkg"))
    written.append(_write_summary(out, summary))
    return written

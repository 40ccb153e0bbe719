"""Turn holdings, teams and access tables into the plain numbers the model needs.

Everything the optimiser decides about is prepared here once, as tables keyed by domain
ids, and checked before any solve (impossible inputs are refused with the numbers).

Missing values (NA) are read as follows, and each rule is listed in the plan's notes:

- running cost, market value, backlog, carbon, rent, floor area, workstations: 0
  (no saving, receipt or capacity is claimed that the data do not show);
- ``can_host``, ``locked_retain``, ``locked_dispose``: false;
- ``tenure``: ``unknown`` (vacated without a receipt; see :mod:`optimiser.finance`);
- team ``fte``: 0 (the team still needs a home);
- a holding without a location cannot send or receive moving teams, and provides no
  access (it can still be kept or disposed of).

Capacity of a holding, in FTE, is ``workstations / desk_ratio`` where workstations are
known, else ``gia_m2 / space_per_fte_m2``; a holding always has room for the teams it
houses today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from estate._tables import listing
from estate.schema import CRS, PartnerType, UseClass, services_of
from estate.travel import site_site_distances
from optimiser.errors import ScenarioError
from optimiser.finance import exit_options, move_costs
from optimiser.scenario import Scenario

DEFAULT_COMPATIBILITY = Path(__file__).resolve().parent.parent / "data" / "compatibility.csv"
_COMPAT_EXAMPLE = "write a header partner_type,use_class,allowed and a line per pair, e.g. nhs,office,yes"
"""The editable default partner type x use class table."""

_REQUIRED_HOLDING = ("holding_id", "partner", "name", "geometry")
_REQUIRED_TEAM = ("team_id", "holding_id", "partner", "service", "fte")


@dataclass(frozen=True)
class AccessInputs:
    """The access model's tables, passed in as plain values.

    Attributes
    ----------
    zones
        One row per zone: ``zone_id`` and weight columns (``population``, ``aged_16_64``,
        ...); a Point ``geometry`` in EPSG:27700 when available (the checker uses it).
    costs
        Sparse long table ``zone_id``, ``holding_id``, ``cost`` of the pairs within the
        largest threshold (e.g. :func:`estate.travel.zone_site_costs`); ``cost`` is in the
        standards' unit (km unless ``costs.attrs["unit"] == "min"``).
    standards
        ``service``, ``threshold``, ``share``, ``population`` (the weight column), and
        optionally ``label``, ``unit`` and ``threshold_minutes``
        (e.g. :func:`estate.services.load_standards`).
    measure
        What ``cost`` measures, quoted in reports (e.g. "straight-line km").
    straight_line
        With a travel-time matrix as ``costs``: straight-line km costs (same columns, e.g.
        :func:`estate.travel.zone_site_costs` with a circuity), for the standards a matrix
        cannot measure: those given in km only, and those whose providers the matrix gives
        no time to. Without it such standards are refused.

    """

    zones: pd.DataFrame
    costs: pd.DataFrame
    standards: pd.DataFrame
    measure: str = ""
    straight_line: pd.DataFrame | None = None

    @property
    def unit(self) -> str:
        """``"km"`` or ``"min"``: the unit of ``costs``."""
        return str(self.costs.attrs.get("unit", "km"))


@dataclass(frozen=True)
class ModelData:
    """Everything the model is built from, keyed by domain ids.

    Attributes
    ----------
    scenario
        The settings.
    start
        Day 0 of the appraisal.
    holdings
        Indexed by ``holding_id``: ``name``, ``partner``, ``partner_type``, ``use_class``,
        ``tenure``, ``can_host``, ``lock`` (``"retain"``, ``"dispose"`` or ``""``),
        ``capacity_fte``, ``occupancy_fte``, ``running_cost``, ``market_value``, ``gia``,
        ``tco2e``, ``backlog``, ``x``, ``y`` (metres, NaN without a location),
        ``services`` (tuple of the services tied to the building).
    teams
        Indexed by ``team_id``: ``home``, ``partner``, ``partner_type``, ``service``,
        ``fte``, ``delivers`` (tuple of the services it delivers to the public: the one it
        is named after, or every one for a team named after its building's use class,
        where its building offers them today; else empty).
    exits
        Exit options (:data:`optimiser.finance.EXIT_COLUMNS`).
    pairs
        Allowed team -> holding assignments: ``team_id``, ``holding_id``, ``km``,
        ``stay``, ``one_off``, ``hosting_per_year``, ``npv_cost``, ``travel`` (FTE x km).
    services
        Per service with a standard: ``service``, ``label``, ``threshold`` (in ``unit``,
        ``km`` or ``min``), ``measure`` (what its costs measure), ``share``,
        ``population``, ``total_weight``, ``baseline_share``, ``required_share``.
    zone_weights
        ``zone_id``, ``service``, ``weight`` (weight > 0 only).
    providers
        ``holding_id``, ``service``, ``fixed`` (tied to the building, not to a team).
    reach
        ``zone_id``, ``service``, ``holding_id``, ``cost``: potential providers within
        the service's threshold of the zone (``cost`` in the service's unit).
    compatibility
        The partner type x use class table used.
    notes
        How missing data and settings were read, for the plan's notes.
    hashes
        Input hashes for the run manifest.
    access_measure
        What the access costs measure, quoted in reports (each measure used, and for which
        services when there are two).
    costs
        Zone-holding costs (``zone_id``, ``holding_id``, ``cost``, ``unit``) for located
        holdings, used by the diagnosis to say which threshold would do; a service's
        costs are those in its ``unit`` (``services``).

    """

    scenario: Scenario
    start: dt.date
    holdings: pd.DataFrame
    teams: pd.DataFrame
    exits: pd.DataFrame
    pairs: pd.DataFrame
    services: pd.DataFrame
    zone_weights: pd.DataFrame
    providers: pd.DataFrame
    reach: pd.DataFrame
    compatibility: pd.DataFrame
    notes: tuple[str, ...] = ()
    hashes: dict[str, str] = field(default_factory=dict)
    access_measure: str = ""
    costs: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def hubs(self) -> pd.Index:
        """Holdings that can receive other teams."""
        return self.holdings.index[self.holdings["can_host"].to_numpy(bool)]


def load_compatibility(path: str | Path | None = None) -> pd.DataFrame:
    """Read a partner type x use class table (``partner_type``, ``use_class``, ``allowed``).

    Parameters
    ----------
    path
        A CSV; ``None`` reads ``data/compatibility.csv``. ``allowed`` is yes/no (or
        true/false, 1/0); lines starting with ``#`` are comments.

    Returns
    -------
    pandas.DataFrame
        ``partner_type``, ``use_class``, ``allowed`` (bool), ``note``.

    """
    path = Path(path) if path is not None else DEFAULT_COMPATIBILITY
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ScenarioError(f"The compatibility table {path.resolve()} does not exist.") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"The compatibility table {path.name} is not UTF-8 text: save it as CSV UTF-8.") from exc
    except OSError as exc:
        raise ScenarioError(f"The compatibility table {path} cannot be read: {exc.strerror or exc}.") from exc
    # the file's own line numbers, for messages: comments and blank lines are skipped as read_csv skips them
    lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) < 2:
        raise ScenarioError(
            f"The compatibility table {path.name} has no rows.",
            [{"what": "compatibility", "id": path.name, "problem": "no header and rows", "action": _COMPAT_EXAMPLE}],
        )
    table = pd.read_csv(io.StringIO(text), comment="#", dtype=str, keep_default_na=False)
    table.columns = [c.strip().lower() for c in table.columns]
    missing = [c for c in ("partner_type", "use_class", "allowed") if c not in table.columns]
    if missing:
        raise ScenarioError(
            f"The compatibility table {path.name} lacks the column(s) {', '.join(missing)}.",
            [{"what": "compatibility", "id": c, "problem": "column missing", "action": "add it"} for c in missing],
        )
    allowed = table["allowed"].str.strip().str.lower()
    partner = table["partner_type"].str.strip().str.lower()
    use = table["use_class"].str.strip().str.lower()
    line = [lines[i + 1] if i + 1 < len(lines) else i + 2 for i in range(len(table))]
    rows = []

    def bad(i: int, problem: str, action: str) -> None:
        rows.append({"what": "compatibility", "id": f"line {line[i]}", "problem": problem, "action": action})

    partners, uses = [p.value for p in PartnerType], [u.value for u in UseClass]
    for i in range(len(table)):
        if partner.iloc[i] not in partners:
            bad(
                i,
                f"partner type '{table['partner_type'].iloc[i]}' is not one the planner knows",
                f"use one of {', '.join(partners)}",
            )
        if use.iloc[i] not in uses:
            bad(
                i,
                f"use class '{table['use_class'].iloc[i]}' is not one the planner knows",
                f"use one of {', '.join(uses)}",
            )
        if allowed.iloc[i] not in ("yes", "no", "true", "false", "1", "0", "y", "n"):
            bad(i, f"allowed is '{table['allowed'].iloc[i]}'", "write yes or no")
    yes = allowed.isin(["yes", "true", "1", "y"])
    pair = partner + "/" + use
    for key in pair[pair.duplicated(keep=False)].unique():
        at = np.flatnonzero((pair == key).to_numpy())
        if yes.iloc[at].nunique() > 1:
            bad(int(at[-1]), f"{key} is both allowed and not (also line {line[at[0]]})", "keep one line for it")
    if rows:
        raise ScenarioError(f"The compatibility table {path.name} cannot be used.", rows)
    out = pd.DataFrame(
        {
            "partner_type": partner,
            "use_class": use,
            "allowed": yes.to_numpy(),
            "note": table["note"] if "note" in table.columns else "",
        }
    )
    return out


def prepare(
    holdings: gpd.GeoDataFrame,
    teams: pd.DataFrame,
    scenario: Scenario,
    *,
    access: AccessInputs | None = None,
    distances: pd.DataFrame | None = None,
    compatibility: pd.DataFrame | None = None,
) -> ModelData:
    """Check the inputs and compute every parameter of the model.

    Parameters
    ----------
    holdings
        Holdings in the canonical schema (:data:`estate.schema.HOLDING_COLUMNS`), EPSG:27700.
    teams
        Teams (:data:`estate.schema.TEAM_COLUMNS`).
    scenario
        The settings.
    access
        Zones, zone-holding costs and standards; without it no access standard applies.
    distances
        Holding-to-holding distances ``from_id``, ``to_id``, ``km`` to use instead of
        straight lines between the holdings' points.
    compatibility
        A table from :func:`load_compatibility`; by default the scenario's or the
        bundled one.

    Raises
    ------
    ScenarioError
        Listing every problem at once: missing columns, repeated ids, teams in unknown
        holdings, contradictory locks, a geographic CRS, too little capacity, an
        impossible number of hubs.

    """
    s = scenario
    notes: list[str] = []
    if s.p is not None and s.objective not in ("max_coverage", "least_travel"):
        notes.append(
            f"p = {s.p} is not applied: only the max_coverage and least_travel objectives keep p hubs; "
            f"{s.objective} keeps as many as pay. Set max_hubs to cap them."
        )
    problems: list[dict[str, object]] = []
    _check_columns(holdings, teams, problems)
    if problems:
        raise ScenarioError("The holdings or teams cannot be optimised.", problems)
    if compatibility is None:
        compatibility = load_compatibility(s.compatibility)
    h = _prepare_holdings(holdings, s, problems, notes)
    t = _prepare_teams(teams, h, problems, notes)
    if problems:
        raise ScenarioError("The holdings or teams cannot be optimised.", problems)
    h["occupancy_fte"] = t.groupby("home")["fte"].sum().reindex(h.index).fillna(0.0)
    h["capacity_fte"] = np.maximum(h["capacity_fte"].to_numpy(), h["occupancy_fte"].to_numpy())
    start = s.start()
    exits = exit_options(h, s, start)
    pairs = _pairs(h, t, s, distances, compatibility)
    costs = (
        _plain_costs(access, h)
        if access is not None
        else pd.DataFrame(columns=["zone_id", "holding_id", "cost", "unit"])
    )
    services, zone_weights, providers, reach, measure = _access(h, t, pairs, access, costs, s, notes)
    _check_feasibility(h, t, pairs, s, problems, distances, compatibility)
    if problems:
        raise ScenarioError("The scenario cannot be met whatever the plan.", problems)
    hashes = {
        "holdings": _hash_frame(
            pd.DataFrame(holdings.drop(columns=holdings.geometry.name)).assign(wkb=holdings.geometry.to_wkb(hex=True))
        ),
        "teams": _hash_frame(teams),
    }
    if access is not None:
        hashes["zones"] = _hash_frame(pd.DataFrame(access.zones).drop(columns="geometry", errors="ignore"))
        hashes["costs"] = _hash_frame(access.costs)
        if access.straight_line is not None:
            hashes["straight_line_costs"] = _hash_frame(access.straight_line)
        hashes["standards"] = _hash_frame(access.standards)
    hashes["compatibility"] = _hash_frame(compatibility)
    return ModelData(
        scenario=s,
        start=start,
        holdings=h,
        teams=t,
        exits=exits,
        pairs=pairs,
        services=services,
        zone_weights=zone_weights,
        providers=providers,
        reach=reach,
        compatibility=compatibility,
        notes=tuple(notes),
        hashes=hashes,
        access_measure=measure,
        costs=costs,
    )


# --- holdings and teams ----------------------------------------------------------------


def _check_columns(holdings: pd.DataFrame, teams: pd.DataFrame, problems: list[dict[str, object]]) -> None:
    for column in _REQUIRED_HOLDING:
        if column not in holdings.columns:
            problems.append(
                {
                    "what": "holdings",
                    "id": column,
                    "problem": "column missing",
                    "action": "load holdings with estate.place",
                }
            )
    for column in _REQUIRED_TEAM:
        if column not in teams.columns:
            problems.append(
                {"what": "teams", "id": column, "problem": "column missing", "action": "load teams with estate.place"}
            )
    if isinstance(holdings, gpd.GeoDataFrame) and holdings.crs is None:
        problems.append(
            {
                "what": "holdings",
                "id": "geometry",
                "problem": "the points have no coordinate reference system; distances cannot be trusted",
                "action": f"set it (estate.place loads holdings in {CRS})",
            }
        )
    if isinstance(holdings, gpd.GeoDataFrame) and holdings.crs is not None and holdings.crs.is_geographic:
        problems.append(
            {
                "what": "holdings",
                "id": "geometry",
                "problem": f"coordinates are in degrees ({holdings.crs.to_string()}); distances need metres",
                "action": f"reproject to {CRS} (estate.place does this on load)",
            }
        )


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame))
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    return np.nan_to_num(values, nan=0.0)


def _measured(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A figure that may be unknown: NaN where the register (and its benchmarks) give none."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").to_numpy(na_value=np.nan)


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    # a copy: the flags are changed in place below (scenario locks), never the caller's frame
    return frame[column].astype("boolean").fillna(False).to_numpy(dtype=bool, copy=True)


def _text(frame: pd.DataFrame, column: str, default: str = "") -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), default, dtype=object)
    values = frame[column].astype("string").fillna(default).str.strip()
    return values.to_numpy(dtype=object)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=range(len(frame)))
    return pd.to_datetime(frame[column], errors="coerce").reset_index(drop=True)


def _prepare_holdings(
    holdings: gpd.GeoDataFrame, s: Scenario, problems: list[dict[str, object]], notes: list[str]
) -> pd.DataFrame:
    ids = _text(holdings, "holding_id")
    repeated = pd.Series(ids).duplicated(keep=False).to_numpy()
    for hid in sorted(set(ids[repeated])):
        problems.append({"what": "holding", "id": hid, "problem": "holding_id repeated", "action": "make ids unique"})
    for position in np.flatnonzero(ids == ""):
        problems.append(
            {
                "what": "holding",
                "id": f"row {position}",
                "problem": "holding_id missing",
                "action": "give every holding an id",
            }
        )
    x = np.full(len(holdings), np.nan)
    y = np.full(len(holdings), np.nan)
    geometry = holdings.geometry if isinstance(holdings, gpd.GeoDataFrame) else gpd.GeoSeries(holdings["geometry"])
    present = (~geometry.isna() & ~geometry.is_empty).to_numpy()
    points = present & (geometry.geom_type == "Point").to_numpy()
    if (present & ~points).any():
        reps = geometry[present & ~points].representative_point()
        x[present & ~points] = reps.x.to_numpy()
        y[present & ~points] = reps.y.to_numpy()
    if points.any():
        x[points] = geometry[points].x.to_numpy()
        y[points] = geometry[points].y.to_numpy()
    if (~present).any():
        notes.append(
            f"{int((~present).sum())} holding(s) have no location: their teams cannot move and they "
            "provide no access in the model."
        )
    locked_retain = _flag(holdings, "locked_retain")
    locked_dispose = _flag(holdings, "locked_dispose")
    index = pd.Index(ids, name="holding_id")
    unlock = set(s.unlock)
    known = set(ids)
    for listed, collection in (("retain", s.lock_retain), ("dispose", s.lock_dispose), ("unlock", s.unlock)):
        for hid in collection:
            if hid not in known:
                problems.append(
                    {
                        "what": f"scenario lock ({listed})",
                        "id": hid,
                        "problem": "no holding has this id",
                        "action": f"correct the id in the locks' {listed} list (ids as in the validation report)",
                    }
                )
    freed = np.isin(ids, list(unlock))
    locked_retain &= ~freed
    locked_dispose &= ~freed
    locked_retain |= np.isin(ids, list(s.lock_retain))
    locked_dispose |= np.isin(ids, list(s.lock_dispose))
    # a scenario lock wins over the register's opposite lock
    locked_retain &= ~np.isin(ids, list(s.lock_dispose))
    locked_dispose &= ~np.isin(ids, list(s.lock_retain))
    for hid in ids[locked_retain & locked_dispose]:
        problems.append(
            {
                "what": "holding",
                "id": hid,
                "problem": "locked both to be kept and to be disposed of",
                "action": "clear one lock in the register, or list the holding in the scenario's locks",
            }
        )
    lock = np.where(locked_retain, "retain", np.where(locked_dispose, "dispose", ""))
    tenure = np.array([v.lower() if v else "unknown" for v in _text(holdings, "tenure")], dtype=object)
    tenure[~np.isin(tenure, ["freehold", "leasehold"])] = "unknown"
    workstations = _num(holdings, "workstations")
    gia = _num(holdings, "gia_m2")
    capacity = np.where(workstations > 0, workstations / s.desk_ratio, gia / s.space_per_fte_m2)
    running = _num(holdings, "running_cost_gbp")
    rent = _num(holdings, "rent_gbp")
    services = [tuple(services_of(v)) for v in _text(holdings, "services")]
    frame = pd.DataFrame(
        {
            "name": _text(holdings, "name"),
            "partner": _text(holdings, "partner"),
            "partner_type": [v.lower() if v else "other" for v in _text(holdings, "partner_type", "other")],
            "use_class": [v.lower() if v else "other" for v in _text(holdings, "use_class", "other")],
            "uprn": _text(holdings, "uprn"),
            "address": _text(holdings, "address"),
            "tenure": tenure,
            "lease_break": _dates(holdings, "lease_break").to_numpy(),
            "lease_expiry": _dates(holdings, "lease_expiry").to_numpy(),
            "can_host": _flag(holdings, "can_host") & present,
            "lock": lock,
            "capacity_fte": capacity,
            "running_cost": running,
            "rent": rent,
            "market_value": _num(holdings, "market_value_gbp"),
            "backlog": _num(holdings, "backlog_gbp"),
            "gia": gia,
            "land_ha": _measured(holdings, "land_area_ha"),
            "tco2e": _num(holdings, "tco2e"),
            "x": x,
            "y": y,
            "building_services": services,
            "outline_wkt": _text(holdings, "outline_wkt"),
        },
        index=index,
    )
    missing_cost = (
        int(pd.to_numeric(holdings.get("running_cost_gbp"), errors="coerce").isna().sum())
        if ("running_cost_gbp" in holdings.columns)
        else len(holdings)
    )
    if missing_cost:
        notes.append(f"{missing_cost} holding(s) have no running cost: no saving is counted for them.")
    unknown = int((tenure == "unknown").sum())
    if unknown:
        notes.append(f"{unknown} holding(s) have unknown tenure: vacated without a receipt.")
    return frame


def _prepare_teams(
    teams: pd.DataFrame, h: pd.DataFrame, problems: list[dict[str, object]], notes: list[str]
) -> pd.DataFrame:
    ids = _text(teams, "team_id")
    for tid in sorted(set(ids[pd.Series(ids).duplicated(keep=False).to_numpy()])):
        problems.append({"what": "team", "id": tid, "problem": "team_id repeated", "action": "make ids unique"})
    home = _text(teams, "holding_id")
    known = set(h.index)
    unknown = np.array([hid not in known for hid in home], dtype=bool)
    for tid, hid in zip(ids[unknown], home[unknown], strict=True):
        problems.append(
            {
                "what": "team",
                "id": tid,
                "problem": f"its holding '{hid}' is not in the holdings",
                "action": "correct holding_id",
            }
        )
    fte_raw = pd.to_numeric(teams["fte"], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    if np.isnan(fte_raw).any():
        notes.append(f"{int(np.isnan(fte_raw).sum())} team(s) have no FTE: counted as 0 FTE.")
    fte = np.nan_to_num(fte_raw, nan=0.0)
    for tid in ids[fte < 0]:
        problems.append({"what": "team", "id": tid, "problem": "negative FTE", "action": "correct fte"})
    partner = _text(teams, "partner")
    # a partner's type is the type of its holdings (most common), else its team's holding's
    types = h.groupby("partner")["partner_type"].agg(lambda v: v.value_counts().index[0])
    home_type = h["partner_type"].reindex(home).fillna("other").to_numpy(dtype=object)
    partner_type = types.reindex(partner).to_numpy(dtype=object)
    partner_type = np.where(pd.isna(partner_type), home_type, partner_type)
    # a team delivers a service to the public only where its building offers it today: the
    # service it is named after, or, for a team named after its building's use class (the
    # building's own staff, as the loader models them), every service the building offers
    # (a GP surgery's staff deliver "gp"; a team in a former library delivers nothing)
    service = _text(teams, "service")
    offered = h["building_services"].reindex(home).to_numpy(dtype=object)
    use = h["use_class"].reindex(home).to_numpy(dtype=object)
    delivers = [
        (tuple(here) if s == u else ((s,) if s in here else ())) if isinstance(here, tuple) else ()
        for s, u, here in zip(service, use, offered, strict=True)
    ]
    return pd.DataFrame(
        {
            "home": home,
            "partner": partner,
            "partner_type": partner_type,
            "service": service,
            "fte": fte,
            "delivers": delivers,
        },
        index=pd.Index(ids, name="team_id"),
    )


# --- allowed moves ---------------------------------------------------------------------


def _pairs(
    h: pd.DataFrame,
    t: pd.DataFrame,
    s: Scenario,
    distances: pd.DataFrame | None,
    compatibility: pd.DataFrame,
) -> pd.DataFrame:
    """Allowed team -> holding pairs: stay at home, or move to a compatible hub in reach."""
    hubs = np.flatnonzero((h["can_host"] & (h["lock"] != "dispose")).to_numpy())
    home_pos = h.index.get_indexer(t["home"])
    # positions into t and h throughout: every lookup below is over every candidate pair
    if distances is not None:
        team_pos, host_pos, km = _pairs_from_table(h, hubs, home_pos, distances, s.relocation_limit_km)
    else:
        team_pos, host_pos, km = _pairs_from_points(h, hubs, home_pos, s.relocation_limit_km)
    compatible = _compatible(t["partner_type"], h["use_class"], compatibility, team_pos, host_pos)
    # a team can never move into a hub smaller than itself
    fits = h["capacity_fte"].to_numpy(float)[host_pos] >= t["fte"].to_numpy(float)[team_pos] - 1e-9
    keep = compatible & fits
    team_pos, host_pos, km = team_pos[keep], host_pos[keep], km[keep]
    stays = np.flatnonzero((h["lock"].to_numpy(dtype=object)[home_pos] != "dispose") & (home_pos >= 0))
    team_pos = np.r_[stays, team_pos]
    host_pos = np.r_[home_pos[stays], host_pos]
    moving = np.r_[np.zeros(len(stays), dtype=bool), np.ones(len(km), dtype=bool)]
    km = np.r_[np.zeros(len(stays)), km]
    # ordered by team, then holding id: HiGHS's simplex ran three times faster on a p-median
    # in this order than with each team's hosts nearest first
    team_rank = np.argsort(np.argsort(t.index.to_numpy(dtype=str), kind="stable"), kind="stable")
    host_rank = np.argsort(np.argsort(h.index.to_numpy(dtype=str), kind="stable"), kind="stable")
    order = np.lexsort((host_rank[host_pos], team_rank[team_pos]))
    team_pos, host_pos, km, moving = team_pos[order], host_pos[order], km[order], moving[order]
    fte = t["fte"].to_numpy(float)[team_pos]
    pairs = pd.DataFrame(
        {
            "team_id": t.index.to_numpy(dtype=object)[team_pos],
            "holding_id": h.index.to_numpy(dtype=object)[host_pos],
            "km": km,
            "stay": ~moving,
            "team_pos": team_pos,
            "host_pos": host_pos,
        }
    )
    costs = move_costs(fte, s)
    for name in ("relocation", "fitout", "hosting_per_year", "one_off", "npv_cost"):
        pairs[name] = np.where(moving, costs[name], 0.0)
    pairs["travel"] = fte * km
    return pairs


def _compatible(
    partner_type: pd.Series,
    use_class: pd.Series,
    compatibility: pd.DataFrame,
    team_pos: np.ndarray,
    host_pos: np.ndarray,
) -> np.ndarray:
    """Whether each team (by position) may, by the compatibility table, use each holding (by position)."""
    allowed = compatibility[compatibility["allowed"]]
    types = pd.Index(allowed["partner_type"].unique())
    uses = pd.Index(allowed["use_class"].unique())
    # one spare row and column, all False, for types and use classes the table does not name
    table = np.zeros((len(types) + 1, len(uses) + 1), dtype=bool)
    table[types.get_indexer(allowed["partner_type"]), uses.get_indexer(allowed["use_class"])] = True
    return table[types.get_indexer(partner_type)[team_pos], uses.get_indexer(use_class)[host_pos]]


def _pairs_from_points(
    h: pd.DataFrame, hubs: np.ndarray, home_pos: np.ndarray, limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moves by straight line: (team position, hub position in ``h``, km).

    Within a relocation limit the distances are the estate's site-to-site distances
    (:func:`_site_distances`); without one, every located team to every hub.
    """
    none = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))
    if len(hubs) == 0 or len(home_pos) == 0:
        return none
    if limit is not None:
        return _pairs_from_table(h, hubs, home_pos, _site_distances(h, hubs, home_pos, limit), limit)
    xy = h[["x", "y"]].to_numpy(float)
    team_xy = np.where((home_pos >= 0)[:, None], xy[np.maximum(home_pos, 0)], np.nan)
    team_idx = np.flatnonzero(~np.isnan(team_xy).any(axis=1))
    ti = np.repeat(team_idx, len(hubs))
    hi = np.tile(np.arange(len(hubs)), len(team_idx))
    km = np.hypot(*(team_xy[ti] - xy[hubs][hi]).T) / 1000.0
    host = hubs[hi]
    not_home = host != home_pos[ti]
    return ti[not_home], host[not_home], km[not_home]


def _site_distances(h: pd.DataFrame, hubs: np.ndarray, home_pos: np.ndarray, limit: float) -> pd.DataFrame:
    """Straight-line km up to ``limit`` among team homes and hubs (:func:`estate.travel.site_site_distances`)."""
    if limit < 0:  # "at most L km": a limit of 0 still allows moves within one site
        return pd.DataFrame({"from_id": [], "to_id": [], "km": []})
    sites = np.union1d(hubs, home_pos[home_pos >= 0])
    sites = sites[~np.isnan(h["x"].to_numpy(float)[sites])]
    points = gpd.GeoDataFrame(
        {"holding_id": h.index[sites]},
        geometry=gpd.points_from_xy(h["x"].to_numpy(float)[sites], h["y"].to_numpy(float)[sites]),
        crs=CRS,
    )
    return site_site_distances(points, max_km=max(limit, 1e-6))  # the table's search radius must be positive


def _pairs_from_table(
    h: pd.DataFrame, hubs: np.ndarray, home_pos: np.ndarray, distances: pd.DataFrame, limit: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Moves by a holding-to-holding table: (team position, hub position in ``h``, km)."""
    from_pos = h.index.get_indexer(distances["from_id"].astype(str))
    to_pos = h.index.get_indexer(distances["to_id"].astype(str))
    km = pd.to_numeric(distances["km"], errors="coerce").to_numpy(float)
    is_hub = np.zeros(len(h) + 1, dtype=bool)
    is_hub[hubs] = True
    usable = (from_pos >= 0) & is_hub[to_pos] & (from_pos != to_pos) & ~np.isnan(km)
    if limit is not None:
        usable &= km <= limit + 1e-9
    table = pd.DataFrame({"from_pos": from_pos[usable], "to_pos": to_pos[usable], "km": km[usable]})
    teams = pd.DataFrame({"team_pos": np.arange(len(home_pos)), "from_pos": home_pos})
    merged = teams.merge(table, on="from_pos", how="inner")
    return merged["team_pos"].to_numpy(), merged["to_pos"].to_numpy(), merged["km"].to_numpy(float)


# --- access ----------------------------------------------------------------------------


def _access(
    h: pd.DataFrame,
    t: pd.DataFrame,
    pairs: pd.DataFrame,
    access: AccessInputs | None,
    costs: pd.DataFrame,
    s: Scenario,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """Per service: its measure, zone weights, potential providers, who reaches whom, today's share.

    Each service is measured in one unit (:func:`_measure`): with a travel-time matrix, in
    minutes where the standard has minutes and the matrix times every provider today, else
    in straight-line km where the standard has km and ``access.straight_line`` is given.
    """
    services = pd.DataFrame(
        columns=[
            "service",
            "label",
            "threshold",
            "unit",
            "measure",
            "share",
            "population",
            "total_weight",
            "baseline_share",
            "required_share",
        ]
    )
    zone_weights = pd.DataFrame({"zone_id": [], "service": [], "weight": []})
    providers = pd.DataFrame({"holding_id": [], "service": [], "fixed": []})
    reach = pd.DataFrame({"zone_id": [], "service": [], "holding_id": [], "cost": []})
    if access is None:
        return services, zone_weights, providers, reach, ""
    standards = access.standards.reset_index(drop=True)
    zones = pd.DataFrame(access.zones)
    zone_ids = _ids(zones["zone_id"])
    # each unit's table as positions: zone, holding, cost
    encoded: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for unit_of_table, part in costs.groupby("unit", sort=False):
        zone_code = pd.Index(zone_ids).get_indexer(part["zone_id"].to_numpy(dtype=object))
        holding_code = h.index.get_indexer(part["holding_id"].to_numpy(dtype=object))
        known = (zone_code >= 0) & (holding_code >= 0)
        encoded[str(unit_of_table)] = (zone_code[known], holding_code[known], part["cost"].to_numpy(float)[known])
    empty = (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0))
    measures = {access.unit: access.measure or str(access.costs.attrs.get("measure", ""))}
    if access.straight_line is not None:
        measures.setdefault("km", str(access.straight_line.attrs.get("measure", "straight-line km")))
    holding_ids = h.index.to_numpy(dtype=object)
    team_delivers = t["delivers"].to_numpy(dtype=object)
    team_home = h.index.get_indexer(t["home"].to_numpy(dtype=object))
    pair_team = t.index.get_indexer(pairs["team_id"].to_numpy(dtype=object))
    pair_host = h.index.get_indexer(pairs["holding_id"].to_numpy(dtype=object))
    rows, weights, provider_frames, reach_frames = [], [], [], []
    # max_coverage maximises access instead of holding it to the standards
    enforced = s.enforce_access and s.objective != "max_coverage"
    if not enforced and len(standards):
        why = (
            "the objective maximises coverage instead"
            if s.enforce_access
            else "the scenario turns them off (enforce_access)"
        )
        notes.append(
            f"Access standards are not enforced ({why}); the access table's meets_standard says which the plan meets."
        )
    unmeasured: list[dict[str, object]] = []
    for standard in standards.itertuples(index=False):
        service = str(standard.service)
        label = str(getattr(standard, "label", service) or service)
        # which teams deliver it, and which buildings offer it without such a team
        offers = np.array([service in v for v in h["building_services"]], dtype=bool)
        delivering = np.array([service in d for d in team_delivers], dtype=bool)
        team_homes = np.zeros(len(h), dtype=bool)
        team_homes[team_home[delivering]] = True
        fixed = offers & ~team_homes
        # a delivering team's home offers the service, so today's providers are the buildings that offer it
        potential = offers.copy()
        potential[pair_host[delivering[pair_team]]] = True
        now = offers
        measured = _measure(standard, label, access, holding_ids[potential], holding_ids[now])
        if isinstance(measured, dict):
            if enforced:
                # dropping it would let the plan close every provider of the service
                unmeasured.append(measured)
            else:
                notes.append(f"{label}: {measured['problem']}; not applied.")
            continue
        unit, threshold, note = measured
        if note:
            notes.append(f"{label}: {note}.")
        weight_column = str(getattr(standard, "population", "population") or "population")
        if weight_column not in zones.columns:
            notes.append(f"{label}: the zones have no '{weight_column}' column; everyone is counted instead.")
            weight_column = "population"
        if weight_column not in zones.columns:
            raise ScenarioError(
                "The zones cannot weight access.",
                [
                    {
                        "what": "zones",
                        "id": "population",
                        "problem": "column missing",
                        "action": "load demand with estate.demand",
                    }
                ],
            )
        w = np.nan_to_num(pd.to_numeric(zones[weight_column], errors="coerce").to_numpy(float), nan=0.0)
        w = np.maximum(w, 0.0)
        if not w.sum() > 0:
            # a share of nobody cannot be held or lost (as a row it would read 0 >= share)
            notes.append(f"{label}: the zones hold nobody it counts ({weight_column} is 0 everywhere); not applied.")
            continue
        zone_code, holding_code, cost = encoded.get(unit, empty)
        near = (cost <= threshold + 1e-9) & (w[zone_code] > 0)
        zc, hc, cc = zone_code[near], holding_code[near], cost[near]
        total = float(w.sum())
        covered_now = np.zeros(len(zone_ids), dtype=bool)
        covered_now[zc[now[hc]]] = True
        baseline = float(w[covered_now].sum()) / total
        share = float(standard.share)
        required = min(share, baseline) if enforced else 0.0
        if enforced and not potential.any():
            notes.append(
                f"{label}: no holding in the estate offers it today, so no resident is within {threshold:g} {unit} "
                f"and its standard ({share:.0%}) cannot be met; it is reported, not applied."
            )
        elif enforced and baseline < share - 1e-9:
            notes.append(
                f"{label}: only {baseline:.1%} of residents are within {threshold:g} {unit} today, below the "
                f"standard of {share:.0%}; the plan must not make it worse."
            )
        rows.append(
            {
                "service": service,
                "label": label,
                "threshold": threshold,
                "unit": unit,
                "measure": measures.get(unit, ""),
                "share": share,
                "population": weight_column,
                "total_weight": total,
                "baseline_share": baseline,
                "required_share": required,
            }
        )
        positive = w > 0
        weights.append(pd.DataFrame({"zone_id": zone_ids[positive], "service": service, "weight": w[positive]}))
        listed = np.flatnonzero(potential)
        provider_frames.append(
            pd.DataFrame({"holding_id": holding_ids[listed], "service": service, "fixed": fixed[listed]})
        )
        keep = potential[hc]
        reach_frames.append(
            pd.DataFrame(
                {
                    "zone_id": zone_ids[zc[keep]],
                    "service": service,
                    "holding_id": holding_ids[hc[keep]],
                    "cost": cc[keep],
                }
            )
        )
    if unmeasured:
        raise ScenarioError(
            f"{len(unmeasured)} access standard(s) cannot be measured in the travel costs given.", unmeasured
        )
    if rows:
        services = pd.DataFrame(rows)
        zone_weights = pd.concat(weights, ignore_index=True)
        providers = pd.concat(provider_frames, ignore_index=True)
        reach = pd.concat(reach_frames, ignore_index=True)
    return services, zone_weights, providers, reach, _measure_words(services, measures)


def _measure(
    standard: Any, label: str, access: AccessInputs, potential: np.ndarray, today: np.ndarray
) -> tuple[str, float, str] | dict[str, object]:
    """How a standard is measured: ``(unit, threshold, note)``, or the problem when it cannot be.

    With straight-line costs, in km. With a travel-time matrix, in minutes when the
    standard has minutes and the matrix times every one of its providers today (with none
    today, any host its teams could move to); else in straight-line km when the standard
    has km and ``access.straight_line`` is given, else refused: a provider the matrix
    leaves out would count as reaching nobody, and could go at no cost to access.
    """
    in_km = str(getattr(standard, "unit", "km") or "km") == "km"
    km = float(standard.threshold) if in_km else None
    minutes = getattr(standard, "threshold_minutes", None) if in_km else standard.threshold
    minutes = float(minutes) if minutes is not None and pd.notna(minutes) else None
    problem: dict[str, object] = {"what": "access standard", "id": str(standard.service)}
    if access.unit == "km":
        if km is not None:
            return "km", km, ""
        return problem | {
            "problem": f"{label}'s standard is {minutes:g} minutes, but the travel costs are straight-line km",
            "action": "give a travel-time matrix (--matrix), or give the standard a threshold in km",
        }
    timed = _timed_sites(access.costs)
    if len(today):
        untimed = [str(i) for i in today if str(i) not in timed]
        by_matrix = not untimed
    else:  # no provider today: any host its teams could move to that the matrix times
        untimed = [str(i) for i in potential if str(i) not in timed]
        by_matrix = len(untimed) < len(potential) or not len(potential)
    if minutes is not None and by_matrix:
        return "min", minutes, ""
    straight = access.straight_line is not None
    if km is not None and straight:
        if minutes is None:
            return "km", km, ""
        return (
            "km",
            km,
            _untimed_words(label, today, untimed) + f", so it is measured in straight lines (within {km:g} km)",
        )
    if minutes is not None:
        return problem | {
            "problem": _untimed_words(label, today, untimed),
            "action": "add their times to the matrix, or give the standard a threshold in km (straight lines)",
        }
    return problem | {
        "problem": f"{label}'s standard is {km:g} km, but the travel costs are in minutes",
        "action": "give it threshold_minutes in the standards (services.toml), or measure access in straight lines "
        "(without the matrix)",
    }


def _measure_words(services: pd.DataFrame, measures: dict[str, str]) -> str:
    """What access was measured by: one measure, or each with the services it measured."""
    if not len(services):
        return next(iter(measures.values()), "")
    used = services.groupby("unit", sort=False)["label"].agg(list)
    if len(used) == 1:
        return measures.get(str(used.index[0]), "")
    return "; ".join(f"{measures.get(str(unit), unit)} for {listing(labels)}" for unit, labels in used.items())


def _timed_sites(costs: pd.DataFrame) -> set[str]:
    """The sites a cost table gives any time to: a matrix says (``sites_with_times``), else the sites it names."""
    timed = costs.attrs.get("sites_with_times")
    return {str(t) for t in (timed if timed is not None else _ids(costs["holding_id"]))}


def _untimed_words(label: str, today: np.ndarray, untimed: list[str]) -> str:
    """Which providers a matrix gives no time to: today's, or (with none today) where its teams could go."""
    if len(today):
        some = f"{len(untimed)} of {label}'s {len(today)}" if len(untimed) < len(today) else f"{label}'s {len(today)}"
        return (
            f"the travel-time matrix gives no time to {some} provider{'s' if len(today) != 1 else ''} "
            f"today ({listing(untimed)})"
        )
    return (
        f"{label} has no provider today and the travel-time matrix gives no time to the {len(untimed)} holding"
        f"{'s' if len(untimed) != 1 else ''} its teams could move to ({listing(untimed)})"
    )


def _plain_costs(access: AccessInputs, h: pd.DataFrame) -> pd.DataFrame:
    """Zone-holding costs as plain strings and floats, with their unit, for located holdings only."""
    tables = [(access.costs, access.unit)]
    if access.straight_line is not None and access.unit != "km":
        tables.append((access.straight_line, "km"))
    costs = pd.concat(
        [
            pd.DataFrame(
                {
                    "zone_id": _ids(table["zone_id"]),
                    "holding_id": _ids(table["holding_id"]),
                    "cost": pd.to_numeric(table["cost"], errors="coerce").to_numpy(float),
                    "unit": unit,
                }
            )
            for table, unit in tables
        ],
        ignore_index=True,
    )
    located = h.index[~np.isnan(h["x"].to_numpy())]
    return costs[costs["holding_id"].isin(located) & np.isfinite(costs["cost"].to_numpy())].reset_index(drop=True)


def _ids(values: pd.Series) -> np.ndarray:
    """Ids as an array of Python strings (categoricals decoded through their categories)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = np.asarray(values.cat.categories.astype(str), dtype=object)
        codes = values.cat.codes.to_numpy()
        out = categories[np.maximum(codes, 0)]
        out[codes < 0] = ""
        return out
    return values.astype(str).to_numpy(dtype=object)


# --- refusing impossible scenarios -------------------------------------------------------


def _check_feasibility(
    h: pd.DataFrame,
    t: pd.DataFrame,
    pairs: pd.DataFrame,
    s: Scenario,
    problems: list[dict[str, object]],
    distances: pd.DataFrame | None,
    compatibility: pd.DataFrame,
) -> None:
    homeless = t.index.difference(pairs["team_id"].unique())
    if len(homeless):
        problems += _homeless(h, t.loc[homeless], s, distances, compatibility)
    hubs = h[h["can_host"]]
    locked_hubs = int((hubs["lock"] == "retain").sum())
    open_hubs = int((hubs["lock"] != "dispose").sum())
    locked_names = hubs.loc[hubs["lock"] == "retain", "name"].astype(str).tolist()
    which = "; ".join(locked_names[:5]) + (f"; and {len(locked_names) - 5} more" if len(locked_names) > 5 else "")
    if s.max_hubs is not None and locked_hubs > s.max_hubs:
        problems.append(
            {
                "what": "setting",
                "id": "max_hubs",
                "problem": f"{locked_hubs} hubs are locked to be kept ({which}), more than the {s.max_hubs} the "
                "scenario allows (max_hubs)",
                "action": f"allow at least {locked_hubs} hubs (more may be needed to house every team), or unlock "
                "some hubs",
            }
        )
    if s.objective in ("max_coverage", "least_travel") and s.p is not None:
        if s.p > open_hubs:
            problems.append(
                {
                    "what": "setting",
                    "id": "p",
                    "problem": f"p = {s.p} hubs asked for, but only {open_hubs} holdings can be hubs",
                    "action": f"set p to at most {open_hubs}",
                }
            )
        if s.p < locked_hubs:
            problems.append(
                {
                    "what": "setting",
                    "id": "p",
                    "problem": f"p = {s.p}, but {locked_hubs} hubs are locked to be kept ({which})",
                    "action": f"set p to at least {locked_hubs} or unlock some hubs",
                }
            )
        if s.max_hubs is not None and s.p > s.max_hubs:
            problems.append(
                {
                    "what": "setting",
                    "id": "p",
                    "problem": f"p = {s.p} is more than max_hubs = {s.max_hubs}",
                    "action": "make p at most max_hubs",
                }
            )
        # capacity of the p largest hubs plus every non-hub that may be kept
        needy = t["fte"].sum()
        keepable = h[(h["lock"] != "dispose") & ~h["can_host"]]
        stay_fte = t.loc[t["home"].isin(keepable.index), "fte"].sum()
        largest = np.sort(hubs.loc[hubs["lock"] != "dispose", "capacity_fte"].to_numpy())[::-1][: s.p].sum()
        if largest + stay_fte < needy - 1e-6:
            problems.append(
                {
                    "what": "setting",
                    "id": "p",
                    "problem": (
                        f"the {s.p} largest hubs hold {largest:,.0f} FTE; with the {stay_fte:,.0f} FTE "
                        "that can stay in "
                        f"other holdings that is less than the {needy:,.0f} FTE to house"
                    ),
                    "action": "raise p",
                }
            )


def _homeless(
    h: pd.DataFrame, t: pd.DataFrame, s: Scenario, distances: pd.DataFrame | None, compatibility: pd.DataFrame
) -> list[dict[str, object]]:
    """Why each team whose holding is locked for disposal has nowhere to go, and what would give it somewhere.

    Every hub not locked for disposal is measured, whatever the relocation limit, so the
    problem names the rule that rules each one out: distance, the compatibility table or
    room for the team's FTE.
    """
    hubs = np.flatnonzero((h["can_host"] & (h["lock"] != "dispose")).to_numpy())
    home_pos = h.index.get_indexer(t["home"])
    if distances is not None:
        team_pos, host_pos, km = _pairs_from_table(h, hubs, home_pos, distances, None)
    else:
        team_pos, host_pos, km = _pairs_from_points(h, hubs, home_pos, None)
    compatible = _compatible(t["partner_type"], h["use_class"], compatibility, team_pos, host_pos)
    room = h["capacity_fte"].to_numpy(float)[host_pos]
    fits = room >= t["fte"].to_numpy(float)[team_pos] - 1e-9
    limit = s.relocation_limit_km
    problems: list[dict[str, object]] = []
    for position, (tid, team) in enumerate(t.iterrows()):
        home = str(h.at[team["home"], "name"])
        fte = float(team["fte"])
        mine = team_pos == position
        kind = str(team["partner_type"])
        if not len(hubs):
            problem = f"its holding {home} is locked for disposal and every hub is locked for disposal too"
            action = "unlock the holding or some hubs"
        elif not mine.any():
            where = "has no location" if distances is None else "is in no row of the distance table"
            problem = f"its holding {home} is locked for disposal and {where}, so no move from it can be measured"
            action = "unlock the holding or " + ("give it a location" if distances is None else "add its distances")
        elif not (mine & compatible).any():
            problem = (
                f"its holding {home} is locked for disposal and the compatibility table lets a {kind} team into "
                "none of the hubs"
            )
            action = f"unlock the holding or allow {kind} teams in more use classes in the compatibility table"
        elif not (mine & compatible & fits).any():
            largest = float(room[mine & compatible].max())
            problem = (
                f"its holding {home} is locked for disposal and its {fte:,.1f} FTE fit in no hub it may use "
                f"(the largest has room for {largest:,.1f} FTE)"
            )
            action = "unlock the holding, or split the team in the teams file"
        else:  # only the relocation limit rules every usable hub out
            usable = mine & compatible & fits
            nearest = int(np.flatnonzero(usable)[np.argmin(km[usable])])
            problem = (
                f"its holding {home} is locked for disposal and no hub it may use with room for its {fte:,.1f} FTE "
                f"is within {limit:g} km (the nearest, {h['name'].iloc[host_pos[nearest]]}, is {km[nearest]:.1f} km "
                "away)"
            )
            action = (
                "unlock the holding, or let teams move at least "
                f"{np.ceil(km[nearest] * 10) / 10:.1f} km (relocation_limit_km)"
            )
        problems.append({"what": "team", "id": tid, "problem": problem, "action": action})
    return problems


def _hash_frame(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    plain = pd.DataFrame(frame).reset_index(drop=True)
    digest.update(",".join(map(str, plain.columns)).encode())
    try:
        hashed = pd.util.hash_pandas_object(plain, index=False)
    except TypeError:
        hashed = pd.util.hash_pandas_object(plain.astype(str), index=False)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()[:16]

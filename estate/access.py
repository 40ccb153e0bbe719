"""Service access: how many residents are within each service's standard of a provider.

:func:`access_report` takes the zones (demand), the holdings that offer services and the
standards, and returns an :class:`AccessReport`: per service the population share within
the standard, per zone the nearest provider and its distance or time, and the split by
deprivation decile. The same call scores a proposed plan, by passing the holdings the
plan retains with the services they offer after the moves, so a before/after comparison
is :func:`compare_access` of two reports.

Measures. A service whose standard is in km uses straight-line distance in EPSG:27700
(times the circuity factor). When a travel-time matrix is supplied, a service with a
standard in minutes, or with a ``threshold_minutes``, uses the matrix instead, unless the
matrix gives no time to any of its providers (a matrix of stroke units says nothing of
jobcentres): then a service with a km threshold is measured in straight lines, with a
note, and one with only minutes is reported as not measured (its share left empty, never
read as no resident reached), the other services measured as usual. Every row says which
measure it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from estate._tables import TableSource, listing
from estate.services import StandardsError, providers_of
from estate.travel import TravelCostError, check_costs, load_matrix, nearest_site, straight_line_measure

BY_SERVICE_COLUMNS: tuple[str, ...] = (
    "service",
    "label",
    "measure",
    "threshold",
    "unit",
    "population",
    "population_within",
    "share",
    "required_share",
    "meets_standard",
    "providers",
    "weighted_by",
    "note",
)
"""Columns of :attr:`AccessReport.by_service`; ``population`` is the total of the
``weighted_by`` column (e.g. residents aged 16-64 for a jobcentre)."""

ZONE_COLUMNS: tuple[str, ...] = (
    "zone_id",
    "zone_name",
    "service",
    "nearest_holding_id",
    "nearest_name",
    "cost",
    "measure",
    "unit",
    "within_standard",
    "population",
    "weighted_by",
    "imd_decile",
)
"""Columns of :attr:`AccessReport.zones`: one row per zone and service. ``cost`` is the
distance (km) or time (minutes) to the nearest provider, missing when no provider is
reachable by the measure used; ``population`` is the zone's people the service counts, as
``weighted_by`` names them (e.g. ``aged_16_64`` for a jobcentre)."""

BY_IMD_COLUMNS: tuple[str, ...] = (
    "service",
    "measure",
    "threshold",
    "unit",
    "imd_decile",
    "population",
    "population_within",
    "share",
)
"""Columns of :attr:`AccessReport.by_imd`; decile 1 is the most deprived, a missing decile
collects zones whose deprivation is unknown."""

_TOLERANCE = 1e-9


@dataclass(frozen=True)
class AccessReport:
    """Access to every service, for one set of holdings.

    Attributes
    ----------
    by_service
        One row per service (:data:`BY_SERVICE_COLUMNS`).
    zones
        One row per zone and service (:data:`ZONE_COLUMNS`).
    by_imd
        Population and share within the standard by IMD decile (:data:`BY_IMD_COLUMNS`).
    notes
        What a reader should know: the measure's limits, zones without a decile, services
        with no provider, fallbacks used.

    """

    by_service: pd.DataFrame
    zones: pd.DataFrame
    by_imd: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def worst_zones(self, service: str, n: int = 10) -> pd.DataFrame:
        """Return the ``n`` zones furthest from a provider of ``service``.

        Zones with no reachable provider come first, then by distance or time, largest
        first; ties go to the zone with more residents.
        """
        rows = self.zones[self.zones["service"] == service]
        if rows.empty and service not in set(self.by_service["service"]):
            raise StandardsError(
                f"No access standard for service {service!r}; the report covers "
                f"{listing(list(self.by_service['service']))}."
            )
        order = rows.assign(_unreached=rows["cost"].isna()).sort_values(
            ["_unreached", "cost", "population"], ascending=[False, False, False], kind="stable"
        )
        return order.drop(columns="_unreached").head(n).reset_index(drop=True)


def access_report(
    demand: gpd.GeoDataFrame,
    holdings: gpd.GeoDataFrame,
    standards: pd.DataFrame,
    *,
    costs: pd.DataFrame | None = None,
    matrix: pd.DataFrame | TableSource | None = None,
    circuity: float = 1.0,
    untimed_by_straight_line: bool = True,
) -> AccessReport:
    """Measure access to each service in ``standards`` from every zone of ``demand``.

    Parameters
    ----------
    demand
        Zones from :func:`estate.demand.load_demand` (``zone_id``, ``population``,
        optional age bands and ``imd_decile``, Point geometry in EPSG:27700).
    holdings
        The holdings that provide services, with ``holding_id``, ``name``, ``services``
        (``;``-separated) and Point geometry. To score a plan, pass the holdings it retains
        with the services they offer after the moves.
    standards
        From :func:`estate.services.load_standards`.
    costs
        Optional precomputed zone-holding table in km from
        :func:`estate.travel.zone_site_costs`; it must reach at least each km threshold,
        and zones with no provider within its reach have no nearest provider in
        ``zones``. Without it the nearest provider is found directly, however far (a k-d
        tree query per service).
    matrix
        Optional travel-time matrix (from :func:`estate.travel.load_matrix`, or a path
        to read with it). Used for services with a standard in minutes or a
        ``threshold_minutes``.
    circuity
        Multiplies straight-line distances (at least 1).
    untimed_by_straight_line
        A service with minutes whose providers the matrix gives no time to is measured
        in straight lines (with a km threshold) or refused (without): the default. Off, it
        is measured by the matrix all the same, nobody within reach of those providers,
        as a plan that moves a service to buildings the matrix leaves out is scored in
        the measure its model used.

    Returns
    -------
    AccessReport

    Raises
    ------
    estate.services.StandardsError
        A service's standard is in minutes and no matrix was given.
    estate.travel.TravelCostError
        Zones or holdings without usable points in a projected CRS, or ``costs`` that
        do not reach a threshold.

    Notes
    -----
    A service no holding offers is reported with share 0 and a note, not an error, so a
    plan that drops a service shows up as failing its standard. A service with a
    ``threshold_minutes`` whose providers the matrix gives no time to is measured in
    straight lines against its km threshold: its ``measure`` says so and its ``note``
    says why. One whose standard is only in minutes cannot be: its ``measure`` is ``not
    measured``, its share empty, its note names the providers and what to do, and it has
    no zone rows.

    """
    notes: list[str] = _demand_notes(demand)
    if matrix is not None and not isinstance(matrix, pd.DataFrame):
        matrix = load_matrix(matrix, zones=demand, sites=holdings)
    if matrix is not None:
        notes += list(matrix.attrs.get("notes", []))
    if costs is not None and costs.attrs.get("unit", "km") != "km":
        raise StandardsError(
            "costs must be straight-line km (from zone_site_costs); pass a travel-time table as matrix=."
        )
    if costs is not None and costs.attrs.get("circuity") not in (None, circuity):
        raise TravelCostError(
            f"The cost table was built with circuity {costs.attrs['circuity']} but circuity {circuity} "
            "was asked for; build the table with the same circuity or leave circuity out."
        )
    if "holding_id" not in holdings.columns or "services" not in holdings.columns:
        raise StandardsError("The holdings need 'holding_id' and 'services' columns.")
    for table, what in ((costs, "the cost table"), (matrix, "the travel-time matrix")):
        if table is not None:
            check_costs(table, what)
    names = _holding_names(holdings)
    indexed_costs = _index_table(costs, demand) if costs is not None else None
    indexed_matrix = _index_table(matrix, demand) if matrix is not None else None
    service_rows, zone_frames, imd_frames = [], [], []
    for standard in standards.to_dict("records"):
        service_row, zone_frame = _service_access(
            demand, holdings, names, standard, indexed_costs, indexed_matrix, circuity, notes, untimed_by_straight_line
        )
        service_rows.append(service_row)
        if zone_frame is None:  # not measured: no zone is counted in or out of reach
            continue
        zone_frames.append(zone_frame)
        imd_frames.append(_by_imd(zone_frame, service_row))
    by_service = pd.DataFrame(service_rows, columns=list(BY_SERVICE_COLUMNS))
    by_service["meets_standard"] = by_service["meets_standard"].astype("boolean")
    zones = pd.concat(zone_frames, ignore_index=True) if zone_frames else pd.DataFrame(columns=list(ZONE_COLUMNS))
    by_imd = pd.concat(imd_frames, ignore_index=True) if imd_frames else pd.DataFrame(columns=list(BY_IMD_COLUMNS))
    return AccessReport(by_service=by_service, zones=zones, by_imd=by_imd, notes=tuple(dict.fromkeys(notes)))


def compare_access(before: AccessReport, after: AccessReport) -> pd.DataFrame:
    """Set two reports side by side, one row per service (e.g. today's estate and a plan).

    Returns
    -------
    pandas.DataFrame
        ``service``, ``measure``, ``required_share``, ``share_before``, ``share_after``,
        ``change`` (after minus before), ``population_losing`` (residents within the
        standard before but not after), ``meets_before``, ``meets_after``.

    Raises
    ------
    estate.services.StandardsError
        A service is measured differently in the two reports (another measure or
        threshold), so its shares cannot be compared.

    """
    paired = before.by_service.merge(after.by_service, on="service", suffixes=("_before", "_after"))
    differ = paired[
        (paired["measure_before"] != paired["measure_after"])
        | ~np.isclose(paired["threshold_before"].astype(float), paired["threshold_after"].astype(float))
    ]
    if len(differ):
        listed = "; ".join(
            f"{r.service}: {r.measure_before} within {r.threshold_before:g} {r.unit_before} before, "
            f"{r.measure_after} within {r.threshold_after:g} {r.unit_after} after"
            for r in differ.itertuples(index=False)
        )
        raise StandardsError(
            f"The two reports measure access differently ({listed}); measure both with the same costs and standards."
        )
    keep = ["service", "measure", "required_share", "share", "meets_standard"]
    merged = before.by_service[keep].merge(
        after.by_service[["service", "share", "meets_standard"]],
        on="service",
        how="outer",
        suffixes=("_before", "_after"),
        sort=False,
    )
    merged["change"] = merged["share_after"] - merged["share_before"]
    zone_keys = ["zone_id", "service"]
    joined = before.zones[[*zone_keys, "within_standard", "population"]].merge(
        after.zones[[*zone_keys, "within_standard"]],
        on=zone_keys,
        how="left",
        suffixes=("_before", "_after"),
    )
    losing = joined["within_standard_before"] & ~joined["within_standard_after"].fillna(False)
    lost = joined[losing.astype(bool)].groupby("service")["population"].sum()
    merged["population_losing"] = merged["service"].map(lost).fillna(0.0)
    merged = merged.rename(columns={"meets_standard_before": "meets_before", "meets_standard_after": "meets_after"})
    return merged[
        [
            "service",
            "measure",
            "required_share",
            "share_before",
            "share_after",
            "change",
            "population_losing",
            "meets_before",
            "meets_after",
        ]
    ]


# --- one service ---------------------------------------------------------------------


def _demand_notes(demand: gpd.GeoDataFrame) -> list[str]:
    notes = []
    location = demand.attrs.get("location")
    if location:
        notes.append(f"Zone locations: {location}.")
    notes += list(demand.attrs.get("notes", []))
    return notes


def _holding_names(holdings: gpd.GeoDataFrame) -> pd.Series:
    ids = holdings["holding_id"].astype(str)
    if "name" in holdings.columns:
        names = holdings["name"].astype("string").fillna(ids.astype("string"))
    else:
        names = ids.astype("string")
    return pd.Series(names.to_numpy(), index=ids.to_numpy()).groupby(level=0).first()


def _located(providers: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    geometry = providers.geometry
    empty = geometry.isna() | geometry.is_empty
    return providers[~empty], providers.loc[empty, "holding_id"].astype(str).tolist()


def _service_access(
    demand: gpd.GeoDataFrame,
    holdings: gpd.GeoDataFrame,
    names: pd.Series,
    standard: dict[str, Any],
    costs: _CostTable | None,
    matrix: _CostTable | None,
    circuity: float,
    notes: list[str],
    untimed_by_straight_line: bool = True,
) -> tuple[dict[str, object], pd.DataFrame | None]:
    """A service's row of the report and its zones' rows (``None`` when it cannot be measured)."""
    service = str(standard["service"])
    own_notes: list[str] = []
    providers, unlocated = _located(providers_of(holdings, service))
    if unlocated:
        own_notes.append(f"{len(unlocated)} providers have no location and were not counted ({listing(unlocated)})")
    use_matrix = _uses_matrix(standard, matrix)
    untimed = _untimed(providers, matrix) if use_matrix and untimed_by_straight_line else []
    if untimed and standard["unit"] == "min" and len(untimed) == len(providers):
        # only minutes, and the matrix times none of its providers: every resident would count as out of reach
        return _unmeasured_row(standard, untimed, matrix, notes), None
    if untimed and standard["unit"] == "km":
        # the matrix leaves out providers of this service: straight lines, as without a matrix, rather
        # than count them as reaching nobody (a standard only in minutes keeps the matrix, its note
        # naming them, or is not measured when the matrix times none of them)
        use_matrix = False
        some = (
            f"any of its {len(untimed)}"
            if len(untimed) == len(providers)
            else f"{len(untimed)} of its {len(providers)}"
        )
        own_notes.append(
            f"{_source(matrix)} gives no travel time to {some} providers ({listing(untimed)}), "
            f"so it is measured in straight lines (within {float(standard['threshold']):g} km), not by travel "
            f"time (within {float(standard['threshold_minutes']):g} minutes); add their times to the matrix to "
            "measure it by travel time"
        )
    if use_matrix:
        threshold = float(standard["threshold"] if standard["unit"] == "min" else standard["threshold_minutes"])
        unit = "min"
        measure = matrix.attrs.get("measure", "travel time, minutes")
        nearest = _nearest_from_table(len(demand), providers, matrix, own_notes, "travel times")
    elif standard["unit"] == "km":
        threshold, unit = float(standard["threshold"]), "km"
        if costs is not None:
            measure = costs.attrs.get("measure", straight_line_measure(circuity))
            reach = costs.attrs.get("max_cost")
            if reach is not None and reach + _TOLERANCE < threshold:
                raise TravelCostError(
                    f"The cost table reaches {reach:g} km but the {service} standard is "
                    f"{threshold:g} km; build it with max_cost of at least {threshold:g}."
                )
            nearest = _nearest_from_table(len(demand), providers, costs, own_notes, "distances")
        else:
            measure = straight_line_measure(circuity)
            nearest = _nearest_straight_line(demand, providers, circuity)
    else:
        raise StandardsError(
            f"The {service} standard is {standard['threshold']:g} minutes but no travel-time "
            "matrix was given. Supply one (--matrix), or give the service a threshold in km."
        )

    weight_col = str(standard["population"])
    if weight_col not in demand.columns:
        own_notes.append(f"the demand has no {weight_col} column, so everyone counts")
        weight_col = "population"
    weight = demand[weight_col].astype(float).to_numpy()
    cost = nearest["cost"].to_numpy(dtype=float)
    within = np.where(np.isnan(cost), False, cost <= threshold + _TOLERANCE)
    if providers.empty:
        own_notes.append("no holding in the estate offers this service")
    total = float(weight.sum())
    reached = float(weight[within].sum())
    share = reached / total if total > 0 else np.nan
    required = float(standard["share"])
    meets = bool(share >= required - _TOLERANCE) if total > 0 else pd.NA
    for note in own_notes:
        notes.append(f"{standard['label']}: {note}.")
    nearest_ids = nearest["holding_id"].astype("string")
    zone_frame = pd.DataFrame(
        {
            "zone_id": demand["zone_id"].astype("string").to_numpy(),
            "zone_name": _column_or(demand, "zone_name", demand["zone_id"]).to_numpy(),
            "service": service,
            "nearest_holding_id": nearest_ids.to_numpy(),
            "nearest_name": nearest_ids.map(names).astype("string").to_numpy(),
            "cost": cost,
            "measure": measure,
            "unit": unit,
            "within_standard": within,
            "population": weight,
            "weighted_by": weight_col,
            "imd_decile": _column_or(demand, "imd_decile", pd.NA).astype("Int64").to_numpy(),
        }
    )
    row = {
        "service": service,
        "label": standard["label"],
        "measure": measure,
        "threshold": threshold,
        "unit": unit,
        "population": total,
        "population_within": reached,
        "share": share,
        "required_share": required,
        "meets_standard": meets,
        "providers": len(providers),
        "weighted_by": weight_col,
        "note": "; ".join(own_notes),
    }
    return row, zone_frame


def _uses_matrix(standard: dict[str, Any], matrix: _CostTable | None) -> bool:
    """A service is measured by the matrix when one is given and its standard has minutes."""
    return matrix is not None and (standard["unit"] == "min" or pd.notna(standard["threshold_minutes"]))


def _untimed(providers: gpd.GeoDataFrame, matrix: _CostTable) -> list[str]:
    """The ids of the providers the matrix gives no time to (empty when it times every one)."""
    ids = providers["holding_id"].astype(str)
    return ids[~ids.isin(matrix.timed)].tolist()


def _source(matrix: _CostTable) -> str:
    source = matrix.attrs.get("source")
    return str(source) if source else "the travel-time matrix"


NOT_MEASURED = "not measured"
"""``measure`` of a service that could not be measured (:func:`_unmeasured_row`)."""


def _unmeasured_row(
    standard: dict[str, Any], untimed: list[str], matrix: _CostTable, notes: list[str]
) -> dict[str, object]:
    """The row of a service whose standard is only in minutes and whose providers the matrix times none of.

    Its share is left empty, never 0: nobody is counted in or out of reach. The note says
    why and what to do, and no zone rows are given for it.
    """
    note = (
        f"not measured: {_source(matrix)} gives no travel time to any of its {len(untimed)} providers "
        f"({listing(untimed)}) and its standard is in minutes only; add their times to the matrix, or give it "
        'a threshold in km in services.toml (unit = "km", the minutes as threshold_minutes) to measure it in '
        "straight lines"
    )
    notes.append(f"{standard['label']}: {note}.")
    return {
        "service": str(standard["service"]),
        "label": standard["label"],
        "measure": NOT_MEASURED,
        "threshold": float(standard["threshold"]),
        "unit": "min",
        "population": np.nan,
        "population_within": np.nan,
        "share": np.nan,
        "required_share": float(standard["share"]),
        "meets_standard": pd.NA,
        "providers": len(untimed),
        "weighted_by": str(standard["population"]),
        "note": note,
    }


def _column_or(frame: pd.DataFrame, column: str, default: object) -> pd.Series:
    if column in frame.columns:
        return frame[column].reset_index(drop=True)
    if isinstance(default, pd.Series):
        return default.reset_index(drop=True)
    return pd.Series([default] * len(frame), dtype="object")


def _nearest_straight_line(demand: gpd.GeoDataFrame, providers: gpd.GeoDataFrame, circuity: float) -> pd.DataFrame:
    found = nearest_site(demand, providers, circuity=circuity, site_id="holding_id")
    return found[["holding_id", "cost"]]


@dataclass(frozen=True)
class _CostTable:
    """A cost table indexed once against the demand, so each service is a few array steps."""

    attrs: dict[str, Any]
    zone_pos: np.ndarray  # position of each row's zone in the demand, -1 if not a demand zone
    site_codes: np.ndarray  # each row's site, as a position in ``sites``
    sites: pd.Index
    cost: np.ndarray
    timed: pd.Index  # the sites the table gives any cost to, cut off or not


def _index_table(table: pd.DataFrame, demand: gpd.GeoDataFrame) -> _CostTable:
    zones = pd.Categorical(table["zone_id"])
    zone_lookup = pd.Index(demand["zone_id"].astype(str)).get_indexer(zones.categories.astype(str))
    zone_pos = np.where(zones.codes >= 0, zone_lookup[zones.codes], -1)
    sites = pd.Categorical(table["holding_id"])
    names = pd.Index(sites.categories.astype(str))
    # a matrix says which sites it times at all (a site past zone_site_costs' cut-off is timed, and far);
    # a table that does not is taken to cost every site it names
    timed = table.attrs.get("sites_with_times")
    return _CostTable(
        attrs=dict(table.attrs),
        zone_pos=zone_pos,
        site_codes=sites.codes,
        sites=names,
        cost=table["cost"].to_numpy(dtype=float),
        timed=names if timed is None else pd.Index(list(timed), dtype=str),
    )


def _nearest_from_table(
    n_zones: int,
    providers: gpd.GeoDataFrame,
    table: _CostTable,
    own_notes: list[str],
    what: str,
) -> pd.DataFrame:
    ids = set(providers["holding_id"].astype(str))
    absent = sorted(ids - set(table.timed))
    if absent:
        own_notes.append(
            f"{len(absent)} of {len(ids)} providers have no {what} in the table and count as "
            f"out of reach ({listing(absent)})"
        )
    is_provider = np.append(table.sites.isin(ids), False)  # code -1 (no site) maps to False
    rows = np.flatnonzero(is_provider[table.site_codes] & (table.zone_pos >= 0))
    order = rows[np.lexsort((table.cost[rows], table.zone_pos[rows]))]
    zone_first, first = np.unique(table.zone_pos[order], return_index=True)
    best = order[first]
    cost = np.full(n_zones, np.nan)
    cost[zone_first] = table.cost[best]
    nearest = pd.array([pd.NA] * n_zones, dtype="string")
    nearest[zone_first] = table.sites.to_numpy()[table.site_codes[best]]
    unreached = n_zones - len(zone_first)
    if unreached and ids and table.attrs.get("unit") == "min":
        own_notes.append(f"{unreached} zones have no {what} to any provider in the table and count as out of reach")
    return pd.DataFrame({"holding_id": nearest, "cost": cost})


def _by_imd(zone_frame: pd.DataFrame, service_row: dict[str, object]) -> pd.DataFrame:
    reached = zone_frame["population"].where(zone_frame["within_standard"], 0.0)
    grouped = (
        zone_frame.assign(population_within=reached)
        .groupby("imd_decile", dropna=False, sort=True)[["population", "population_within"]]
        .sum()
        .reset_index()
    )
    for column in ("service", "measure", "threshold", "unit"):
        grouped[column] = service_row[column]
    population = grouped["population"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped["share"] = np.where(population > 0, grouped["population_within"] / population, np.nan)
    grouped["imd_decile"] = grouped["imd_decile"].astype("Int64")
    return grouped[list(BY_IMD_COLUMNS)]


__all__ = [
    "BY_IMD_COLUMNS",
    "BY_SERVICE_COLUMNS",
    "ZONE_COLUMNS",
    "AccessReport",
    "access_report",
    "compare_access",
]

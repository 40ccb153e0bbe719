"""Travel cost between zones and sites: straight-line distance or a supplied travel-time matrix.

Two measures, and every table says which one it holds:

straight line
    Euclidean distance between points in EPSG:27700, in km, optionally multiplied by a
    *circuity* factor (road distance / straight-line distance, typically 1.2-1.4).
    Distances are refused on geographic (degree) coordinates.
travel time
    Minutes from a matrix the user supplies, long (zone, site, minutes) or wide (a zone per
    row, a site per column), read by :func:`load_matrix`.

Cost tables are *sparse* and *long*: one row per zone-site pair within a cut-off, found
with a k-d tree, never a dense zones x sites array. Results are cached in-process by a
hash of the inputs, so scoring many plans against the same zones and sites is cheap.
"""

from __future__ import annotations

import copy
import hashlib
import math
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from estate._tables import (
    ProblemsError,
    TableSource,
    find_column,
    key,
    listing,
    parse_numbers,
    problems_frame,
    problems_message,
    read_table,
    source_name,
)
from estate.readers import MAX_FILE_BYTES

COST_COLUMNS: tuple[str, ...] = ("zone_id", "holding_id", "cost", "measure")
"""Columns of a zone-site cost table; the site column takes the name given as ``site_id``."""

Measure = Literal["straight_line", "matrix"]

_CACHE_SIZE = 8
_cache: OrderedDict[str, pd.DataFrame] = OrderedDict()

_ZONE_ALIASES = (
    "zone_id",
    "zone",
    "zone_code",
    "zone_name",
    "origin",
    "origin_id",
    "from",
    "from_id",
    "o",
    "lsoa",
    "lsoa_id",
    "lsoa11cd",
    "lsoa21cd",
    "lsoa_code",
    "oa21cd",
    "oa_code",
    "area_code",
)
_SITE_ALIASES = (
    "holding_id",
    "site_id",
    "site",
    "site_code",
    "site_name",
    "destination",
    "destination_id",
    "dest",
    "to",
    "to_id",
    "d",
    "postcode",
    "uprn",
)
_TIME_ALIASES = (
    "minutes",
    "mins",
    "min",
    "time",
    "time_min",
    "time_minutes",
    "travel_time",
    "travel_time_minutes",
    "travel_minutes",
    "duration",
    "duration_minutes",
    "cost",
)


class TravelCostError(ProblemsError):
    """Travel costs cannot be computed or a matrix cannot be used; ``problems`` lists the faults."""


# --- straight line -------------------------------------------------------------------


def zone_site_costs(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    max_cost: float,
    measure: Measure | None = None,
    circuity: float = 1.0,
    matrix: pd.DataFrame | TableSource | None = None,
    site_id: str = "holding_id",
) -> pd.DataFrame:
    """Cost from each zone to each site within ``max_cost``, as a sparse long table.

    Parameters
    ----------
    zones
        Zones with ``zone_id`` and a Point geometry (e.g. from :func:`estate.demand.load_demand`).
    sites
        Sites with an id column ``site_id`` and a Point geometry (e.g. holdings).
    max_cost
        Keep only pairs with a cost up to this (km for straight line, minutes for a matrix).
    measure
        ``"straight_line"`` or ``"matrix"``; by default a matrix when one is given.
    circuity
        Straight-line distances are multiplied by this (at least 1).
    matrix
        A travel-time table from :func:`load_matrix`, or a path to one.
    site_id
        The id column of ``sites``; the output's site column has the same name.

    Returns
    -------
    pandas.DataFrame
        Columns ``zone_id``, ``site_id``, ``cost``, ``measure``, sorted by zone then cost;
        ids are categoricals. ``attrs`` holds ``measure`` (e.g. ``"straight-line km
        (circuity 1.0)"``), ``unit`` (``"km"`` or ``"min"``), ``max_cost``, ``circuity``;
        from a matrix also ``sites_with_times``, the sites it gives any time to (within
        ``max_cost`` or not), so a site left out of the matrix is told from a far one.

    Raises
    ------
    TravelCostError
        Geographic or missing CRS, different CRSs, missing or non-point geometry,
        duplicate ids, a circuity below 1 or a non-positive ``max_cost``.

    """
    if measure is None:
        measure = "matrix" if matrix is not None else "straight_line"
    if measure not in ("straight_line", "matrix"):
        raise TravelCostError(f"measure {measure!r} is not 'straight_line' or 'matrix'.")
    if not (max_cost > 0):
        raise TravelCostError(f"max_cost must be a positive number, not {max_cost!r}.")
    if measure == "matrix":
        if matrix is None:
            raise TravelCostError("measure='matrix' needs a travel-time matrix (matrix=...).")
        if not isinstance(matrix, pd.DataFrame):
            matrix = load_matrix(matrix, zones=zones, sites=sites, site_id=site_id)
        return _matrix_costs(zones, sites, matrix, max_cost, site_id)
    _check_circuity(circuity)
    zone_ids, zone_xy = projected_points(zones, "zone_id", "zones")
    site_ids, site_xy = projected_points(sites, site_id, "sites")
    _check_same_crs(zones, sites)
    cache_key = _hash("zone_site", zone_ids, zone_xy, site_ids, site_xy, max_cost, circuity, site_id)
    if cache_key in _cache:
        _cache.move_to_end(cache_key)
        return _cache[cache_key].copy()
    radius_m = max_cost / circuity * 1000.0
    pairs = cKDTree(zone_xy).sparse_distance_matrix(cKDTree(site_xy), radius_m, output_type="ndarray")
    cost = pairs["v"] * (circuity / 1000.0)
    order = np.lexsort((cost, pairs["i"]))
    label = straight_line_measure(circuity)
    table = pd.DataFrame(
        {
            "zone_id": pd.Categorical.from_codes(pairs["i"][order], categories=zone_ids),
            site_id: pd.Categorical.from_codes(pairs["j"][order], categories=site_ids),
            "cost": cost[order],
            "measure": pd.Categorical.from_codes(np.zeros(len(order), dtype=np.int8), [label]),
        }
    )
    table.attrs = {"measure": label, "unit": "km", "max_cost": max_cost, "circuity": circuity}
    _remember(cache_key, table)
    return table.copy()


def nearest_site(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    circuity: float = 1.0,
    site_id: str = "holding_id",
) -> pd.DataFrame:
    """Straight-line distance from each zone to its nearest site, however far.

    Parameters
    ----------
    zones, sites, circuity, site_id
        As for :func:`zone_site_costs`.

    Returns
    -------
    pandas.DataFrame
        One row per zone, in the zones' order: ``zone_id``, ``site_id`` (missing when there
        are no sites), ``cost`` in km (times ``circuity``; NaN when there are no sites).

    """
    _check_circuity(circuity)
    zone_ids, zone_xy = projected_points(zones, "zone_id", "zones")
    if len(sites) == 0:
        return pd.DataFrame(
            {
                "zone_id": zone_ids,
                site_id: pd.array([pd.NA] * len(zone_ids), dtype="string"),
                "cost": np.full(len(zone_ids), np.nan),
            }
        )
    site_ids, site_xy = projected_points(sites, site_id, "sites")
    _check_same_crs(zones, sites)
    distance, index = cKDTree(site_xy).query(zone_xy, k=1)
    return pd.DataFrame(
        {
            "zone_id": zone_ids,
            site_id: pd.array(site_ids[index], dtype="string"),
            "cost": distance * (circuity / 1000.0),
        }
    )


def site_site_distances(sites: gpd.GeoDataFrame, *, max_km: float, site_id: str = "holding_id") -> pd.DataFrame:
    """Straight-line distances between sites up to ``max_km``, for limits on staff moves.

    Parameters
    ----------
    sites
        Sites with an id column ``site_id`` and Point geometry in a projected CRS (metres).
    max_km
        Keep only pairs at most this far apart.
    site_id
        The id column of ``sites``.

    Returns
    -------
    pandas.DataFrame
        Columns ``from_id``, ``to_id``, ``km``; both directions of each pair, no site paired
        with itself; sites at the same point appear with 0 km. Ids are categoricals.

    """
    if not (max_km > 0):
        raise TravelCostError(f"max_km must be a positive number, not {max_km!r}.")
    ids, xy = projected_points(sites, site_id, "sites")
    cache_key = _hash("site_site", ids, xy, max_km, site_id)
    if cache_key in _cache:
        _cache.move_to_end(cache_key)
        return _cache[cache_key].copy()
    tree = cKDTree(xy)
    pairs = tree.sparse_distance_matrix(tree, max_km * 1000.0, output_type="ndarray")
    pairs = pairs[pairs["i"] != pairs["j"]]
    order = np.lexsort((pairs["v"], pairs["i"]))
    table = pd.DataFrame(
        {
            "from_id": pd.Categorical.from_codes(pairs["i"][order], categories=ids),
            "to_id": pd.Categorical.from_codes(pairs["j"][order], categories=ids),
            "km": pairs["v"][order] / 1000.0,
        }
    )
    table.attrs = {"measure": straight_line_measure(1.0), "unit": "km", "max_cost": max_km}
    _remember(cache_key, table)
    return table.copy()


def straight_line_measure(circuity: float) -> str:
    """Describe the straight-line measure, e.g. ``"straight-line km (circuity 1.0)"``."""
    return f"straight-line km (circuity {float(circuity)})"


def projected_points(frame: gpd.GeoDataFrame, id_column: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Check a frame's ids, CRS and point geometry and return ``(ids, xy)``.

    Raises
    ------
    TravelCostError
        Missing id column, duplicate or missing ids, no CRS, a geographic CRS (degrees),
        a CRS not in metres, or geometry that is missing or not a point. The message
        names the rows at fault.

    """
    if id_column not in frame.columns:
        raise TravelCostError(f"The {what} have no '{id_column}' column.")
    ids = frame[id_column]
    if ids.isna().any():
        raise TravelCostError(f"{int(ids.isna().sum())} of the {what} have no {id_column}.")
    ids = ids.astype(str).to_numpy()
    repeated = pd.Series(ids)[pd.Series(ids).duplicated()].unique().tolist()
    if repeated:
        raise TravelCostError(f"The {what} repeat {id_column} {listing(repeated)}: each needs its own id.")
    _check_crs(frame, what)
    geometry = frame.geometry
    empty = geometry.isna().to_numpy() | geometry.is_empty.to_numpy()
    if empty.any():
        raise TravelCostError(
            f"{int(empty.sum())} of the {what} have no location ({id_column} "
            f"{listing(ids[empty].tolist())}). Locate them or leave them out."
        )
    not_points = (geometry.geom_type != "Point").to_numpy()
    if not_points.any():
        raise TravelCostError(
            f"{int(not_points.sum())} of the {what} are not points ({id_column} "
            f"{listing(ids[not_points].tolist())}). Use a representative point per area."
        )
    xy = np.column_stack([geometry.x.to_numpy(), geometry.y.to_numpy()])
    return ids, xy


def _check_crs(frame: gpd.GeoDataFrame, what: str) -> None:
    crs = frame.crs
    if crs is None:
        raise TravelCostError(
            f"The {what} have no coordinate reference system; distances need one. Set it at "
            "load (EPSG:27700 for British National Grid)."
        )
    if crs.is_geographic:
        raise TravelCostError(
            f"The {what} are in {crs.to_string()}, which measures degrees; distances in degrees "
            "are meaningless. Reproject to EPSG:27700 (British National Grid) first."
        )
    units = {axis.unit_name for axis in crs.axis_info}
    if not units <= {"metre", "meter", "metres", "meters"}:
        raise TravelCostError(
            f"The {what} are in {crs.to_string()}, whose unit is {listing(sorted(units))}, "
            "not metres. Reproject to EPSG:27700."
        )


def _check_same_crs(zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> None:
    if zones.crs != sites.crs:
        raise TravelCostError(
            f"The zones are in {zones.crs.to_string()} and the sites in "
            f"{sites.crs.to_string()}; reproject both to EPSG:27700."
        )


def _check_circuity(circuity: float) -> None:
    if not (math.isfinite(circuity) and circuity >= 1.0):
        raise TravelCostError(
            f"circuity {circuity!r} is not possible: it is road distance divided by straight-"
            "line distance, at least 1 (typically 1.2 to 1.4)."
        )


def _hash(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            if part.dtype == object:
                digest.update("\x1f".join(map(str, part)).encode())
            else:
                digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _remember(cache_key: str, table: pd.DataFrame) -> None:
    _cache[cache_key] = table
    _cache.move_to_end(cache_key)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every cached cost table."""
    _cache.clear()


# --- travel-time matrix --------------------------------------------------------------


def matrix_measure(name: str) -> str:
    """Describe a travel-time measure, e.g. ``"travel time, minutes (from times.csv)"``."""
    return f"travel time, minutes (from {name})"


def load_matrix(
    path: TableSource,
    *,
    zones: pd.DataFrame,
    sites: pd.DataFrame,
    site_id: str = "holding_id",
    unmatched: Literal["raise", "drop"] = "raise",
) -> pd.DataFrame:
    """Read a travel-time matrix (minutes) and match its zones and sites to ours.

    Two layouts are read:

    long
        one row per pair, with a zone column (``zone_id``, ``origin``, ``from``, ...), a
        site column (``holding_id``, ``site``, ``destination``, ``to``, ``postcode``, ...)
        and a minutes column (``minutes``, ``time``, ``travel_time``, ``duration``, ...);
    wide
        the first column names the zones, every other column header names a site, and each
        cell is the minutes from that zone to that site.

    Zones match by ``zone_id``, ``zone_name`` or ``lsoa_id`` (an LSOA's time then applies to
    every zone in it); sites match by ``site_id``, ``uprn``, ``name`` or ``postcode`` (a
    postcode's time applies to every holding there). Matching ignores case, spaces and punctuation, so
    ``"M6  8HD"`` matches ``"M6 8HD"``.

    Parameters
    ----------
    path
        CSV or Excel file, or an open binary file (an upload).
    zones
        The demand zones (``zone_id``, optional ``zone_name`` and ``lsoa_id``).
    sites
        The sites (``site_id``, optional ``name`` and ``postcode``).
    site_id
        The id column of ``sites``; the output's site column has the same name.
    unmatched
        ``"raise"`` (default): zones or sites in the file that match nothing are an error,
        naming them. ``"drop"``: leave them out (e.g. a regional matrix used for one
        borough) and list them in ``attrs["dropped_zones"]`` / ``attrs["dropped_sites"]``
        and ``attrs["notes"]``.

    Returns
    -------
    pandas.DataFrame
        Long table ``zone_id``, ``site_id``, ``cost`` (minutes), ``measure``; ``attrs``:
        ``measure`` (``"travel time, minutes (from FILE)"``), ``unit`` (``"min"``),
        ``notes`` (e.g. zones of the demand with no times), ``sites_with_times`` (the
        ids of the sites the matrix gives any time to; a site it leaves out has none).

    Raises
    ------
    TravelCostError
        Ids that match no zone or site (named, up to ten, with a count, by the row(s) and
        column heading where the file gives them), missing, negative or non-numeric times
        (named by zone and site), or a pair given twice with different times. A missing
        time is never read as zero.
    estate.errors.InputFileError
        The file is missing, unreadable or larger than the planner reads (the message says
        how to make a matrix smaller: it cannot be given in parts).

    """
    name = source_name(path)
    zone_lookup = _zone_lookup(zones)
    site_lookup = _site_lookup(sites, site_id)
    # a file is read once per content and geography (an upload is read each time)
    cache_key = None
    if isinstance(path, str | Path) and Path(path).is_file() and Path(path).stat().st_size <= MAX_FILE_BYTES:
        # (a file above the limit is not read to hash it: read_table refuses it, saying what to do)
        content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        lookups = [a.to_numpy(dtype=object) for lookup in (zone_lookup, site_lookup) for a in (lookup.index, lookup)]
        cache_key = _hash("matrix", content, name, *lookups, site_id, unmatched)
        if cache_key in _cache:
            _cache.move_to_end(cache_key)
            return _copy(_cache[cache_key])
    table = read_table(path, too_large=_MATRIX_TOO_LARGE)
    if isinstance(table, gpd.GeoDataFrame):
        table = pd.DataFrame(table.drop(columns=table.geometry.name))
    long = _long_columns(table)
    rows = pd.Series(table.index.to_numpy(), index=table.index)
    if long is not None:
        zone_col, site_col, time_col = long
        cells = pd.DataFrame(
            {
                "zone": table[zone_col],
                "site": table[site_col],
                "text": table[time_col],
                "row": rows,
            }
        )
        layout = f"long (zone '{zone_col}', site '{site_col}', minutes '{time_col}')"
    else:
        if table.shape[1] < 2:
            raise TravelCostError(
                f"{name}: a wide matrix needs zones in the first column and one column per "
                f"site; the file has only {listing(list(table.columns))}."
            )
        zone_col, site_col = table.columns[0], None  # the sites are the column headings
        cells = table.assign(row=rows).melt(id_vars=[zone_col, "row"], var_name="site", value_name="text")
        cells = cells.rename(columns={zone_col: "zone"})[["zone", "site", "text", "row"]]
        layout = f"wide (zones in '{zone_col}', {table.shape[1] - 1} site columns)"

    cells["zone_key"] = cells["zone"].map(lambda v: key(v) if pd.notna(v) else "")
    cells["site_key"] = cells["site"].map(lambda v: key(v) if pd.notna(v) else "")
    zone_hit = cells["zone_key"].isin(zone_lookup.index)
    site_hit = cells["site_key"].isin(site_lookup.index)
    notes: list[str] = []
    dropped_zones = _unmatched(cells, zone_hit, "zone", zone_col, name, "zones", unmatched, notes)
    dropped_sites = _unmatched(cells, site_hit, "site", site_col, name, "sites", unmatched, notes)
    _refuse_shared_names(cells[site_hit], sites, site_id, name)
    cells = cells[zone_hit & site_hit]

    minutes, bad = parse_numbers(cells["text"])
    problems: list[dict[str, object]] = []
    for what, mask in (
        ("not a number", bad),
        ("missing", minutes.isna() & ~bad),
        ("negative", minutes < 0),
        ("not finite", np.isinf(minutes)),
    ):
        for item in cells[mask].itertuples():
            value = "" if pd.isna(item.text) else f" ('{item.text}')"
            problems.append(
                {
                    "file": name,
                    "row": item.row,
                    "field": f"{item.zone} -> {item.site}",
                    "problem": f"time {what}{value}",
                    "action": "give the minutes (a blank is never read as zero)",
                }
            )
    if problems:
        frame = problems_frame(problems)
        raise TravelCostError(problems_message(name, "travel-time matrix", frame), frame)

    cells = cells.assign(cost=minutes)
    pairs = cells.merge(zone_lookup.rename("zone_id"), left_on="zone_key", right_index=True)
    pairs = pairs.merge(site_lookup.rename(site_id), left_on="site_key", right_index=True)
    _check_repeats(pairs, name, site_id)
    pairs = pairs.drop_duplicates(["zone_id", site_id])

    if pairs.empty:
        raise TravelCostError(
            f"{name}: the travel-time matrix gives no time for any of our zones and sites, so every "
            "resident would count as out of reach. Check it is the right file, with a row per zone and site."
        )
    typical = float(pairs["cost"].median()) if len(pairs) else 0.0
    if typical > _LONGEST_TYPICAL_MINUTES:
        raise TravelCostError(
            f"{name}: the typical time in the matrix is {typical:,.0f} minutes ({typical / 60:,.1f} hours) from a "
            "zone to a site in the place, which no journey within a place takes. Are the times in seconds (as "
            "routing engines give a 'duration')? Give them in minutes (divide by 60)."
        )
    covered = set(pairs["zone_id"])
    absent = [z for z in zones["zone_id"].astype(str) if z not in covered]
    if absent:
        notes.append(
            f"{name}: {len(absent)} of {len(zones)} zones have no travel times "
            f"({listing(absent)}); they count as out of reach by travel time."
        )
    label = matrix_measure(name)
    result = pd.DataFrame(
        {
            "zone_id": pairs["zone_id"].astype("string").to_numpy(),
            site_id: pairs[site_id].astype("string").to_numpy(),
            "cost": pairs["cost"].to_numpy(dtype=float),
        }
    )
    result = result.sort_values(["zone_id", "cost"], kind="stable").reset_index(drop=True)
    result["measure"] = pd.Categorical([label] * len(result))
    result.attrs = {
        "measure": label,
        "unit": "min",
        "max_cost": math.inf,
        "source": name,
        "layout": layout,
        "notes": notes,
        "dropped_zones": dropped_zones,
        "dropped_sites": dropped_sites,
        "sites_with_times": tuple(sorted(result[site_id].unique())),
    }
    if cache_key is not None:
        _remember(cache_key, result)
    return _copy(result)


_MATRIX_TOO_LARGE = (
    "a travel-time matrix is given as a single file (--matrix takes one), so make this one smaller rather "
    "than split it. Keep only the zones and sites of this place; write it in long form, one row per zone and site "
    "(zone, site, minutes), keeping only the pairs within the longest standard (the largest threshold_minutes "
    "in services.toml); and leave out every column but those three"
)
"""What to do about a matrix above the size limit: ``--matrix`` takes one file, so parts cannot be given."""

_LONGEST_TYPICAL_MINUTES = 300.0
"""A matrix whose median time is longer than this is not in minutes (seconds, most often)."""


def _copy(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a cached table whose attrs (notes and dropped ids) a caller may change freely."""
    out = table.copy()
    out.attrs = copy.deepcopy(table.attrs)
    return out


def _long_columns(table: pd.DataFrame) -> tuple[str, str, str] | None:
    time_col = find_column(table.columns, _TIME_ALIASES)
    if time_col is None:
        return None
    zone_col = find_column([c for c in table.columns if c != time_col], _ZONE_ALIASES)
    site_col = find_column([c for c in table.columns if c not in (time_col, zone_col)], _SITE_ALIASES)
    if zone_col is None or site_col is None:
        return None
    return zone_col, site_col, time_col


def _lookup(frame: pd.DataFrame, id_column: str, others: tuple[str, ...]) -> pd.Series:
    """Map folded keys to ids; an id matches itself, a name or postcode may match several."""
    ids = frame[id_column].astype(str)
    own = pd.DataFrame({"key": ids.map(key), "id": ids})
    pieces = [own]
    for column in others:
        if column in frame.columns:
            known = frame[column].notna()
            piece = pd.DataFrame({"key": frame.loc[known, column].astype(str).map(key), "id": ids[known]})
            pieces.append(piece[~piece["key"].isin(own["key"])])
    table = pd.concat(pieces).drop_duplicates()
    table = table[table["key"] != ""]
    return table.set_index("key")["id"]


def _zone_lookup(zones: pd.DataFrame) -> pd.Series:
    if "zone_id" not in zones.columns:
        raise TravelCostError("The zones have no 'zone_id' column.")
    return _lookup(zones, "zone_id", ("zone_name", "lsoa_id", "lsoa_name"))


def _site_lookup(sites: pd.DataFrame, site_id: str) -> pd.Series:
    if site_id not in sites.columns:
        raise TravelCostError(f"The sites have no '{site_id}' column.")
    return _lookup(sites, site_id, ("uprn", "name", "postcode"))


def _refuse_shared_names(cells: pd.DataFrame, sites: pd.DataFrame, site_id: str, name: str) -> None:
    """Refuse a site named in the matrix by a name several holdings share (three partners' "Altrincham").

    A postcode's time may stand for every holding at it; a name's may not: the jobcentre's
    times would be read as the fire station's of the same name.
    """
    if "name" not in sites.columns:
        return
    named = pd.DataFrame({"key": sites["name"].astype("string").fillna("").map(key), "id": sites[site_id].astype(str)})
    named = named[named["key"] != ""]
    own = set(sites[site_id].astype(str).map(key))
    postcodes = set(sites["postcode"].dropna().astype(str).map(key)) if "postcode" in sites.columns else set()
    shared = named.groupby("key")["id"].unique()
    shared = shared[shared.map(len) > 1]
    shared = shared[[k not in own and k not in postcodes for k in shared.index]]
    used = cells.loc[cells["site_key"].isin(shared.index)].drop_duplicates("site_key")
    if used.empty:
        return
    rows = [
        {
            "file": name,
            "row": None,
            "field": "site",
            "problem": f"'{label}' is the name of {len(shared[k])} holdings ({listing(list(shared[k]))})",
            "action": "name the site by its holding id or postcode",
        }
        for label, k in zip(used["site"], used["site_key"], strict=True)
    ]
    raise TravelCostError(
        f"{name}: {len(rows)} site(s) in the matrix are named by a name several holdings share "
        f"({listing(list(used['site'].astype(str)))}); their times cannot be told apart. Use holding ids or postcodes.",
        problems_frame(rows),
    )


def _unmatched(
    cells: pd.DataFrame,
    hit: pd.Series,
    column: str,
    heading: str | None,
    name: str,
    what: str,
    unmatched: str,
    notes: list[str],
) -> list[str]:
    """Refuse (or drop, noting them) the zones or sites of a matrix that match none of ours.

    ``column`` is ``"zone"`` or ``"site"``; ``heading`` is the file's column holding those
    ids, or ``None`` when the ids are the column headings (a wide matrix's sites). Each id
    is named with where it is: the heading and row(s) a spreadsheet shows, the first few
    of an id repeated on many rows and their count, or the column it heads.
    """
    missing = cells.loc[~hit, [column, "row"]]
    if missing.empty:
        return []
    found = pd.DataFrame(
        {
            "id": missing[column].map(lambda v: "(blank)" if pd.isna(v) else str(v)).to_numpy(),
            "row": missing["row"].to_numpy(),
        }
    ).drop_duplicates()
    labels = list(found["id"].unique())  # in the order the file gives them
    by_row = found.sort_values("row", kind="stable").groupby("id", sort=False)
    counts = by_row.size()
    shown = by_row.head(_ROWS_SHOWN).groupby("id", sort=False)["row"].agg(list)
    places = {label: _place_in_file(shown[label], int(counts[label]), heading) for label in labels}
    named = [f"{label} ({places[label]})" for label in labels]

    def problems(action: str) -> pd.DataFrame:
        return problems_frame(
            [
                {
                    "file": name,
                    "row": shown[label][0] if heading is not None else None,
                    "field": heading if heading is not None else f"column '{label}'",
                    "problem": f"{label} matches no {column}" + (f" ({places[label]})" if heading is not None else ""),
                    "action": action,
                }
                for label in labels
            ]
        )

    if hit.sum() == 0:
        hint = (
            "the zone column (the first column of a wide matrix) holds zone codes, zone names or LSOA codes"
            if column == "zone"
            else "the site column (the headers of a wide matrix) holds holding ids, names or postcodes"
        )
        # nothing matches, so every row is wrong: the file or its geography is, not some ids (rows in the table)
        raise TravelCostError(
            f"{name}: none of the {len(labels)} {what} in the matrix match ours ({listing(labels)}). "
            f"Check that {hint} of the same geography and year as the place's.",
            problems("check the id"),
        )
    if unmatched == "raise":
        raise TravelCostError(
            f"{name}: {len(labels)} {what} in the matrix match none of ours: {listing(named)}. "
            f"Correct the ids, or, if they are outside the place, drop them (unmatched='drop', "
            "or --drop-unmatched on the command line).",
            problems("correct it or drop it"),
        )
    notes.append(f"{name}: left out {len(labels)} {what} that match none of ours ({listing(named)}).")
    return labels


_ROWS_SHOWN = 3
"""Rows named for an id the matrix repeats on many rows; the rest are counted."""


def _place_in_file(first_rows: list[int], count: int, heading: str | None) -> str:
    """Where an id is in a matrix file.

    ``"column 'origin', row 3"``, ``"column 'origin', rows 3, 4 and 5"``; for an id on
    more rows their count and the first rows, ``"column 'origin', on 100 rows: 3, 4, 5 and 97
    more"``; ``"a column heading"`` for a site that heads a wide matrix's column.
    """
    if heading is None:
        return "a column heading"
    if count == 1:
        return f"column '{heading}', row {first_rows[0]}"
    shown = ", ".join(map(str, first_rows))
    if count == len(first_rows):
        head, _, last = shown.rpartition(", ")
        return f"column '{heading}', rows {head} and {last}"
    return f"column '{heading}', on {count:,} rows: {shown} and {count - len(first_rows):,} more"


def _check_repeats(pairs: pd.DataFrame, name: str, site_id: str) -> None:
    spread = pairs.groupby(["zone_id", site_id])["cost"].agg(["min", "max"])
    clash = spread[spread["min"] != spread["max"]]
    if clash.empty:
        return
    shown = [f"{z} -> {s} ({lo:g} and {hi:g})" for (z, s), lo, hi in clash.itertuples()]
    raise TravelCostError(
        f"{name}: {len(shown)} zone-site pairs are given different times: {listing(shown)}. "
        "Keep one time per pair (a zone may be matched by code and by name, or an LSOA row "
        "may overlap its zones' rows)."
    )


def check_costs(table: pd.DataFrame, what: str, site_id: str = "holding_id") -> None:
    """Refuse a zone-site cost table with a missing, negative or infinite cost.

    Tables read from files are checked as they are read (:func:`load_matrix`); this
    checks one built or edited in code before it is used, so a bad cost is never read
    as zero or as in reach.

    Raises
    ------
    TravelCostError
        Naming up to ten of the pairs (zone -> site) and their costs.
    """
    cost = pd.to_numeric(table["cost"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(cost) | (cost < 0)
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    problems = problems_frame(
        [
            {
                "file": what,
                "row": int(i) + 1,
                "field": f"{table['zone_id'].iloc[i]} -> {table[site_id].iloc[i]}",
                "problem": "cost missing" if np.isnan(cost[i]) else f"cost {cost[i]:g}",
                "action": "give a cost of zero or more (a missing cost is never read as zero)",
            }
            for i in rows
        ]
    )
    raise TravelCostError(problems_message(what, "cost table", problems), problems)


def _matrix_costs(
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    matrix: pd.DataFrame,
    max_cost: float,
    site_id: str,
) -> pd.DataFrame:
    missing = {"zone_id", site_id, "cost"} - set(matrix.columns)
    if missing:
        raise TravelCostError(f"The matrix has no {listing(sorted(missing))} column; read it with load_matrix.")
    check_costs(matrix, "the travel-time matrix", site_id)
    zone_ids = pd.Index(zones["zone_id"].astype(str).unique())
    site_ids = pd.Index(sites[site_id].astype(str).unique())
    keep = (
        (matrix["cost"] <= max_cost)
        & matrix["zone_id"].astype(str).isin(zone_ids)
        & matrix[site_id].astype(str).isin(site_ids)
    )
    chosen = matrix[keep]
    label = matrix.attrs.get("measure", "travel time, minutes")
    order = np.lexsort((chosen["cost"].to_numpy(), zone_ids.get_indexer(chosen["zone_id"])))
    chosen = chosen.iloc[order]
    table = pd.DataFrame(
        {
            "zone_id": pd.Categorical(chosen["zone_id"].astype(str), categories=zone_ids),
            site_id: pd.Categorical(chosen[site_id].astype(str), categories=site_ids),
            "cost": chosen["cost"].to_numpy(dtype=float),
            "measure": pd.Categorical([label] * len(chosen)),
        }
    )
    # the sites the matrix times at all, before the cut-off: a site beyond it is far, not unmeasured
    timed = matrix.attrs.get("sites_with_times")
    timed = pd.Index(matrix[site_id].astype(str).unique() if timed is None else list(timed))
    table.attrs = {
        "measure": label,
        "unit": matrix.attrs.get("unit", "min"),
        "max_cost": max_cost,
        "circuity": None,
        "source": matrix.attrs.get("source"),
        "sites_with_times": tuple(sorted(site_ids.intersection(timed))),
    }
    return table


__all__ = [
    "COST_COLUMNS",
    "TravelCostError",
    "check_costs",
    "clear_cache",
    "load_matrix",
    "matrix_measure",
    "nearest_site",
    "projected_points",
    "site_site_distances",
    "straight_line_measure",
    "zone_site_costs",
]

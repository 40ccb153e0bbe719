"""Demand: where residents live, by small area, optionally by age band and deprivation.

A *zone* is an Output Area, LSOA or any small area with a population count. The access
report weights each zone by the population a service serves (everyone, working age, 65+,
children) and measures from the zone's point to the nearest holding offering the service.

:func:`load_demand` reads the sample place's ``demand_oa.csv`` as well as files shaped
like ONS downloads: one row per zone, or three per zone split by sex (the "Persons" rows
are kept); codes such as ``OA21CD``, ``LSOA11CD`` or ``area_code``; a count called
``population``, ``all_ages``, ``Persons`` or ``total``; age bands that are used as they are
or added up from finer bands; points as ``x``/``y``, ``easting``/``northing`` or
``lon``/``lat``, or a separate boundary file whose polygons give each zone a
representative point. Deprivation (IMD) deciles join by LSOA code.

:func:`load_zones` reads zone outlines (polygons keyed by the same codes) to shade maps.

Every problem in a file is reported at once, naming the row and field, and nothing is
dropped silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from estate._tables import (
    ProblemsError,
    TableSource,
    find_column,
    listing,
    normalise,
    parse_numbers,
    problems_frame,
    problems_message,
    read_table,
    source_name,
)
from estate.locate import read_polygons
from estate.schema import CRS

AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "aged_0_15": (0, 15),
    "aged_16_64": (16, 64),
    "aged_65_plus": (65, None),
}
"""Age-band columns a demand table may carry, with their ages (``None``: and over)."""

DEMAND_COLUMNS: tuple[str, ...] = (
    "zone_id",
    "zone_name",
    "lsoa_id",
    "lsoa_name",
    "population",
    *AGE_BANDS,
    "imd_decile",
    "location_source",
    "geometry",
)
"""Columns of a loaded demand table. Age bands appear only when the file gives them;
``lsoa_name`` is the LSOA's name where the file gives it (a matrix may be keyed by it);
``imd_decile`` is 1 for the most deprived tenth of LSOAs in England, missing where
unknown; ``location_source`` is ``supplied`` (a point in the file) or ``derived`` (the
representative point of a zone polygon)."""


_LSOA_NAME_ALIASES: tuple[str, ...] = ("lsoa_name", "lsoa21nm", "lsoa11nm", "lsoa21_name", "lsoa11_name")
"""Columns naming a zone's LSOA (e.g. "Trafford 025D"): a travel-time matrix may use them."""


class DemandError(ProblemsError):
    """A demand, zone or deprivation file cannot be used; ``problems`` lists every fault."""


_ZONE_ID_GROUPS: tuple[tuple[str, ...], ...] = (
    ("zone_id", "zone_code", "zone"),
    ("oa21cd", "oa11cd", "oa_code", "oa21_code", "oa11_code", "output_area_code", "output_area"),
    ("area_code", "areacode", "geography_code", "geo_code", "code", "mnemonic", "id"),
    (
        "lsoa21cd",
        "lsoa11cd",
        "lsoa_id",
        "lsoa_code",
        "lsoa21_code",
        "lsoa11_code",
        "lsoa_code_2021",
        "lsoa_code_2011",
        "lsoa",
    ),
    ("msoa21cd", "msoa11cd", "msoa_code", "msoa_id"),
    ("datazone", "data_zone", "dz_code", "datazone_code"),
)
_LSOA_ALIASES = _ZONE_ID_GROUPS[3]
_LSOA_CODE = r"[EW]01\d{6}"  # ONS codes of LSOAs in England (E01) and Wales (W01)
_NAME_ALIASES = (
    "zone_name",
    "name",
    "area_name",
    "oa21nm",
    "oa11nm",
    "lsoa21nm",
    "lsoa11nm",
    "lsoa_name",
    "lsoa21_name",
    "lsoa11_name",
    "msoa21nm",
    "msoa11nm",
    "geography_name",
)
_POPULATION_ALIASES = (
    "population",
    "pop",
    "all_ages",
    "persons",
    "all_persons",
    "total_population",
    "total",
    "all_usual_residents",
    "usual_residents",
    "residents",
    "people",
    "count",
    "obs_value",
    "observation",
    "value",
)
_SEX_ALIASES = ("sex", "gender")
_PERSONS_VALUES = {"persons", "all_persons", "all", "total", "people", "all_people"}
_BNG_PAIRS = (
    ("x", "y"),
    ("easting", "northing"),
    ("eastings", "northings"),
    ("oseast1m", "osnrth1m"),
    ("geox", "geoy"),
    ("geo_x", "geo_y"),
    ("bng_e", "bng_n"),
    ("bng_x", "bng_y"),
    ("pwc_x", "pwc_y"),
    ("x_coordinate", "y_coordinate"),
)
_LONLAT_PAIRS = (
    ("lon", "lat"),
    ("longitude", "latitude"),
    ("long", "lat"),
    ("lng", "lat"),
)
_BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)
_UK_LONLAT_BOUNDS = (-9.0, 49.0, 3.0, 61.0)


def load_demand(
    path: TableSource,
    *,
    zones_path: TableSource | None = None,
    imd_path: TableSource | None = None,
    label: str | None = None,
) -> gpd.GeoDataFrame:
    """Load zones with their population, age bands, deprivation decile and a point each.

    Parameters
    ----------
    path
        CSV, Excel or geographic file with one row per zone (or per zone and sex, in
        which case the "Persons" rows are kept). An open binary file (an upload) works too.
    zones_path
        Optional boundary or point file keyed by the same zone codes. Polygons give each
        zone its representative point (inside the polygon, not population-weighted). Used
        for zones whose row in ``path`` has no coordinates.
    imd_path
        Optional deprivation file with an LSOA code column and an IMD decile column (such
        as the English Indices of Deprivation). Joined on the zones' LSOA code, or on the
        zone code when the zones are LSOAs.
    label
        What to call ``path`` in messages and reports; defaults to its file name.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`DEMAND_COLUMNS` (age bands only where given), one row per zone, a
        Point per zone in EPSG:27700. ``attrs`` holds ``source`` (the file), ``location``
        (a sentence saying what the points are) and ``notes`` (what the loader did that a
        user should know, such as zones without an IMD decile).

    Raises
    ------
    DemandError
        No zone code or population column; negative, missing or non-numeric counts;
        duplicate zone codes; zones with no location; coordinates that are not where the
        columns say. The message names the file, rows and fields; ``problems`` lists all.

    """
    name = source_name(path, label)
    table = read_table(path, label)
    notes: list[str] = []
    if table.empty:
        raise DemandError(f"{name}: the file has a header but no zones. Add one row per zone.")
    table = _keep_persons(table, name, notes)
    rows = pd.Series(table.index.to_numpy(), index=table.index)
    problems: list[dict[str, object]] = []

    zone_col, lsoa_col = _zone_columns(table, name)
    zone_id = table[zone_col].map(lambda v: str(v).strip() if pd.notna(v) else None)
    for index in zone_id.index[zone_id.isna()]:
        problems.append(_problem(name, rows[index], zone_col, "no zone code", "fill in the zone's code"))
    _duplicate_problems(zone_id, rows, name, zone_col, problems)

    population = _counts(table, _population_column(table, name), rows, name, problems, True)
    bands = _age_bands(table, rows, name, problems, notes)
    name_col = find_column(table.columns, _NAME_ALIASES)
    zone_name = table[name_col].fillna(zone_id) if name_col else zone_id
    if lsoa_col is not None:
        lsoa_id = table[lsoa_col]
    elif zone_col in _columns_in(table, _LSOA_ALIASES) or zone_id.dropna().str.fullmatch(_LSOA_CODE).all():
        lsoa_id = zone_id
    else:
        lsoa_id = pd.Series(pd.NA, index=table.index, dtype="string")

    lsoa_name_col = find_column(table.columns, _LSOA_NAME_ALIASES)
    lsoa_name = table[lsoa_name_col] if lsoa_name_col else pd.Series(pd.NA, index=table.index, dtype="string")

    points, location_source, location = _file_points(table, rows, name, problems)
    if zones_path is not None:
        points, location_source, location = _fill_from_zones(
            zones_path, zone_id, points, location_source, location, notes
        )
    _missing_location_problems(points, zone_id, rows, name, zones_path, problems)

    deciles = _file_deciles(table, rows, name, problems)
    if problems:
        frame = problems_frame(problems)
        raise DemandError(problems_message(name, "demand file", frame), frame)

    demand = gpd.GeoDataFrame(
        {
            "zone_id": zone_id.astype("string"),
            "zone_name": zone_name.astype("string"),
            "lsoa_id": lsoa_id.astype("string"),
            "lsoa_name": lsoa_name.astype("string"),
            "population": population,
            **bands,
            "imd_decile": deciles,
            "location_source": location_source.astype("string"),
        },
        geometry=gpd.GeoSeries(points, crs=CRS),
        crs=CRS,
    ).reset_index(drop=True)
    if imd_path is not None:
        demand["imd_decile"] = _join_imd(demand, imd_path, name, notes)
    _note_missing_deciles(demand, notes)
    demand.attrs = {"source": name, "location": location, "notes": notes}
    return demand


def load_zones(path: str | Path) -> gpd.GeoDataFrame:
    """Load zone outlines, for shading maps by each zone's access.

    Parameters
    ----------
    path
        Any vector file of polygons (GeoJSON, GeoPackage, Shapefile) with a column of
        zone codes, the same codes as the demand file.

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the file, in EPSG:27700, invalid polygons repaired. Maps join it
        to access results on ``zone_id``: when the file names its codes otherwise
        (``OA21CD``, ``LSOA21CD``, ``code``, ...) they are copied to a ``zone_id`` column of
        text. ``attrs`` holds ``source`` (the file) and ``notes`` (what was done that a user
        should know, such as polygons repaired).

    Raises
    ------
    estate.errors.EstateError
        The file is missing, empty or unreadable (:class:`~estate.errors.InputFileError`),
        holds no features, declares no coordinate system, holds points or lines rather than
        polygons, or has no zone code column (:class:`DemandError`). The message names the
        file and says what to do.

    """
    name = Path(path).name
    zones = read_polygons(path, "zone outlines", holds="the zones' outlines")
    notes = []
    if zones.attrs["repaired"]:
        count = zones.attrs["repaired"]
        notes.append(f"{name}: {count} invalid zone polygon{'s' if count != 1 else ''} repaired (shapely make_valid).")
    zone_col, _ = _zone_columns(zones.drop(columns=zones.geometry.name), name)
    if zone_col != "zone_id":
        codes = zones[zone_col].map(lambda v: str(v).strip() if pd.notna(v) else None)
        zones["zone_id"] = codes.astype("string")
        notes.append(f"{name}: zone codes read from column '{zone_col}'.")
    zones.attrs = {"source": name, "notes": notes}
    return zones


# --- columns -------------------------------------------------------------------------


def _problem(file: str, row: object, field: str, problem: str, action: str) -> dict[str, object]:
    return {"file": file, "row": row, "field": field, "problem": problem, "action": action}


def _columns_in(table: pd.DataFrame, aliases: tuple[str, ...]) -> list[str]:
    return [c for c in table.columns if normalise(c) in aliases]


def _keep_persons(table: pd.DataFrame, name: str, notes: list[str]) -> pd.DataFrame:
    sex_col = find_column(table.columns, _SEX_ALIASES)
    if sex_col is None:
        return table
    values = table[sex_col].map(normalise)
    persons = values.isin(_PERSONS_VALUES)
    if persons.all():
        return table
    if not persons.any():
        seen = listing(sorted(table[sex_col].dropna().astype(str).unique()))
        raise DemandError(
            f"{name}: column '{sex_col}' splits each zone by sex ({seen}) and there are no "
            "'Persons' rows. Keep a 'Persons' row per zone (ONS downloads include one) or add "
            "the sexes up."
        )
    notes.append(
        f"{name}: kept the {int(persons.sum())} 'Persons' rows; the rows for each sex "
        f"(column '{sex_col}') were not added again."
    )
    return table[persons]


def _zone_columns(table: pd.DataFrame, name: str) -> tuple[str, str | None]:
    zone_col = None
    for group in _ZONE_ID_GROUPS:
        zone_col = find_column(table.columns, group)
        if zone_col is not None:
            break
    if zone_col is None:
        raise DemandError(
            f"{name}: no zone code column. Name the column of Output Area or LSOA codes "
            f"'zone_id' (columns found: {listing(list(table.columns))}).",
            problems_frame([_problem(name, None, "zone_id", "no zone code column", "add or rename it")]),
        )
    lsoa_cols = [c for c in _columns_in(table, _LSOA_ALIASES) if c != zone_col]
    return zone_col, (lsoa_cols[0] if lsoa_cols else None)


def _population_column(table: pd.DataFrame, name: str) -> str:
    column = find_column(table.columns, _POPULATION_ALIASES)
    if column is None:
        raise DemandError(
            f"{name}: no population column. Add the number of residents per zone in a column "
            f"named 'population' (or 'all_ages', 'Persons', 'total'); columns found: "
            f"{listing(list(table.columns))}.",
            problems_frame([_problem(name, None, "population", "no population column", "add or rename it")]),
        )
    return column


def _counts(
    table: pd.DataFrame,
    column: str,
    rows: pd.Series,
    name: str,
    problems: list[dict[str, object]],
    required: bool,
) -> pd.Series:
    numbers, bad = parse_numbers(table[column])
    for index in table.index[bad]:
        problems.append(
            _problem(
                name,
                rows[index],
                column,
                f"'{table.at[index, column]}' is not a number",
                "write the count as a number",
            )
        )
    missing = numbers.isna() & ~bad
    for index in table.index[missing]:
        problems.append(
            _problem(
                name,
                rows[index],
                column,
                "blank",
                "fill in the count (0 if nobody lives there)" if required else "fill in the count or remove the column",
            )
        )
    for index in table.index[(numbers < 0) | np.isinf(numbers)]:
        problems.append(
            _problem(
                name,
                rows[index],
                column,
                f"{numbers[index]:g} is not a possible count",
                "correct it",
            )
        )
    return numbers


def _duplicate_problems(
    zone_id: pd.Series,
    rows: pd.Series,
    name: str,
    field: str,
    problems: list[dict[str, object]],
) -> None:
    duplicated = zone_id.notna() & zone_id.duplicated(keep=False)
    for code, group in rows[duplicated].groupby(zone_id[duplicated], sort=True):
        problems.append(
            _problem(
                name,
                int(group.iloc[0]),
                field,
                f"zone {code} appears on rows {listing(group.tolist())}",
                "keep one row per zone",
            )
        )


_BAND_PATTERNS = (
    (re.compile(r"^(?:aged?_)?(\d+)(?:_years?)?_(?:to_)?(\d+)(?:_years?)?$"), "range"),
    (re.compile(r"^(?:aged?_)?(\d+)(?:_years?)?_(?:and_|or_)?(?:under|younger)$"), "under"),
    (
        re.compile(r"^(?:aged?_)?(\d+)(?:_years?)?_?(?:and_over|or_over|plus|and_older|over)$"),
        "over",
    ),
)


def _band_of(column: str) -> tuple[int, int | None] | None:
    text = normalise(column)
    for pattern, kind in _BAND_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        if kind == "range":
            low, high = int(match.group(1)), int(match.group(2))
            return (low, high) if low <= high else None
        if kind == "under":
            return (0, int(match.group(1)))
        return (int(match.group(1)), None)
    return None


def _tiling(bands: dict[str, tuple[int, int | None]], target: tuple[int, int | None]) -> list[str] | None:
    """Columns whose age ranges exactly cover ``target`` end to end, or ``None``."""
    low, high = target
    chosen: list[str] = []
    while True:
        following = [c for c, (lo, _) in bands.items() if lo == low]
        fitting = [c for c in following if high is None or (bands[c][1] is not None and bands[c][1] <= high)]
        if len(fitting) != 1:
            return None
        column = fitting[0]
        chosen.append(column)
        end = bands[column][1]
        if end == high:
            return chosen
        if end is None:
            return None
        low = end + 1


def _age_bands(
    table: pd.DataFrame,
    rows: pd.Series,
    name: str,
    problems: list[dict[str, object]],
    notes: list[str],
) -> dict[str, pd.Series]:
    parsed = {c: band for c in table.columns if (band := _band_of(c)) is not None}
    out: dict[str, pd.Series] = {}
    for target_name, target in AGE_BANDS.items():
        exact = [c for c, band in parsed.items() if band == target]
        columns = exact[:1] or _tiling(parsed, target)
        if not columns:
            continue
        parts = [_counts(table, c, rows, name, problems, False) for c in columns]
        out[target_name] = sum(parts[1:], parts[0])
        if len(columns) > 1:
            notes.append(f"{name}: {target_name} is the sum of {', '.join(columns)}.")
    return out


# --- locations -----------------------------------------------------------------------


def _points_of(geometry: gpd.GeoSeries) -> tuple[pd.Series, pd.Series]:
    """Return a point per geometry (a polygon's representative point) and its source."""
    empty = geometry.isna() | geometry.is_empty
    is_point = (geometry.geom_type == "Point") & ~empty
    points = geometry.where(is_point, geometry.representative_point())
    points = pd.Series(points.to_numpy(), index=geometry.index, dtype=object).where(~empty, None)
    source = pd.Series(np.where(is_point, "supplied", "derived"), index=geometry.index)
    return points, source.where(~empty, None)


def _file_points(
    table: pd.DataFrame, rows: pd.Series, name: str, problems: list[dict[str, object]]
) -> tuple[pd.Series, pd.Series, str]:
    none = pd.Series(None, index=table.index, dtype=object)
    if isinstance(table, gpd.GeoDataFrame):
        if table.crs is None:
            raise DemandError(
                f"{name}: the file has geometry but no coordinate reference system. Save it "
                "with its CRS (EPSG:27700 for British National Grid)."
            )
        points, source = _points_of(table.geometry.to_crs(CRS))
        if (source == "derived").any():
            return (
                points,
                source,
                (f"representative points of the zone polygons in {name} (not population-weighted)"),
            )
        return points, source, f"zone points in {name}"
    for pairs, crs in ((_BNG_PAIRS, CRS), (_LONLAT_PAIRS, "EPSG:4326")):
        for x_alias, y_alias in pairs:
            x_col = find_column(table.columns, (x_alias,))
            y_col = find_column(table.columns, (y_alias,))
            if x_col is None or y_col is None:
                continue
            points = _xy_points(table, rows, name, x_col, y_col, crs, problems)
            source = pd.Series("supplied", index=table.index).where(points.notna(), None)
            return points, source, _describe_points(name, x_col, y_col)
    return none, none.copy(), f"no coordinates in {name}"


def _describe_points(name: str, x_col: str, y_col: str) -> str:
    weighted = any(word in normalise(text) for text in (name, x_col) for word in ("pwc", "weighted"))
    what = "population-weighted centroids" if weighted else "zone points"
    caveat = "" if weighted else " (the file does not say they are population-weighted)"
    return f"{what} from columns {x_col}, {y_col} of {name}{caveat}"


def _xy_points(
    table: pd.DataFrame,
    rows: pd.Series,
    name: str,
    x_col: str,
    y_col: str,
    crs: str,
    problems: list[dict[str, object]],
) -> pd.Series:
    x, bad_x = parse_numbers(table[x_col])
    y, bad_y = parse_numbers(table[y_col])
    field = f"{x_col}/{y_col}"
    for index in table.index[bad_x | bad_y]:
        problems.append(
            _problem(
                name,
                rows[index],
                field,
                f"'{table.at[index, x_col]}', '{table.at[index, y_col]}' are not numbers",
                "correct the coordinates or leave both blank",
            )
        )
    present = x.notna() & y.notna()
    valid = present.copy()
    if crs == CRS:
        degrees = present & (x.abs() <= 180) & (y.abs() <= 90)
        if present.any() and degrees[present].all():
            problems.append(
                _problem(
                    name,
                    None,
                    field,
                    f"columns {x_col}, {y_col} hold degrees (e.g. {x[present].iloc[0]:g}, "
                    f"{y[present].iloc[0]:g}), not British National Grid metres",
                    "rename them lon and lat",
                )
            )
            return pd.Series(None, index=table.index, dtype=object)
        xmin, ymin, xmax, ymax = _BNG_BOUNDS
        outside = present & ~(x.between(xmin, xmax) & y.between(ymin, ymax))
        for index in table.index[outside]:
            problems.append(
                _problem(
                    name,
                    rows[index],
                    field,
                    f"{x[index]:g}, {y[index]:g} is outside Great Britain's national grid",
                    "correct the easting and northing (metres, EPSG:27700)",
                )
            )
        valid &= ~outside
    else:
        xmin, ymin, xmax, ymax = _UK_LONLAT_BOUNDS
        swapped = present & x.between(ymin, ymax) & y.between(xmin, xmax)
        outside = present & ~(x.between(xmin, xmax) & y.between(ymin, ymax)) & ~swapped
        for index in table.index[swapped]:
            problems.append(
                _problem(
                    name,
                    rows[index],
                    field,
                    f"longitude {x[index]:g}, latitude {y[index]:g} look swapped",
                    "swap the two values",
                )
            )
        for index in table.index[outside]:
            problems.append(
                _problem(
                    name,
                    rows[index],
                    field,
                    f"{x[index]:g}, {y[index]:g} is outside the United Kingdom",
                    "correct the longitude and latitude (degrees, WGS84)",
                )
            )
        valid &= ~(swapped | outside)
    geometry = gpd.GeoSeries(
        [Point(a, b) if ok else None for a, b, ok in zip(x, y, valid, strict=True)],
        index=table.index,
        crs=crs,
    ).to_crs(CRS)
    return pd.Series(geometry.to_numpy(), index=table.index, dtype=object)


def _fill_from_zones(
    zones_path: TableSource,
    zone_id: pd.Series,
    points: pd.Series,
    location_source: pd.Series,
    location: str,
    notes: list[str],
) -> tuple[pd.Series, pd.Series, str]:
    zones_name = source_name(zones_path)
    zones = read_table(zones_path)
    wanted = set(zone_id.dropna())
    id_col = _best_id_column(zones, wanted)
    if id_col is None:
        example = listing(sorted(wanted)[:3])
        raise DemandError(
            f"{zones_name}: no column holds the zone codes of the demand file (such as "
            f"{example}). Use a boundary file for the same geography and year."
        )
    rows = pd.Series(zones.index.to_numpy(), index=zones.index)
    codes = zones[id_col].astype(str).str.strip()
    zone_problems: list[dict[str, object]] = []
    zone_points, zone_source, zone_location = _file_points(zones, rows, zones_name, zone_problems)
    if zone_location.startswith("no coordinates"):
        raise DemandError(
            f"{zones_name}: the zones file has neither geometry nor coordinate columns "
            "(x/y, easting/northing, lon/lat)."
        )
    needed_rows = set(rows[codes.isin(wanted)])
    zone_problems = [p for p in zone_problems if p["row"] is None or p["row"] in needed_rows]
    if zone_problems:
        frame = problems_frame(zone_problems)
        raise DemandError(problems_message(zones_name, "zones file", frame), frame)
    if isinstance(zones, gpd.GeoDataFrame) and codes.duplicated().any():
        repeated = sorted(codes[codes.duplicated()].unique())
        notes.append(
            f"{zones_name}: {len(repeated)} zone codes appear more than once "
            f"({listing(repeated)}); their parts were merged into one zone."
        )
        merged = zones.assign(_code=codes).to_crs(CRS).dissolve("_code")
        zone_points, zone_source = _points_of(merged.geometry)
        codes = pd.Series(merged.index, index=merged.index)
    elif codes.duplicated().any():
        repeated = sorted(codes[codes.duplicated()].unique())
        raise DemandError(
            f"{zones_name}: zone codes {listing(repeated)} appear more than once. Keep one point per zone."
        )
    by_code = pd.Series(zone_points.to_numpy(), index=codes.to_numpy())
    source_by_code = pd.Series(zone_source.to_numpy(), index=codes.to_numpy())
    need = points.isna() & zone_id.notna()
    filled = zone_id[need].map(by_code)
    points = points.copy()
    location_source = location_source.copy()
    points[need] = filled
    location_source[need] = zone_id[need].map(source_by_code)
    used = int(filled.notna().sum())
    if used == len(points):
        location = zone_location
    elif used:
        location = f"{location}; {zone_location} for {used} zones without coordinates"
    return points, location_source, location


def _best_id_column(table: pd.DataFrame, wanted: set[str]) -> str | None:
    best, best_hits = None, 0
    for column in table.columns:
        if isinstance(table, gpd.GeoDataFrame) and column == table.geometry.name:
            continue
        hits = int(table[column].dropna().astype(str).str.strip().isin(wanted).sum())
        if hits > best_hits:
            best, best_hits = column, hits
    return best


def _missing_location_problems(
    points: pd.Series,
    zone_id: pd.Series,
    rows: pd.Series,
    name: str,
    zones_path: TableSource | None,
    problems: list[dict[str, object]],
) -> None:
    """Name every zone left without a point, unless its coordinates were already reported."""
    reported = {p["row"] for p in problems if p["field"] != "location" and "/" in str(p["field"])}
    missing = points.isna()
    if not missing.any() or None in reported:
        return
    if missing.all() and zones_path is None:
        problems.append(
            _problem(
                name,
                None,
                "location",
                "the file has no coordinates (x/y, easting/northing or lon/lat)",
                "add them, or give a zones boundary file keyed by the same codes",
            )
        )
        return
    where = f"in {source_name(zones_path)}" if zones_path is not None else "(no zones file given)"
    for index in points.index[missing]:
        if rows[index] in reported:
            continue
        problems.append(
            _problem(
                name,
                rows[index],
                "location",
                f"zone {zone_id[index]} has no coordinates and no zone with its code {where}",
                "add the zone's point or its boundary",
            )
        )


# --- deprivation ---------------------------------------------------------------------


def _decile_column(columns: list[str]) -> str | None:
    ranked: list[tuple[int, str]] = []
    for column in columns:
        text = normalise(column)
        if "decile" not in text:
            continue
        if text == "imd_decile":
            ranked.append((0, column))
        elif "index_of_multiple_deprivation" in text:
            ranked.append((1, column))
        elif "imd" in text.split("_"):
            ranked.append((2, column))
    return min(ranked)[1] if ranked else None


def _deciles(
    values: pd.Series, rows: pd.Series, name: str, column: str, problems: list[dict[str, object]]
) -> pd.Series:
    numbers, bad = parse_numbers(values)
    invalid = bad | (numbers.notna() & ~numbers.isin(np.arange(1, 11)))
    for index in values.index[invalid]:
        problems.append(
            _problem(
                name,
                rows[index],
                column,
                f"'{values[index]}' is not a decile from 1 to 10",
                "correct it or leave it blank",
            )
        )
    return numbers.where(~invalid).round().astype("Int64")


def _file_deciles(table: pd.DataFrame, rows: pd.Series, name: str, problems: list[dict[str, object]]) -> pd.Series:
    column = _decile_column(list(table.columns))
    if column is None:
        return pd.Series(pd.NA, index=table.index, dtype="Int64")
    return _deciles(table[column], rows, name, column, problems)


def _join_imd(demand: gpd.GeoDataFrame, imd_path: TableSource, name: str, notes: list[str]) -> pd.Series:
    imd_name = source_name(imd_path)
    imd = read_table(imd_path)
    decile_col = _decile_column(list(imd.columns))
    if decile_col is None:
        raise DemandError(
            f"{imd_name}: no IMD decile column. Name it 'imd_decile' (1 = most deprived); "
            f"columns found: {listing(list(imd.columns))}."
        )
    keys = {
        "lsoa_id": set(demand["lsoa_id"].dropna()),
        "zone_id": set(demand["zone_id"].dropna()),
    }
    best: tuple[int, str, str] | None = None
    for demand_col, wanted in keys.items():
        code_col = _best_id_column(imd.drop(columns=[decile_col]), wanted)
        if code_col is None:
            continue
        hits = int(imd[code_col].astype(str).str.strip().isin(wanted).sum())
        if best is None or hits > best[0]:
            best = (hits, demand_col, code_col)
    if best is None:
        raise DemandError(
            f"{imd_name}: no code in the file matches a zone's LSOA or zone code in {name}. "
            "Deprivation deciles are by LSOA: give the demand an 'lsoa_id' column, and use "
            "the IMD release for the same LSOA year."
        )
    _, demand_col, code_col = best
    rows = pd.Series(imd.index.to_numpy(), index=imd.index)
    problems: list[dict[str, object]] = []
    deciles = _deciles(imd[decile_col], rows, imd_name, decile_col, problems)
    codes = imd[code_col].astype(str).str.strip()
    table = pd.DataFrame({"code": codes, "decile": deciles})
    clashes = table.groupby("code")["decile"].nunique(dropna=False)
    for code in clashes.index[clashes > 1]:
        problems.append(
            _problem(
                imd_name,
                int(rows[codes == code].iloc[0]),
                code_col,
                f"LSOA {code} has different deciles on rows {listing(rows[codes == code].tolist())}",
                "keep one row per LSOA",
            )
        )
    if problems:
        frame = problems_frame(problems)
        raise DemandError(problems_message(imd_name, "deprivation file", frame), frame)
    lookup = table.drop_duplicates("code").set_index("code")["decile"]
    joined = demand[demand_col].map(lookup).astype("Int64")
    notes.append(f"IMD deciles from {imd_name} (column '{decile_col}'), joined on {demand_col}.")
    return joined


def _note_missing_deciles(demand: gpd.GeoDataFrame, notes: list[str]) -> None:
    missing = demand["imd_decile"].isna()
    if not missing.any():
        return
    if missing.all():
        notes.append("No IMD deciles were given; the split by deprivation is not available.")
        return
    codes = demand.loc[missing, "lsoa_id"].fillna(demand.loc[missing, "zone_id"])
    notes.append(
        f"{int(missing.sum())} zones have no IMD decile (LSOA {listing(sorted(codes.unique()))}); "
        "they appear as 'unknown' in the split by deprivation."
    )


def describe_demand(demand: gpd.GeoDataFrame) -> str:
    """One line saying how many zones and residents a demand table holds and where from."""
    source = demand.attrs.get("source", "demand")
    return (
        f"{len(demand):,} zones, {demand['population'].sum():,.0f} residents ({source}); "
        f"{demand.attrs.get('location', 'zone points')}"
    )


__all__ = ["AGE_BANDS", "DEMAND_COLUMNS", "DemandError", "describe_demand", "load_demand", "load_zones"]

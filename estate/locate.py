"""Put every holding on the map, in British National Grid, and say how.

A register gives a location in one of three ways: easting/northing, longitude/
latitude, or only a postcode. Registers also mislabel them: OSGB numbers under a
``WGS84`` label, latitude and longitude swapped, no CRS at all. This module
classifies each row's coordinates by their *values*, corrects what the values
prove, and explains every correction; it never guesses silently. Where the values
cannot tell (in much of England an easting and a northing swapped are both in
range), a row's postcode can: :func:`check_against_postcode`.

Bounds used to recognise a system (Great Britain and its waters):

* WGS84 longitude -9 to 3, latitude 49 to 61;
* British National Grid easting 0 to 700 000 m, northing 0 to 1 300 000 m,
  and at least 1 000 (values below that are degrees, not metres).
"""

from __future__ import annotations

import csv
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from estate.errors import EstateError, InputFileError
from estate.readers import looks_binary, sniff_delimiter
from estate.schema import CRS

WGS84 = "EPSG:4326"
_TO_BNG = Transformer.from_crs(WGS84, CRS, always_xy=True)

_LON = (-9.0, 3.0)
_LAT = (49.0, 61.0)
_EAST = (1_000.0, 700_000.0)
_NORTH = (1_000.0, 1_300_000.0)

POSTCODE_TOLERANCE_M = 2_000.0
"""How far a row's coordinates may lie from its postcode's point before the row is warned.

A postcode's point (its centroid in the ONS directory) is usually within a few hundred
metres of any address in it; large rural postcodes and big sites stretch further.
"""


@dataclass(frozen=True)
class Located:
    """Where one row ended up.

    Attributes
    ----------
    x, y
        British National Grid metres, or NaN when the row could not be placed.
    how
        ``"supplied"`` for coordinates taken as given, ``"derived"`` for corrected
        coordinates or a postcode centroid.
    notes
        Warnings to show for the row (each a sentence).
    problem
        Why the row could not be placed; ``None`` when it was.
    grid
        The values were read as British National Grid metres (not degrees, nor a
        postcode), so an easting and northing swapped between them can be put back.

    """

    x: float
    y: float
    how: str
    notes: tuple[str, ...] = ()
    problem: str | None = None
    grid: bool = False


def _inside(v: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= v <= bounds[1]


def _looks_lonlat(x: float, y: float) -> bool:
    return _inside(x, _LON) and _inside(y, _LAT)


def _looks_bng(x: float, y: float) -> bool:
    return _inside(x, _EAST) and _inside(y, _NORTH)


def declared_system(label: object) -> str | None:
    """Read a CRS label such as ``WGS84``, ``EPSG:27700`` or ``OSGB36``.

    Returns
    -------
    str or None
        ``"wgs84"``, ``"bng"``, or ``None`` when the label is blank or unknown.

    """
    if not isinstance(label, str) or not label.strip():
        return None
    text = label.strip().lower().replace(" ", "")
    if any(k in text for k in ("wgs", "4326", "crs84", "latlon", "lonlat", "etrs")):
        return "wgs84"
    if any(k in text for k in ("27700", "osgb", "bng", "britishnationalgrid", "nationalgrid")):
        return "bng"
    return None


def locate_coordinates(x: float, y: float, declared: str | None, *, label: str = "") -> Located:
    """Place one pair of coordinates, correcting a mislabelled or swapped pair.

    Parameters
    ----------
    x, y
        The numbers as the register gives them (GeoX/GeoY, Easting/Northing or
        Longitude/Latitude).
    declared
        ``"wgs84"``, ``"bng"`` or ``None`` (see :func:`declared_system`).
    label
        How the register declared them, quoted in notes.

    Returns
    -------
    Located

    """
    shown = f"({x:.12g}, {y:.12g})"  # as written: 9999999 and 378123.45, not 1e+07 and 378123
    said = f"declared {label!r}" if label else "no coordinate system declared"
    if _looks_lonlat(x, y):
        ex, ny = _TO_BNG.transform(x, y)
        if declared == "wgs84":
            return Located(ex, ny, "supplied")
        return Located(ex, ny, "derived", (f"coordinates {shown} are longitude/latitude ({said}): read as WGS84",))
    if _looks_lonlat(y, x):
        ex, ny = _TO_BNG.transform(y, x)
        return Located(ex, ny, "derived", (f"latitude and longitude swapped in {shown} ({said}): corrected",))
    if _looks_bng(x, y):
        if declared == "bng":
            return Located(x, y, "supplied", grid=True)
        return Located(
            x,
            y,
            "derived",
            (f"coordinates {shown} are British National Grid metres ({said}): read as EPSG:27700",),
            grid=True,
        )
    if _looks_bng(y, x):
        return Located(y, x, "derived", (f"easting and northing swapped in {shown} ({said}): corrected",), grid=True)
    return Located(
        np.nan,
        np.nan,
        "supplied",
        problem=f"coordinates {shown} are not in Great Britain as WGS84 or British National Grid",
    )


def check_against_postcode(
    located: Located,
    postcode: str | None,
    lookup: PostcodeLookup | None,
    *,
    swap: bool = True,
    tolerance_m: float = POSTCODE_TOLERANCE_M,
) -> Located:
    """Compare a row's point from its coordinates with its postcode's point.

    Registers swap easting and northing, and in much of England both are six-digit
    numbers in range, so only the postcode can tell: a point more than
    ``tolerance_m`` from the postcode's gets a note naming both and the distance. When
    the point was read as grid metres and swapping them brings it within
    ``tolerance_m`` (and ``swap`` allows it), the swapped point is used and the note
    says so.

    Parameters
    ----------
    located
        The point :func:`locate_coordinates` placed.
    postcode
        The row's postcode, normalised (:func:`normalise_postcode`).
    lookup
        The place's postcode lookup; without one, or without the postcode in it,
        ``located`` is returned as it is.
    swap
        Whether the point may be swapped (not for a point of an outline, which would
        stay where it is).
    tolerance_m
        How far apart the two may lie.

    Returns
    -------
    Located

    """
    found = lookup.find(postcode) if lookup is not None and located.problem is None else None
    if found is None:
        return located
    px, py = found
    off = float(np.hypot(located.x - px, located.y - py))
    if off <= tolerance_m:
        return located
    point = f"E {located.x:.0f}, N {located.y:.0f}"
    where = f"postcode {postcode} (E {px:.0f}, N {py:.0f} in {lookup.label})"
    swapped = float(np.hypot(located.y - px, located.x - py))
    if swap and located.grid and swapped <= tolerance_m:
        note = (
            f"easting and northing swapped: {point} is {off / 1000:.1f} km from {where}, swapped "
            f"{swapped / 1000:.1f} km: read as E {located.y:.0f}, N {located.x:.0f}"
        )
        return replace(located, x=located.y, y=located.x, how="derived", notes=(*located.notes, note))
    note = f"the coordinates ({point}) are {off / 1000:.1f} km from {where}: kept as given"
    if located.grid and swapped < off / 2:
        note += f" (swapped they would be {swapped / 1000:.1f} km from it)"
    return replace(located, notes=(*located.notes, note))


# ---------------------------------------------------------------- postcodes

_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_FULL = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$")


def normalise_postcode(text: object) -> str | None:
    """Upper-case a postcode, fix the letter O typed for zero, and space it ``"M33 7DZ"``.

    Returns the cleaned text even when it is not a full postcode (so messages can
    quote it), or ``None`` for a blank cell.
    """
    if not isinstance(text, str):
        return None
    compact = re.sub(r"\s+", "", text).upper()
    if not compact:
        return None
    if len(compact) >= 5:
        out, inward = compact[:-3], compact[-3:]
        if inward[0] == "O":
            inward = "0" + inward[1:]
        area = re.match(r"^[A-Z]{1,2}", out)
        cut = area.end() if area else 0
        if len(out) > cut and out[cut] == "O":
            out = out[:cut] + "0" + out[cut + 1 :]
        if _FULL.match(out + inward):
            return f"{out} {inward}"
    return text.strip().upper()


def postcode_problem(postcode: str | None) -> str:
    """Say why a postcode cannot place a row (assumes it is not in the lookup)."""
    if not postcode:
        return "no coordinates and no postcode"
    compact = postcode.replace(" ", "")
    if _OUTWARD.match(compact):
        return f"no coordinates and postcode {postcode!r} is only an outward code"
    if not _FULL.match(compact):
        return f"no coordinates and postcode {postcode!r} is not a complete postcode"
    return f"no coordinates and postcode {postcode!r} is not in the postcode lookup"


_POSTCODE_HEADINGS = ("pcds", "pcd", "postcode", "pcd2")
_EAST_HEADINGS = ("oseast1m", "easting", "x")
_NORTH_HEADINGS = ("osnrth1m", "northing", "y")
_LOOKUP_NEEDS = "a postcode column (pcd, pcds or postcode) and oseast1m/osnrth1m (or easting/northing) in metres"
_ONSPD = "the ONS Postcode Directory CSV"
_HEAD_BYTES = 64 * 1024
_NOT_TEXT = {
    b"PK\x03\x04": "a zip archive or an Excel workbook",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel workbook",
    b"SQLite format 3\x00": "a GeoPackage or database",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
}


def _lookup_columns(columns: list[str]) -> tuple[str, str, str] | None:
    """Pick the postcode, easting and northing columns by heading (any case), or ``None``."""
    by_heading: dict[str, str] = {}
    for column in columns:
        by_heading.setdefault(str(column).strip().lower(), column)
    picked = [
        next((by_heading[h] for h in headings if h in by_heading), None)
        for headings in (_POSTCODE_HEADINGS, _EAST_HEADINGS, _NORTH_HEADINGS)
    ]
    if None in picked:
        return None
    return picked[0], picked[1], picked[2]


def _compact(postcodes: pd.Series) -> pd.Series:
    """Upper-case postcodes without spaces (``"M337DZ"``); blank cells become missing.

    Removing plain spaces first and the other whitespace only where some is left keeps
    the full ONS directory quick: a regular expression over millions of rows is not.
    """
    keys = postcodes.astype("string").str.replace(" ", "", regex=False).str.upper()
    odd = keys.notna() & ~keys.str.isalnum().fillna(False).astype(bool)
    if odd.any():
        keys[odd] = keys[odd].str.replace(r"\s+", "", regex=True)
    return keys.mask(keys == "")


def _lookup_title(label: str) -> str:
    return label if label == "postcode lookup" else f"postcode lookup {label!r}"


def _missing_columns_error(label: str, columns: list[str]) -> InputFileError:
    shown = ", ".join(str(c) for c in columns[:10]) or "no columns"
    more = f" and {len(columns) - 10} more" if len(columns) > 10 else ""
    return InputFileError(
        f"{_lookup_title(label)}: a postcode lookup needs {_LOOKUP_NEEDS}; it has {shown}{more}. "
        f"Rename the columns, or use {_ONSPD}."
    )


class PostcodeLookup:
    """Postcode -> easting/northing, from an ONS-postcode-directory-style file.

    The file needs a postcode column (``pcds``, ``pcd``, ``postcode`` or ``pcd2``)
    and ``oseast1m``/``osnrth1m`` (or ``easting``/``northing``, ``x``/``y``) in
    metres; headings match in any case and other columns are ignored.

    Attributes
    ----------
    label
        The file name, quoted in notes and messages.
    skipped
        How many rows have a postcode but no usable easting/northing (blank or not a
        number) and were left out; the full ONS directory has such rows for postcodes
        without a grid reference.
    skipped_note
        A sentence saying so, with examples, for a page or report to show; ``""`` when
        no row was skipped.

    Raises
    ------
    estate.errors.InputFileError
        When the columns are missing, or no row has a postcode with an easting and
        northing.

    """

    def __init__(self, table: pd.DataFrame, *, label: str = "postcode lookup") -> None:
        picked = _lookup_columns(list(table.columns))
        if picked is None:
            raise _missing_columns_error(label, list(table.columns))
        pc, ex, ny = picked
        keys = _compact(table[pc])
        east = pd.to_numeric(table[ex], errors="coerce").astype(float)
        north = pd.to_numeric(table[ny], errors="coerce").astype(float)
        placed = east.notna() & north.notna()
        ok = keys.notna() & placed
        unplaced = keys.notna() & ~placed
        self.label = label
        self.skipped = int(unplaced.sum())
        self.skipped_note = ""
        if self.skipped:
            examples = ", ".join(table.loc[unplaced, pc].head(3).astype(str).str.strip())
            self.skipped_note = (
                f"{label}: {self.skipped} postcode{' has' if self.skipped == 1 else 's have'} no usable "
                f"{ex}/{ny} (blank or not a number) and {'was' if self.skipped == 1 else 'were'} left out, "
                f"e.g. {examples}."
            )
        if not ok.any():
            why = f" ({self.skipped} have a postcode but no usable {ex}/{ny})" if self.skipped else ""
            raise InputFileError(
                f"{_lookup_title(label)}: no row has both a postcode and an easting/northing in metres{why}. "
                f"Fill in {ex} and {ny} (British National Grid metres), or use {_ONSPD}."
            )
        points = pd.DataFrame({"x": east[ok].to_numpy(), "y": north[ok].to_numpy()}, index=keys[ok].to_numpy())
        self._points = points[~points.index.duplicated()]
        self._xy = self._points.to_numpy()

    @classmethod
    def from_csv(cls, path: str | Path) -> PostcodeLookup:
        """Read a lookup CSV, reading only its postcode and coordinate columns.

        Only those three columns are parsed, so the full ONS Postcode Directory
        (about 2.7 million rows and 50 columns) reads in seconds and little memory.

        Raises
        ------
        estate.errors.InputFileError
            When the file is missing, empty, binary or not a CSV, lacks the postcode
            or coordinate columns, or has no usable row; the message names the file
            and says what to do.

        """
        path = Path(path)
        name = path.name
        header, delimiter = _lookup_header(path)
        picked = _lookup_columns(header)
        if picked is None:
            raise _missing_columns_error(name, header)
        try:
            with warnings.catch_warnings():
                # a coordinate column holding some text is read as text and parsed in __init__
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                table = pd.read_csv(
                    path,
                    sep=delimiter,
                    usecols=list(picked),
                    dtype={picked[0]: "string"},
                    encoding="utf-8",  # pandas drops a byte-order mark itself
                    encoding_errors="replace",
                )
        except (OSError, ValueError) as exc:  # pandas' ParserError is a ValueError
            raise InputFileError(
                f"postcode lookup {name!r} cannot be read as CSV{_near_line(exc)}: save it again as CSV "
                '(comma-separated, UTF-8) and reload; a quote (") that is never closed is the usual cause.'
            ) from exc
        return cls(table, label=name)

    def __len__(self) -> int:
        return len(self._points)

    def find(self, postcode: str | None) -> tuple[float, float] | None:
        """Easting and northing of a normalised postcode, or ``None``."""
        if not postcode:
            return None
        key = postcode.replace(" ", "")
        try:
            at = self._points.index.get_loc(key)  # unique keys: a position, quicker than .loc for one row
        except KeyError:
            return None
        return float(self._xy[at, 0]), float(self._xy[at, 1])


def _near_line(exc: Exception) -> str:
    """Say where pandas stopped: " near line 12" (counting the header as line 1), or ``""``."""
    text = str(exc)
    if found := re.search(r"in line (\d+)", text):
        return f" near line {found[1]}"
    if found := re.search(r"starting at row (\d+)", text):  # pandas counts the header as row 0
        return f" near line {int(found[1]) + 1}"
    return ""


def _lookup_header(path: Path) -> tuple[list[str], str]:
    """Read a lookup's header row and delimiter, refusing a missing, empty or binary file."""
    title = f"postcode lookup {path.name or str(path)!r}"
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except FileNotFoundError as exc:
        raise InputFileError(
            f"{title} was not found at {path.absolute()}: check the folder and the file name."
        ) from exc
    except OSError as exc:
        raise InputFileError(
            f"{title} cannot be opened ({exc.strerror or 'not a file'}): check the path and that the planner "
            "may read the file."
        ) from exc
    if not head.strip():
        raise InputFileError(
            f"{title} is empty: export the lookup again (it needs a header row and one row per postcode)."
        )
    for signature, what in _NOT_TEXT.items():
        if head.startswith(signature):
            raise InputFileError(f"{title} is {what}, not a CSV text file: save it as CSV (UTF-8), or use {_ONSPD}.")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{title} is saved as UTF-16 text: save it as CSV (UTF-8) and reload.")
    text = head.decode("utf-8-sig", errors="replace")
    if looks_binary(text):
        raise InputFileError(
            f"{title} is not a CSV text file (its content is binary): save it as CSV (UTF-8), or use {_ONSPD}."
        )
    lines = text.splitlines()
    first = next(line for line in lines if line.strip())  # pandas skips blank lines too
    if first.lstrip().startswith(("<", "{", "[")):
        raise InputFileError(
            f"{title} is a web page, XML or JSON document, not a CSV: save it as CSV (UTF-8), or use {_ONSPD}."
        )
    delimiter = sniff_delimiter(text)
    return next(csv.reader([first], delimiter=delimiter), []), delimiter


def locate_postcode(postcode: str | None, lookup: PostcodeLookup | None) -> Located:
    """Place a row by its postcode's grid reference, or say why it cannot be placed."""
    if lookup is not None:
        point = lookup.find(postcode)
        if point is not None:
            return Located(point[0], point[1], "derived", (f"located by postcode {postcode} ({lookup.label})",))
    problem = postcode_problem(postcode)
    if lookup is None and postcode and _FULL.match(postcode.replace(" ", "")):
        problem = f"no coordinates and no postcode lookup to place postcode {postcode!r}: add one to the place"
    return Located(np.nan, np.nan, "supplied", problem=problem)


# ---------------------------------------------------------------- boundary


_POLYGONAL = ("Polygon", "MultiPolygon")
_VECTOR_FORMATS = "GeoJSON, a GeoPackage or a Shapefile"
_GEOMETRY_NAMES = {
    "Point": ("point", "points"),
    "MultiPoint": ("multipoint", "multipoints"),
    "LineString": ("line", "lines"),
    "MultiLineString": ("multiline", "multilines"),
    "LinearRing": ("ring", "rings"),
    "GeometryCollection": ("geometry collection", "geometry collections"),
}


def read_polygons(path: str | Path, what: str, *, holds: str) -> gpd.GeoDataFrame:
    """Read a vector file of polygons (a boundary, zone outlines) in EPSG:27700.

    Every column of the file is kept. Invalid polygons (a self-crossing ring, say) are
    repaired with :func:`shapely.make_valid`, keeping their polygonal parts;
    ``attrs["repaired"]`` counts them. Features without geometry are kept as they are.

    Parameters
    ----------
    path
        Any vector file GDAL reads: GeoJSON, GeoPackage, a Shapefile (``.shp`` beside
        its ``.shx``, ``.dbf`` and ``.prj``, or zipped) and others.
    what
        How messages name the file, e.g. ``"boundary"``.
    holds
        What the file should hold, for the messages, e.g. ``"the place's outline"``.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    estate.errors.InputFileError
        The file is missing, empty or not a vector file.
    estate.errors.EstateError
        It holds no features, declares no coordinate system (or degrees with coordinates
        that are not degrees), or holds points or lines. Each message names the file and
        says what to do.

    """
    path = Path(path)
    title = f"{what} {path.name!r}"
    again = f"export {holds} again from the GIS as {_VECTOR_FORMATS} and reload"
    if not path.exists():
        raise InputFileError(f"{title} was not found at {path.absolute()}: check the folder and the file name.")
    if path.is_file() and path.stat().st_size == 0:
        raise InputFileError(f"{title} is empty (0 bytes): {again}.")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio and GDAL raise several types for unreadable files
        raise InputFileError(
            f"{title} cannot be read as a map layer (it is damaged, or not {_VECTOR_FORMATS}): {again}."
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise EstateError(f"{title} is a table without geometry, not a map layer: {again}.")
    if frame.empty:
        raise EstateError(f"{title} holds no features: {again}.")
    geometry = frame.geometry
    present = geometry.notna() & ~geometry.is_empty
    if not present.any():
        raise EstateError(f"{title} has features but none has a geometry: {again}.")
    if frame.crs is None:
        prj = " (a Shapefile keeps it in its .prj file)" if path.suffix.lower() == ".shp" else ""
        raise EstateError(
            f"{title} declares no coordinate system{prj}: save it with one (EPSG:27700 for British National "
            "Grid, or EPSG:4326) and reload."
        )
    if frame.crs.is_geographic:
        xmin, ymin, xmax, ymax = geometry[present].total_bounds
        if min(xmin, ymin) < -180 or xmax > 180 or ymax > 90:
            raise EstateError(
                f"{title} declares {frame.crs.name} (degrees), but its coordinates (e.g. {xmin:.0f}, {ymin:.0f}) "
                "are not degrees; they look like British National Grid metres: save it with EPSG:27700 and reload."
            )
    kinds = geometry[present].geom_type
    other = kinds[~kinds.isin(_POLYGONAL)]
    if len(other):
        found = _count_geometries(other)
        also = " as well as polygons" if len(other) < len(kinds) else ""
        raise EstateError(
            f"{title} holds {found}{also}; it should hold {holds} as polygons: export the polygon layer and reload."
        )
    frame = frame.to_crs(CRS)
    invalid = present & ~frame.geometry.is_valid
    if invalid.any():
        repaired = gpd.GeoSeries(shapely.make_valid(frame.geometry[invalid].to_numpy()), index=frame.index[invalid])
        frame.loc[invalid, frame.geometry.name] = repaired.map(_polygonal)
        if frame.geometry[present].is_empty.all():
            raise EstateError(f"{title}: its polygons have no area (every ring folds onto itself): {again}.")
    frame.attrs["repaired"] = int(invalid.sum())
    return frame


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons of a repaired geometry (``make_valid`` may add lines where a ring folds)."""
    if geometry.geom_type in _POLYGONAL:
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else Polygon()


def _count_geometries(kinds: pd.Series) -> str:
    """Say what a file holds: ``"3 points and 1 line"``."""
    counts = kinds.value_counts()
    words = []
    for kind, count in counts.items():
        one, many = _GEOMETRY_NAMES.get(str(kind), (str(kind), f"{kind}s"))
        words.append(f"{count} {one if count == 1 else many}")
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def load_boundary(path: str | Path) -> BaseGeometry:
    """Read a place's boundary (any vector file of polygons) as one geometry in EPSG:27700.

    Invalid polygons are repaired (see :func:`read_polygons`).

    Raises
    ------
    estate.errors.EstateError
        For a file that is missing, empty or unreadable, holds no features, declares no
        coordinate system, or holds points or lines: the message names the file and says
        what to do.

    """
    frame = read_polygons(path, "boundary", holds="the place's outline")
    return frame.geometry.union_all()


def outside_boundary(points: gpd.GeoSeries, boundary: BaseGeometry) -> pd.Series:
    """Distance in km beyond the boundary for each point (0 inside, NaN for no point)."""
    distance = points.distance(boundary) / 1000.0
    return distance.where(points.notna() & ~points.is_empty)

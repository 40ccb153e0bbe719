"""Put every holding on the map, in British National Grid, and say how.

A register gives a location in one of three ways: easting/northing, longitude/
latitude, or only a postcode. Registers also mislabel them: OSGB numbers under a
``WGS84`` label, latitude and longitude swapped, no CRS at all. This module
classifies each row's coordinates by their *values*, corrects what the values
prove, and explains every correction; it never guesses silently.

Bounds used to recognise a system (Great Britain and its waters):

* WGS84 longitude -9 to 3, latitude 49 to 61;
* British National Grid easting 0 to 700 000 m, northing 0 to 1 300 000 m,
  and at least 1 000 (values below that are degrees, not metres).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from estate.errors import EstateError, InputFileError
from estate.schema import CRS

WGS84 = "EPSG:4326"
_TO_BNG = Transformer.from_crs(WGS84, CRS, always_xy=True)

_LON = (-9.0, 3.0)
_LAT = (49.0, 61.0)
_EAST = (1_000.0, 700_000.0)
_NORTH = (1_000.0, 1_300_000.0)


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

    """

    x: float
    y: float
    how: str
    notes: tuple[str, ...] = ()
    problem: str | None = None


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
    shown = f"({x:g}, {y:g})"
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
            return Located(x, y, "supplied")
        return Located(
            x, y, "derived", (f"coordinates {shown} are British National Grid metres ({said}): read as EPSG:27700",)
        )
    if _looks_bng(y, x):
        return Located(y, x, "derived", (f"easting and northing swapped in {shown} ({said}): corrected",))
    return Located(
        np.nan,
        np.nan,
        "supplied",
        problem=f"coordinates {shown} are not in Great Britain as WGS84 or British National Grid",
    )


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


class PostcodeLookup:
    """Postcode -> easting/northing, from an ONS-postcode-directory-style file.

    The file needs a postcode column (``pcd``, ``pcds`` or ``postcode``) and
    ``oseast1m``/``osnrth1m`` (or ``easting``/``northing``) in metres.
    """

    def __init__(self, table: pd.DataFrame, *, label: str = "postcode lookup") -> None:
        cols = {c.lower(): c for c in table.columns}
        pc = next((cols[c] for c in ("pcds", "pcd", "postcode", "pcd2") if c in cols), None)
        ex = next((cols[c] for c in ("oseast1m", "easting", "x") if c in cols), None)
        ny = next((cols[c] for c in ("osnrth1m", "northing", "y") if c in cols), None)
        if pc is None or ex is None or ny is None:
            raise InputFileError(
                f"{label}: a postcode lookup needs a postcode column (pcd, pcds or postcode) and "
                f"oseast1m/osnrth1m (or easting/northing); it has {', '.join(table.columns)}."
            )
        keys = table[pc].astype("string").str.replace(r"\s+", "", regex=True).str.upper()
        east = pd.to_numeric(table[ex], errors="coerce")
        north = pd.to_numeric(table[ny], errors="coerce")
        ok = keys.notna() & east.notna() & north.notna()
        self._points = pd.DataFrame({"x": east[ok].to_numpy(), "y": north[ok].to_numpy()}, index=keys[ok].to_numpy())
        self._points = self._points[~self._points.index.duplicated()]
        self.label = label

    @classmethod
    def from_csv(cls, path: str | Path) -> PostcodeLookup:
        """Read a lookup CSV (only the postcode and coordinate columns are kept)."""
        path = Path(path)
        try:
            table = pd.read_csv(path, dtype=str, encoding="utf-8", encoding_errors="replace")
        except (OSError, ValueError) as exc:
            raise InputFileError(f"postcode lookup {path.name!r} cannot be read: {exc}") from exc
        return cls(table, label=path.name)

    def __len__(self) -> int:
        return len(self._points)

    def find(self, postcode: str | None) -> tuple[float, float] | None:
        """Easting and northing of a normalised postcode, or ``None``."""
        if not postcode:
            return None
        key = postcode.replace(" ", "")
        if key not in self._points.index:
            return None
        row = self._points.loc[key]
        return float(row["x"]), float(row["y"])


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


def load_boundary(path: str | Path) -> BaseGeometry:
    """Read a place's boundary (any vector file) as one geometry in EPSG:27700."""
    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputFileError(f"boundary {path.name!r} cannot be read: {exc}") from exc
    if frame.crs is None:
        raise EstateError(
            f"boundary {path.name!r} declares no coordinate system: save it with one (EPSG:27700 or EPSG:4326)."
        )
    return frame.to_crs(CRS).union_all()


def outside_boundary(points: gpd.GeoSeries, boundary: BaseGeometry) -> pd.Series:
    """Distance in km beyond the boundary for each point (0 inside, NaN for no point)."""
    distance = points.distance(boundary) / 1000.0
    return distance.where(points.notna() & ~points.is_empty)

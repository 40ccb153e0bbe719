"""Reading the small tables the access stage takes: demand, deprivation, travel-time matrices.

Private helpers shared by :mod:`estate.demand` and :mod:`estate.travel`. Everything is read
as text so that a bad cell can be reported exactly as the user typed it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import geopandas as gpd
import pandas as pd

from estate.errors import EstateError, InputFileError

TableSource = str | Path | IO[bytes]
"""A path, or an open binary file such as a browser upload (its ``.name`` gives the format)."""

GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PROBLEM_COLUMNS = ("file", "row", "field", "problem", "action")
"""Columns of the problems table an input error carries; ``row`` is the spreadsheet row
(the header is row 1), blank when a problem concerns the whole file."""

_LISTED = 10


def source_name(source: TableSource, label: str | None = None) -> str:
    """Name an input for messages: ``label`` if given, else the file name."""
    if label:
        return label
    if isinstance(source, str | Path):
        return Path(source).name
    return Path(str(getattr(source, "name", "uploaded file"))).name


def normalise(name: object) -> str:
    """Fold a header to ``snake_case``: ``"LSOA code (2011)"`` -> ``lsoa_code_2011``."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def key(value: object) -> str:
    """Fold an id, name or postcode for matching: upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", str(value).upper())


def find_column(columns: Iterable[str], aliases: Sequence[str]) -> str | None:
    """Return the first column (in alias order) whose normalised header is one of ``aliases``."""
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(normalise(column), column)
    for alias in aliases:
        if alias in by_norm:
            return by_norm[alias]
    return None


def _read_bytes(source: TableSource, name: str) -> bytes:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise InputFileError(f"{name}: no such file ({path}). Check the path.")
        return path.read_bytes()
    data = source.read()
    if isinstance(data, str):
        return data.encode("utf-8")
    return data


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputFileError(
            f"{name}: the file is not text (it may be binary). Save it as CSV (UTF-8) or Excel."
        )
    return str(best)


def read_table(source: TableSource, label: str | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or geographic file as a table of text cells.

    Geographic files keep their ``geometry`` column (a GeoDataFrame is returned); every
    other column is text, blanks are missing values.

    Raises
    ------
    InputFileError
        The file is missing, empty, binary, or in a format the planner does not read.

    """
    name = source_name(source, label)
    suffix = Path(str(source if isinstance(source, str | Path) else getattr(source, "name", "")))
    suffix_text = suffix.suffix.lower()
    data = _read_bytes(source, name)
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty. Export the table again.")
    if suffix_text in GEO_SUFFIXES and not _looks_like_csv(data):
        try:
            frame = gpd.read_file(io.BytesIO(data))
        except Exception as exc:  # pyogrio raises several types for unreadable input
            raise InputFileError(f"{name}: cannot be read as a geographic file ({exc}).") from exc
        for column in frame.columns:
            if column != frame.geometry.name:
                frame[column] = frame[column].map(_cell_text).astype(object)
        return frame
    if suffix_text in EXCEL_SUFFIXES:
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str)
        except Exception as exc:  # openpyxl/xlrd raise several types
            raise InputFileError(f"{name}: cannot be read as an Excel workbook ({exc}).") from exc
    else:
        text = _decode(data, name)
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, skipinitialspace=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InputFileError(f"{name}: cannot be read as CSV ({exc}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(_strip_cell)


def _looks_like_csv(data: bytes) -> bool:
    head = data[:200].lstrip()
    return not head.startswith((b"{", b"[")) and not head.startswith(b"SQLite") and b"," in head


def _cell_text(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def _strip_cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    return value


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse text cells to floats.

    Returns the numbers (NaN where blank or unreadable) and a boolean mask of cells that
    hold text but are not numbers, so callers can name them rather than treat them as zero.
    Thousands separators and surrounding spaces are accepted.
    """
    text = values.astype(object).where(values.notna(), None)
    cleaned = text.map(lambda v: v.replace(",", "").strip() if isinstance(v, str) else v)
    numbers = pd.to_numeric(cleaned, errors="coerce").astype(float)
    bad = cleaned.notna() & numbers.isna()
    return numbers, bad


def listing(items: Sequence[object], limit: int = _LISTED) -> str:
    """Name up to ``limit`` items and count the rest: ``"a, b, c and 7 more"``."""
    shown = [str(i) for i in items[:limit]]
    rest = len(items) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {rest} more" if rest > 0 else text


def problems_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build the problems table (:data:`PROBLEM_COLUMNS`) from a list of dicts."""
    frame = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def problems_message(name: str, what: str, problems: pd.DataFrame) -> str:
    """Summarise a problems table: a headline and up to ten lines naming row, field and fix."""
    count = len(problems)
    lines = [
        f"{name}: {count} problem{'s' if count != 1 else ''} in the {what}; nothing was loaded."
    ]
    for item in problems.head(_LISTED).itertuples(index=False):
        where = f"row {item.row}, " if pd.notna(item.row) else ""
        action = str(item.action)
        lines.append(f"  - {where}{item.field}: {item.problem}. {action[:1].upper()}{action[1:]}.")
    if count > _LISTED:
        lines.append(f"  ... and {count - _LISTED} more (see the problems table).")
    return "\n".join(lines)


class ProblemsError(EstateError):
    """An input error that carries every problem found, as a table a page can show.

    Parameters
    ----------
    message
        The summary shown to the user.
    problems
        One line per problem, columns :data:`PROBLEM_COLUMNS`.

    """

    def __init__(self, message: str, problems: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else problems_frame([])

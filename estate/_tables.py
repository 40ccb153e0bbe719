"""Reading the small tables the access stage takes: demand, deprivation, travel-time matrices.

Private functions shared by :mod:`estate.demand` and :mod:`estate.travel`. Everything is read
as text so that a bad cell can be reported exactly as the user typed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import geopandas as gpd
import pandas as pd

from estate.errors import EstateError

TableSource = str | Path | IO[bytes]
"""A path, or an open binary file such as a browser upload (its ``.name`` gives the format)."""

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


def read_table(source: TableSource, label: str | None = None, too_large: str | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or geographic file as a table of text cells, indexed by row number.

    A thin adapter over :func:`estate.readers.read_table` (which recognises the format from
    the content, decodes legacy encodings and numbers rows as a spreadsheet does). The
    index is that row number (the header is row 1); cells are text with surrounding spaces
    removed, blanks missing. Geographic files come back as a GeoDataFrame in their own CRS.
    ``too_large`` is what to do about a file above the size limit (by default the
    register's advice, to split it into parts).

    Raises
    ------
    estate.errors.InputFileError
        The file is missing, empty, too large, binary, or in a format the planner does not read.

    """
    from estate.readers import read_table as read_raw
    from estate.readers import with_decimal_point

    raw = read_raw(source, label=label) if too_large is None else read_raw(source, label=label, too_large=too_large)
    frame = raw.frame.drop(columns="_row").astype(object)
    # each column by the decimal mark its numbers show: a semicolon export's 9,4 minutes is 9.4, not 94,
    # even beside a column of distances written 1.5
    for name, mark in raw.decimals.items():
        if name in frame.columns and mark != ".":
            column = frame[name]
            frame[name] = with_decimal_point(column, mark).astype(object).where(column.notna(), None)
    frame = frame.map(_strip_cell)
    frame.index = pd.Index(raw.frame["_row"].astype(int).to_numpy(), name="row")
    if raw.geometry is None:
        return frame
    geometry = gpd.GeoSeries(raw.geometry.to_numpy(), index=frame.index, crs=raw.geometry.crs)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=geometry.crs)


def _strip_cell(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value if value else None
    if value is None or value is pd.NA:
        return None
    return value


MISSING_TOKENS = frozenset({"na", "n/a", "nan", "null", "none", "-", "..", ":"})
"""Cell texts read as a missing value (as well as a blank cell); the cell text is kept for
messages, so a user sees what was there."""


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse text cells to floats.

    Returns the numbers (NaN where blank, a missing-value token such as ``n/a``, or
    unreadable) and a boolean mask of cells that hold text but are not numbers, so callers
    can name them rather than treat them as zero. Thousands separators and surrounding
    spaces are accepted.
    """
    text = values.astype(object).where(values.notna(), None)
    text = text.map(lambda v: None if isinstance(v, str) and v.lower() in MISSING_TOKENS else v)
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
    lines = [f"{name}: {count} problem{'s' if count != 1 else ''} in the {what}; nothing was loaded."]
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

"""Read one partner's file into a table of text, whatever format it came in.

Partners export their registers from finance systems, spreadsheets and GIS.
:func:`read_table` takes one file (a path, or the bytes of a browser upload) and
returns a :class:`RawTable`: every source column as text exactly as written, the
row number a spreadsheet shows for each record and, for a GIS layer, its geometry
and coordinate system. Nothing is interpreted here: matching columns to the
holding schema, parsing numbers and dates and locating holdings come later. Only
the column names the caller expects are looked for, to find the header below any
title or group headings, and the sheet of a workbook that holds the table.

The format is recognised from the file's content first and from its name only
when the content does not settle it, so an old ``.xls`` saved under a ``.xlsx``
name, or a CSV renamed ``.xlsx``, is read as what it is, with a warning.

=========== ======================================== ===================================
format      recognised by                            read with
=========== ======================================== ===================================
csv         text (UTF-8, UTF-16 or a legacy 8-bit    :mod:`csv` after decoding with
            encoding; comma, semicolon, tab or bar)  :mod:`charset_normalizer`'s help
xlsx        a zip holding ``xl/``                    :mod:`openpyxl`
xls         an OLE2 compound document                :mod:`xlrd`
geojson     text starting with ``{``                 :mod:`pyogrio`
gpkg        an SQLite database                       :mod:`pyogrio`
shapefile   a zip holding a ``.shp`` (or a ``.shp``  :mod:`pyogrio`
            path with its sidecar files)
=========== ======================================== ===================================

CSV, ``.xlsx`` and ``.xls`` all pass their rows, numbered as a spreadsheet numbers
them, through one constructor that finds the header, names unnamed and repeated
columns and keeps every value as text. The standard library's CSV reader is used
rather than :func:`pandas.read_csv` because it yields each record as written: a
record with more values than the header keeps them in an extra column instead of
failing the whole file.

Every failure is an :class:`~estate.errors.InputFileError` naming the file, the
problem and what to do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

import charset_normalizer
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import xlrd

from estate.columns import normalise_heading, recognised_headings
from estate.errors import InputFileError

if TYPE_CHECKING:
    from pyproj import CRS

MAX_FILE_BYTES: int = 100 * 1024 * 1024
"""The largest file :func:`read_table` accepts; larger uploads are refused with a message."""

ROW = "_row"
"""The column of :attr:`RawTable.frame` holding each record's spreadsheet row number."""

FORMATS: tuple[str, ...] = ("csv", "xlsx", "xls", "geojson", "gpkg", "shapefile")
"""The values of :attr:`RawTable.format`."""

_UPLOAD_HINT = "upload the register as CSV, Excel (.xlsx or .xls), GeoJSON, GeoPackage or a zipped Shapefile"
_SPLIT_IT = (
    "split it (for example one file per partner or per area) or remove columns the planner does not need, "
    "and upload the parts"
)
"""What to do about a register above the size limit (a place takes several register files)."""

# What each format is called in messages, and how a file of it is usually named.
_DESCRIPTION = {
    "csv": "CSV text file",
    "xlsx": ".xlsx workbook",
    "xls": ".xls workbook",
    "geojson": "GeoJSON file",
    "gpkg": "GeoPackage",
    "shapefile": "zipped Shapefile",
}
_READ_AS = {
    "csv": "CSV",
    "xlsx": ".xlsx",
    "xls": ".xls",
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shapefile": "Shapefile",
}
_FORMAT_OF_SUFFIX = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".shp": "shapefile",
}

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SQLITE = b"SQLite format 3\x00"
_SHP = b"\x00\x00\x27\x0a"
_NOT_TABLES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ENCODING_NAMES = {"utf-16": "UTF-16", "cp1252": "Windows-1252", "latin_1": "ISO-8859-1"}
_DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_SNIFF_CHARS = 64 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_HEADER_SEARCH_ROWS = 20  # the header is looked for among this many first rows holding a value


@dataclass(frozen=True, eq=False)
class RawTable:
    """One file read as a table of text, before any column is interpreted.

    Attributes
    ----------
    label : str
        The file name as the user knows it; every message about the file uses it.
    format : str
        One of :data:`FORMATS`, as read (which may differ from the file's name).
    frame : pandas.DataFrame
        Every source column as text (``string`` dtype, a missing value is
        ``pd.NA``) under its original header, repeated headers made unique
        (``"Notes"``, ``"Notes (2)"``), plus the int column ``_row``: the row
        number a spreadsheet shows for the record (the header is row 1, so the
        first record is row 2; a CSV record with line breaks inside quoted values
        is still one row). Entirely blank records are left out.
    geometry : geopandas.GeoSeries or None
        For GIS formats, one geometry per record (``None`` where a feature has
        none), aligned with ``frame``, in the source coordinate system.
    crs : str or None
        The source coordinate system as ``"EPSG:xxxx"`` when the file declares
        one that has an EPSG code.
    warnings : tuple of str
        File-level notes for the user, e.g. ``"read as Windows-1252 (not UTF-8)"``.
    repeats : mapping of str to tuple of str
        Each heading the file repeats, with the names its later copies are read under
        (``{"Notes": ("Notes (2)",)}``).
    decimal : str
        The decimal mark of the file's numbers: ``","`` for a CSV separated by other
        than commas (a semicolon export from a European-locale spreadsheet) in which
        every number that shows its mark shows a comma (``415,05``), else ``"."``.
        The numbers are left as written; the loader reads them with this mark.
    decimals : mapping of str to str
        The decimal mark of each column holding numbers, by what its own numbers show:
        ``","`` (``415,05``, ``1.234,5``), ``"."`` (``12.5``, ``1,234.5``) or
        ``"mixed"`` when they show both. A comma-separated CSV, a workbook or a GIS
        layer writes numbers with a point, so a column of such a file showing a comma
        is ``"mixed"``, and one showing neither (only whole numbers, or ones like
        ``1,234`` that either mark could write) is ``"."``. In a CSV separated otherwise,
        a column showing neither takes the mark all the file's other numbers show, or
        ``"mixed"`` when they show both. See :func:`number_marks` and
        :func:`with_decimal_point`.

    """

    label: str
    format: str
    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None = None
    crs: str | None = None
    warnings: tuple[str, ...] = ()
    repeats: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    decimal: str = "."
    decimals: Mapping[str, str] = field(default_factory=dict)


def read_table(
    source: str | os.PathLike[str] | bytes | BinaryIO,
    *,
    label: str | None = None,
    sheet: str | int | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    headings: Collection[str] | None = None,
    too_large: str = _SPLIT_IT,
) -> RawTable:
    """Read a register file of any supported format as a table of text.

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file-like
        A path, or the content of an upload (bytes or a file-like object such
        as Streamlit's ``UploadedFile``).
    label : str, optional
        The file name the user knows. Defaults to the path's name, or the
        file-like object's ``name``. Its extension is only a hint: the content
        decides the format.
    sheet : str or int, optional
        The sheet of a workbook, or the layer of a GeoPackage or of a zip
        holding several shapefiles, by name or 0-based position. Defaults to
        the sheet whose header names the most ``headings`` (the first when
        none does), and the first layer. Ignored for CSV and GeoJSON.
    max_bytes : int, default :data:`MAX_FILE_BYTES`
        Larger files are refused before they are parsed.
    headings : collection of str, optional
        Column names the table is expected to have, in any spelling
        :func:`estate.columns.normalise_heading` folds together. Of the first
        rows of a CSV or sheet, the one naming the most of them is the header
        (else the first holding several values, below any title lines).
        Defaults to every heading a register's columns are recognised by
        (:func:`estate.columns.recognised_headings`).
    too_large : str, optional
        What to do about a file larger than ``max_bytes``, said after its size. By
        default: split the register into parts, which suits registers (a place takes
        several); a reader of a file that cannot be split gives its own advice.

    Returns
    -------
    RawTable
        The table, with any file-level warnings. A file with a header and no
        records gives an empty table.

    Raises
    ------
    InputFileError
        If the file is missing, empty, too large, binary, damaged, or in a
        format the planner does not read; the message names the file, the
        problem and what to do.

    """
    path = _local_path(source)
    label = label or _default_label(source, path)
    if path is not None and path.suffix.lower() == ".shp":
        _check_size(label, _file_size(path, label), max_bytes, too_large)
        return _with_decimals(_read_layer(path, label, "shapefile", layer=None, notes=()))
    data = _read_bytes(source, path, label, max_bytes, too_large)
    fmt = _detect_format(data, label)
    known = recognised_headings() if headings is None else frozenset(map(normalise_heading, headings))
    table = _READERS[fmt](data, label, sheet, known)
    if fmt != "csv":
        table = _with_decimals(table)
    return replace(table, warnings=(*_misnamed(fmt, label), *table.warnings))


# --- getting the bytes -----------------------------------------------------------------


def _local_path(source: object) -> Path | None:
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    return None


def _default_label(source: object, path: Path | None) -> str:
    if path is not None:
        return path.name
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return Path(name).name
    return "the uploaded file"


def _file_size(path: Path, label: str) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError as exc:
        raise InputFileError(f"'{label}' was not found at {path}: check the folder and the file name.") from exc
    except OSError as exc:
        raise InputFileError(
            f"'{label}' could not be opened ({exc.strerror}): check the path and that the planner may read the file."
        ) from exc


def _read_bytes(
    source: str | os.PathLike[str] | bytes | BinaryIO, path: Path | None, label: str, max_bytes: int, too_large: str
) -> bytes:
    if path is not None:
        _check_size(label, _file_size(path, label), max_bytes, too_large)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(
                f"'{label}' could not be read ({exc.strerror}): check the path and that the planner may read the file."
            ) from exc
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        data = source.read(max_bytes + 1)
        if len(data) > max_bytes:
            # Only the first max_bytes + 1 bytes were read, so the full size is not known.
            _check_size(label, getattr(source, "size", None), max_bytes, too_large)
    _check_size(label, len(data), max_bytes, too_large)
    if not data:
        raise InputFileError(
            f"'{label}' is empty (0 bytes): export the register again and upload the file with its rows."
        )
    return data


def _check_size(label: str, size: int | None, max_bytes: int, too_large: str = _SPLIT_IT) -> None:
    """Refuse a file above ``max_bytes``, saying ``too_large``; ``size`` is ``None`` when only known to be larger."""
    if size is None or size > max_bytes:
        what = "larger" if size is None else f"{_size_text(size)}, more"
        raise InputFileError(
            f"'{label}' is {what} than the {_size_text(max_bytes)} the planner reads from one file: {too_large}."
        )


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"


# --- recognising the format ------------------------------------------------------------


def _detect_format(data: bytes, label: str) -> str:
    suffix = Path(label).suffix.lower()
    if data.startswith(_ZIP):
        return _zip_format(data, label)
    if data.startswith(_OLE2):
        return "xls"
    if data.startswith(_SQLITE):
        return "gpkg"
    if data.startswith(_SHP):
        raise InputFileError(
            f"'{label}' is only the .shp part of a shapefile: zip the .shp, .shx, .dbf and "
            ".prj files of the layer together and upload the zip."
        )
    for signature, what in _NOT_TABLES.items():
        if data.startswith(signature):
            raise InputFileError(f"'{label}' is {what}, not a table: {_UPLOAD_HINT}.")
    head = data[:_SNIFF_CHARS].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    if head.startswith(b"{") or _FORMAT_OF_SUFFIX.get(suffix) == "geojson":
        return "geojson"
    if _FORMAT_OF_SUFFIX.get(suffix) in ("gpkg", "shapefile"):
        fmt = _FORMAT_OF_SUFFIX[suffix]
        raise InputFileError(
            f"'{label}' is named like a {_DESCRIPTION[fmt]} but is not one (it is damaged or "
            f"another kind of file): export the layer again and upload it, or {_UPLOAD_HINT}."
        )
    return "csv"


def _zip_format(data: bytes, label: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(
            f"'{label}' is a damaged zip archive ({exc}): create the zip again and upload it."
        ) from exc
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        raise InputFileError(
            f"'{label}' is an OpenDocument file (.ods), which the planner does not read: open it "
            "in LibreOffice or Excel, save it as .xlsx or CSV and upload that."
        )
    if _shapefile_members(names):
        return "shapefile"
    raise InputFileError(
        f"'{label}' is a zip archive with no shapefile (.shp) in it: zip the .shp, .shx, .dbf "
        f"and .prj files of the layer together and upload that zip, or {_UPLOAD_HINT}."
    )


def _misnamed(fmt: str, label: str) -> tuple[str, ...]:
    suffix = Path(label).suffix.lower()
    named = _FORMAT_OF_SUFFIX.get(suffix)
    if named is None or named == fmt:
        return ()
    return (f"a {_DESCRIPTION[fmt]} saved under a {suffix} name: read as {_READ_AS[fmt]}",)


# --- one table from spreadsheet rows ---------------------------------------------------


def _spreadsheet_frame(
    rows: Iterable[tuple[int, list[str | None]]], label: str, empty: str, known: frozenset[str]
) -> tuple[pd.DataFrame, list[str], dict[str, tuple[str, ...]]]:
    """Find the header among numbered rows and build the frame of the records below it.

    A cell is empty when it is ``None`` or ``""``; rows of empty cells are left out.
    ``empty`` says what is wrong when no row holds a value (``"it holds only blank lines"``);
    the header is the row :func:`_header_position` finds by ``known`` headings.
    Returns the frame, notes on how it was read and the repeated headings (see :func:`_frame`).
    """
    filled = [(number, cells) for number, cells in rows if any(cells)]
    if not filled:
        raise InputFileError(
            f"'{label}' has no header row: {empty}. Put the column names in the first "
            "row and one record per row below, then upload it again."
        )
    at = _header_position(filled, known)
    notes = []
    if at:
        above = [number for number, _ in filled[:at]]
        rows_text = f"row {above[0]}" if len(above) == 1 else f"rows {above[0]}-{above[-1]}"
        notes.append(f"the column names are in row {filled[at][0]}; the text above them ({rows_text}) is skipped")
    header, records = filled[at][1], filled[at + 1 :]
    width = max(len(header), *(len(cells) for _, cells in records)) if records else len(header)
    frame, named, repeats = _frame(
        [*header, *[None] * (width - len(header))],
        [cells if len(cells) == width else [*cells, *[None] * (width - len(cells))] for _, cells in records],
        [number for number, _ in records],
    )
    return frame, notes + named, repeats


def _header_position(filled: Sequence[tuple[int, list[str | None]]], known: frozenset[str]) -> int:
    """The header's position among the rows holding a value.

    Among the first :data:`_HEADER_SEARCH_ROWS`, the row of several values naming the most
    ``known`` headings, the first on a tie; a title (one or two values) or a row of group
    headings above it is skipped. When no row names one, the first row holding several values.
    """
    first = filled[:_HEADER_SEARCH_ROWS]
    scores = [_recognised(cells, known) for _, cells in first]
    if max(scores, default=0) > 0:
        return scores.index(max(scores))
    for position, (_, cells) in enumerate(first):
        if sum(1 for cell in cells if cell) >= 2:
            return position
    return 0


def _recognised(cells: Sequence[str | None], known: frozenset[str]) -> int:
    """How many ``known`` headings a row of several values names (0 for a row of one value)."""
    values = {normalise_heading(cell) for cell in cells if cell}
    return len(values & known) if len(values) >= 2 else 0


def _frame(
    header: list[str | None], records: list[list[str | None]], row_numbers: list[int]
) -> tuple[pd.DataFrame, list[str], dict[str, tuple[str, ...]]]:
    """Build the text frame: name unnamed columns, drop empty unnamed ones, dedupe names.

    Returns the frame, notes on how it was read and ``{repeated heading: names of its later copies}``.
    """
    body = pd.DataFrame(records, columns=range(len(header)), dtype="string").replace("", pd.NA)
    notes = []
    keep, names = [], []
    for position, name in enumerate(header):
        if not name or not name.strip():
            if not body[position].notna().any():
                continue
            name = f"Column {_column_letters(position)}"
            notes.append(f"column {_column_letters(position)} has no header; read as '{name}'")
        keep.append(position)
        names.append(name)
    unique, renamed, repeats = _unique_names(names)
    frame = body[keep].set_axis(unique, axis="columns").reset_index(drop=True)
    frame[ROW] = np.asarray(row_numbers, dtype="int64")
    return frame, notes + renamed, repeats


def _column_letters(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _unique_names(names: list[str]) -> tuple[list[str], list[str], dict[str, tuple[str, ...]]]:
    """Make repeated column names unique as ``"Notes"``, ``"Notes (2)"``, ...; also return the repeats."""
    originals = set(names)
    used = {ROW}
    unique, renamed = [], {}
    for name in names:
        new, copy = name, 2
        while new in used or (new != name and new in originals):
            new, copy = f"{name} ({copy})", copy + 1
        used.add(new)
        unique.append(new)
        if new != name:
            renamed.setdefault(name, []).append(new)
    counts = Counter(names)
    notes = []
    for name, copies in renamed.items():
        if counts[name] == 1:
            notes.append(f"column '{name}' is read as '{copies[0]}' ('{ROW}' holds row numbers)")
        elif counts[name] == 2:
            notes.append(f"column '{name}' appears twice; the second is '{copies[0]}'")
        else:
            others = ", ".join(f"'{c}'" for c in copies)
            notes.append(f"column '{name}' appears {counts[name]} times; the others are {others}")
    repeats = {name: tuple(copies) for name, copies in renamed.items() if counts[name] > 1}
    return unique, notes, repeats


def _cell_text(value: object) -> str | None:
    """Write one cell value as the text a spreadsheet shows for it (``None`` if empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value if value else None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return str(int(value))
        return format(float(value), ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _choose(label: str, names: Sequence[str], sheet: str | int | None, kind: str) -> tuple[int, list[str]]:
    """Pick a sheet or layer by name or position; by default the first, noting any others."""
    listed = ", ".join(f"'{n}'" for n in names)
    if not names:
        raise InputFileError(f"'{label}' has no {kind}s: export the register again and upload it, or {_UPLOAD_HINT}.")
    if sheet is None:
        notes = []
        if len(names) > 1:
            notes.append(f"the file has {len(names)} {kind}s ({listed}); read the first, '{names[0]}'")
        return 0, notes
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return sheet, []
        raise InputFileError(
            f"'{label}' has no {kind} number {sheet} (counting from 0): it has {len(names)} "
            f"({listed}); choose one of those."
        )
    if sheet in names:
        return list(names).index(sheet), []
    raise InputFileError(f"'{label}' has no {kind} '{sheet}': its {kind}s are {listed}; choose one of those.")


def _choose_sheet(
    label: str,
    names: Sequence[str],
    sheet: str | int | None,
    rows_of: Callable[[int], Iterator[tuple[int, list[str | None]]]],
    known: frozenset[str],
) -> tuple[int, list[str]]:
    """Pick a workbook's sheet: as asked, else the one whose header names the most ``known`` headings.

    ``rows_of(i)`` gives sheet ``i``'s numbered rows. When no sheet's first rows name a
    known heading, the first sheet holding a value is read, as when the workbook has one sheet.
    """
    if sheet is not None or len(names) < 2:
        return _choose(label, names, sheet, "sheet")
    best: list[tuple[int, bool, int]] = []  # (score, holds a value, header row) per sheet
    for index in range(len(names)):
        head = list(islice(((n, cells) for n, cells in rows_of(index) if any(cells)), _HEADER_SEARCH_ROWS))
        at = _header_position(head, known) if head else 0
        best.append((_recognised(head[at][1], known) if head else 0, bool(head), head[at][0] if head else 1))
    index = max(range(len(names)), key=lambda i: best[i][:2])  # max keeps the first of equals
    if index == 0:
        return _choose(label, names, None, "sheet")
    listed = ", ".join(f"'{n}'" for n in names)
    why = f"whose header (row {best[index][2]}) has the most recognised columns" if best[index][0] else "not empty"
    return index, [f"the file has {len(names)} sheets ({listed}); read '{names[index]}', {why}"]


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    text, encoding = _decode(data, label)
    if text.lstrip().startswith("<"):
        raise InputFileError(
            f"'{label}' is a web page or XML document, not a table: open it in Excel, save it "
            "as .xlsx or CSV and upload that."
        )
    delimiter = sniff_delimiter(text[:_SNIFF_CHARS])
    notes = []
    if encoding is not None:
        notes.append(f"read as {encoding} (not UTF-8)")
    if delimiter != ",":
        notes.append(f"values are separated by {_DELIMITERS[delimiter]}, not commas")
    _refuse_unclosed_quote(text, delimiter, label)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise InputFileError(
            f"'{label}' cannot be read as CSV near line {reader.line_num} ({exc}): look for a "
            'quote (") that is never closed, save the file again as CSV and upload it.'
        ) from exc
    frame, named, repeats = _spreadsheet_frame(rows, label, "it holds only blank lines", known)
    # A locale whose decimal mark is the comma cannot separate values with commas.
    first_comma, decimals = _decimal_marks(frame, "." if delimiter == "," else None)
    if first_comma is not None:
        notes.append(f"numbers use a comma as the decimal mark ({first_comma!r} is read as {with_point(first_comma)})")
    return RawTable(
        label,
        "csv",
        frame,
        warnings=(*notes, *named),
        repeats=repeats,
        decimal="," if first_comma else ".",
        decimals=decimals,
    )


# --- decimal marks -------------------------------------------------------------------------

# A number with commas between thousands and a point before its decimals ("12.5", "1,234.5",
# "1,234,567"), and one with points between thousands and a comma before its decimals
# ("415,05", "1.234,5", "0,500"). A thousands group after one to three digits (not a lone 0) has
# three digits, so "1,234" and "1.234" fit both: either mark could have written them.
_POINT_NUMBER = r"[-+]?(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d+)?"
_COMMA_NUMBER = r"[-+]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,\d+)?"
_MARK = r"\d[.,]\d"  # only a cell with a mark between digits shows one
_NOT_DIGITS = r"(?i)[£\s\u00a0\u202f]|GBP|m2|m²|sq ?m"  # what a number cell may hold besides its number
EITHER = "either"
"""What :func:`number_marks` says of a number either decimal mark could have written (``1,234``)."""
MIXED = "mixed"
"""The mark of a column of :attr:`RawTable.decimals` whose numbers show both."""


def number_marks(cells: pd.Series) -> pd.Series:
    """The decimal mark each cell's number shows, by how it is written.

    ``","`` for ``415,05``, ``1.234,5`` or ``0,500``; ``"."`` for ``12.5``, ``1,234.5`` or
    ``1,234,567``; :data:`EITHER` for ``1,234`` or ``1.234`` (a thousand and some, or a
    little over one); missing for a whole number or text that is not a number. A pound
    sign, a unit (``m2``) or spaces around the number are allowed.
    """
    text = cells.astype("string")
    at = np.flatnonzero(text.str.contains(_MARK).fillna(False).to_numpy(dtype=bool))
    core = text.iloc[at]
    dressed = ~core.str.fullmatch(r"[-+]?[\d.,]+").fillna(False).to_numpy(dtype=bool)
    core = core.mask(dressed, core.str.replace(_NOT_DIGITS, "", regex=True)) if dressed.any() else core
    point = core.str.fullmatch(_POINT_NUMBER).fillna(False).to_numpy(dtype=bool)
    comma = core.str.fullmatch(_COMMA_NUMBER).fillna(False).to_numpy(dtype=bool)
    marks = np.full(len(text), None, dtype=object)
    marks[at[point & ~comma]] = "."
    marks[at[comma & ~point]] = ","
    marks[at[point & comma]] = EITHER
    return pd.Series(marks, index=cells.index, dtype="string")


def _decimal_marks(frame: pd.DataFrame, default: str | None) -> tuple[str | None, dict[str, str]]:
    """The file's first decimal comma when every number showing a mark shows a comma, and each column's mark.

    ``default`` is the mark the file's format implies whatever its numbers show (``"."``),
    or ``None`` when only they can tell. See :attr:`RawTable.decimals`.
    """
    shown = pd.DataFrame({column: number_marks(frame[column]) for column in frame.columns if column != ROW})
    told = {column: set(marks.dropna()) - {EITHER} for column, marks in shown.items()}
    in_file = set().union(*told.values())
    decimals = {}
    for column, marks in shown.items():
        if marks.notna().any():
            said = (told[column] | {default}) if default else (told[column] or in_file)
            decimals[column] = MIXED if len(said) > 1 else next(iter(said), ".")
    if default is not None or in_file != {","}:
        return None, decimals
    comma = shown.eq(",").fillna(False).astype(bool)
    position = int(comma.any(axis=1).to_numpy().argmax())
    column = comma.columns[comma.iloc[position].to_numpy().argmax()]
    return str(frame[column].iloc[position]).strip(), decimals


def _with_decimals(table: RawTable) -> RawTable:
    """A workbook's or layer's table with its columns' decimal marks: numbers are stored with a point."""
    return replace(table, decimals=_decimal_marks(table.frame, ".")[1])


def with_point(number: str) -> str:
    """A number written with a decimal comma (``"1.234,5"``) written with a point (``"1234.5"``)."""
    return number.replace(".", "").replace(",", ".")


def with_decimal_point(cells: pd.Series, mark: str = ",", shown: pd.Series | None = None) -> pd.Series:
    """Rewrite a column's numbers with a decimal point (``"1.234,5"`` as ``"1234.5"``, ``"415,05"`` as ``"415.05"``).

    Each number is read by the mark it shows (:func:`number_marks`); one either mark could
    have written (``"1,234"``) by ``mark``, the column's (:attr:`RawTable.decimals`):
    with ``","`` it is rewritten (``"1.234"``), with ``"."`` or :data:`MIXED` it is left as
    written (with ``MIXED`` it cannot be told, and the caller says so). Other text is left
    as it is. ``shown`` is the cells' :func:`number_marks`, when the caller has them already.
    """
    text = cells.astype("string")
    shown = number_marks(text) if shown is None else shown
    rewrite = (shown.eq(",") | (shown.eq(EITHER) & (mark == ","))).fillna(False).astype(bool)
    return text.mask(rewrite, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))


def _refuse_unclosed_quote(text: str, delimiter: str, label: str) -> None:
    """Refuse a CSV whose quote opens and never closes, naming the line it opens on.

    A lenient reader takes everything after such a quote as one value: the rest of the
    file would vanish into one holding's name.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    read_to = 0
    try:
        for _ in reader:
            read_to = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return  # another quirk the lenient reader copes with, as it always has
        raise InputFileError(
            f"'{label}' has a quote (\") on line {read_to + 1} that is never closed, so the rest of the file "
            "would read as one value: close the quote (or remove it), save the file as CSV and upload it again."
        ) from exc


def _decode(data: bytes, label: str) -> tuple[str, str | None]:
    """Decode CSV bytes; return the text and the encoding's name when it is not UTF-8.

    A non-UTF-8 export from a UK partner is almost always Windows-1252 (what Excel
    on Windows writes as "CSV"), so that encoding wins whenever
    :mod:`charset_normalizer` finds it plausible; its best guess is used otherwise.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise _binary_error(label) from exc
            return text, (None if codec == "utf-8-sig" else _ENCODING_NAMES[codec])
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise _binary_error(label)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(_non_ascii_lines(data))
    best = matches.best()
    if best is None:
        raise _binary_error(label)
    plausible = {name for match in matches for name in match.could_be_from_charset}
    encoding = "cp1252" if "cp1252" in plausible else best.encoding
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _binary_error(label) from exc
    if looks_binary(text[:_SNIFF_CHARS]):
        raise _binary_error(label)
    return text, _ENCODING_NAMES.get(encoding, codecs.lookup(encoding).name.upper())


def _non_ascii_lines(data: bytes, limit: int = 1024 * 1024) -> bytes:
    """Collect the lines holding non-ASCII bytes, up to ``limit``: only they tell encodings apart.

    Guessing the encoding from them rather than from the whole file keeps a large
    register quick to read.
    """
    lines, size = [], 0
    found = _NON_ASCII.search(data)
    while found is not None and size < limit:
        start = data.rfind(b"\n", 0, found.start()) + 1
        end = data.find(b"\n", found.start())
        end = len(data) if end < 0 else end
        lines.append(data[start:end])
        size += end - start
        found = _NON_ASCII.search(data, end)
    return b"\n".join(lines)


def _binary_error(label: str) -> InputFileError:
    return InputFileError(
        f"'{label}' is not a table the planner can read (its content is binary, not text, "
        f"nor a spreadsheet or GIS format): {_UPLOAD_HINT}."
    )


def looks_binary(sample: str) -> bool:
    """More than 1 in 100 characters are control characters (text has only tabs, line ends and form feeds)."""
    controls = sum(ch < " " and ch not in "\t\r\n\f" for ch in sample)
    return controls > len(sample) / 100


def sniff_delimiter(sample: str) -> str:
    """Choose the delimiter that gives the most usual record the most values (commas win ties)."""
    lines = sample.splitlines(keepends=True)[:-1] or [sample]
    best, best_width = ",", 0
    for delimiter in _DELIMITERS:
        widths = Counter(
            len(record) for record in csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter) if record
        )
        width = widths.most_common(1)[0][0] if widths else 0
        if width > best_width:
            best, best_width = delimiter, width
    return best


# --- Excel -------------------------------------------------------------------------------


def _workbook_error(label: str, exc: Exception) -> InputFileError:
    return InputFileError(
        f"'{label}' could not be read as an Excel workbook ({_reason(exc)}): if it is "
        "password-protected remove the password, then open it in Excel, save it as .xlsx and "
        "upload that."
    )


def _read_xlsx(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; none affect values.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise _workbook_error(label, exc) from exc

    def rows_of(index: int) -> Iterator[tuple[int, list[str | None]]]:
        values = book.worksheets[index].iter_rows(min_row=1, values_only=True)
        return ((number, [_cell_text(value) for value in row]) for number, row in enumerate(values, start=1))

    try:
        names = [ws.title for ws in book.worksheets]
        try:
            index, notes = _choose_sheet(label, names, sheet, rows_of, known)
            rows = list(rows_of(index))
        except InputFileError:
            raise
        except Exception as exc:
            raise _workbook_error(label, exc) from exc
    finally:
        book.close()
    frame, named, repeats = _spreadsheet_frame(rows, label, f"its sheet '{names[index]}' is empty", known)
    return RawTable(label, "xlsx", frame, warnings=(*notes, *named), repeats=repeats)


def _read_xls(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except Exception as exc:  # xlrd raises many kinds of error on a damaged file
        raise _workbook_error(label, exc) from exc

    def rows_of(index: int) -> Iterator[tuple[int, list[str | None]]]:
        ws = book.sheet_by_index(index)
        return (
            (r + 1, [_xls_cell_text(ws.cell(r, c), book.datemode) for c in range(ws.row_len(r))])
            for r in range(ws.nrows)
        )

    try:
        names = book.sheet_names()
        try:
            index, notes = _choose_sheet(label, names, sheet, rows_of, known)
            rows = list(rows_of(index))
        except InputFileError:
            raise
        except Exception as exc:
            raise _workbook_error(label, exc) from exc
    finally:
        book.release_resources()
    frame, named, repeats = _spreadsheet_frame(rows, label, f"its sheet '{names[index]}' is empty", known)
    return RawTable(label, "xls", frame, warnings=(*notes, *named), repeats=repeats)


def _xls_cell_text(cell: xlrd.sheet.Cell, datemode: int) -> str | None:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return _cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return _cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return _cell_text(cell.value)


# --- GIS formats -------------------------------------------------------------------------


def _read_geojson(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="estate-") as folder:
        path = Path(folder) / "layer.geojson"
        path.write_bytes(data)
        return _read_layer(path, label, "geojson", layer=None, notes=())


def _read_gpkg(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="estate-") as folder:
        path = Path(folder) / "layers.gpkg"
        path.write_bytes(data)
        try:
            names = [str(name) for name, _ in pyogrio.list_layers(path)]
        except Exception as exc:
            raise _layer_error(label, "gpkg", exc, path) from exc
        index, notes = _choose(label, names, sheet, "layer")
        return _read_layer(path, label, "gpkg", layer=names[index], notes=notes)


def _read_zipped_shapefile(data: bytes, label: str, sheet: str | int | None, known: frozenset[str]) -> RawTable:
    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        tempfile.TemporaryDirectory(prefix="estate-") as folder,
    ):
        names = archive.namelist()
        layers = _shapefile_members(names)
        index, notes = _choose(label, [PurePosixPath(m).stem for m in layers], sheet, "layer")
        shp = PurePosixPath(layers[index])
        parts = {
            PurePosixPath(name).suffix.lower(): name
            for name in names
            if PurePosixPath(name).parent == shp.parent and PurePosixPath(name).stem.lower() == shp.stem.lower()
        }
        missing = [part for part in (".shx", ".dbf") if part not in parts]
        if missing:
            raise InputFileError(
                f"'{label}' holds '{shp.name}' without its {' and '.join(missing)} file: a "
                "shapefile needs its .shp, .shx, .dbf and .prj files; zip them together and "
                "upload that zip."
            )
        for suffix, name in parts.items():
            (Path(folder) / f"layer{suffix}").write_bytes(archive.read(name))
        return _read_layer(Path(folder) / "layer.shp", label, "shapefile", None, notes)


def _shapefile_members(names: Sequence[str]) -> list[str]:
    return [name for name in names if name.lower().endswith(".shp") and not name.startswith("__MACOSX/")]


def _read_layer(path: Path, label: str, fmt: str, layer: str | None, notes: Sequence[str]) -> RawTable:
    """Read one GIS layer: attributes as text, geometry and CRS as declared."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer_frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio and GDAL raise many kinds of error on a damaged file
        raise _layer_error(label, fmt, exc, path) from exc
    geometry = None
    crs = None
    notes = [*notes, *_gdal_notes(caught, path, label)]
    if layer_frame.empty and len(layer_frame.columns) <= 1:
        raise InputFileError(
            f"'{label}' has no features (the layer is empty): export the layer again from the GIS with its "
            "features and upload it."
        )
    if isinstance(layer_frame, gpd.GeoDataFrame):
        geometry = layer_frame.geometry.reset_index(drop=True).rename("geometry")
        layer_frame = pd.DataFrame(layer_frame.drop(columns=layer_frame.geometry.name))
        crs = _epsg(geometry.crs)
        if geometry.crs is None:
            missing = " (a shapefile declares it in its .prj file)" if fmt == "shapefile" else ""
            notes.append(f"the layer declares no coordinate system{missing}")
        elif crs is None:
            notes.append(f"the layer's coordinate system ('{geometry.crs.name}') has no EPSG code")
    records = [[_cell_text(value) for value in row] for row in layer_frame.itertuples(index=False)]
    frame, named, repeats = _frame(
        [str(column) for column in layer_frame.columns],
        records,
        list(range(2, len(records) + 2)),
    )
    return RawTable(label, fmt, frame, geometry, crs, (*notes, *named), repeats)


def _gdal_notes(caught: Sequence[warnings.WarningMessage], path: Path, label: str) -> list[str]:
    """What GDAL said while reading a layer (a feature it could not read, say), once per message."""
    said = Counter(
        re.sub(r"^\w+\(\):\s*", "", str(w.message).replace(str(path), label)).strip().rstrip(".") for w in caught
    )
    return [
        f"reading the layer, GDAL reported: {text}{f' ({count} times)' if count > 1 else ''}; "
        "features whose geometry it could not read have none"
        for text, count in said.items()
        if text
    ]


def _epsg(crs: CRS | None) -> str | None:
    if crs is None:
        return None
    code = crs.to_epsg()
    return None if code is None else f"EPSG:{code}"


def _layer_error(label: str, fmt: str, exc: Exception, path: Path) -> InputFileError:
    return InputFileError(
        f"'{label}' could not be read as a {_DESCRIPTION[fmt]} ({_reason(exc, path, label)}): "
        "export the layer again from the GIS and upload it."
    )


def _reason(exc: Exception, path: Path | None = None, label: str = "") -> str:
    """Give the first line of a library's error, without temporary paths, kept short."""
    # GDAL joins its messages with ";"; the first says what went wrong.
    text = str(exc).strip().splitlines()[0].split(";")[0] if str(exc).strip() else ""
    text = text or type(exc).__name__
    if path is not None:
        text = text.replace(str(path), label)
    return text if len(text) <= 200 else text[:197] + "..."


_READERS: dict[str, Callable[[bytes, str, str | int | None, frozenset[str]], RawTable]] = {
    "csv": _read_csv,
    "xlsx": _read_xlsx,
    "xls": _read_xls,
    "geojson": _read_geojson,
    "gpkg": _read_gpkg,
    "shapefile": _read_zipped_shapefile,
}

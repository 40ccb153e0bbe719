"""Write tables for estates officers: CSV and Excel they can open safely, GeoPackage for QGIS.

Every text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is prefixed with an apostrophe, so a spreadsheet shows it as text and never
runs it as a formula (the OWASP advice on CSV injection). Numbers are left as numbers.

Excel workbooks have one sheet per table, units in the column headings, a frozen and
bold header row, filters, and column widths that fit the contents.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from estate.errors import EstateError

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MAX_WIDTH = 60
_EXCEL_CELL_CHARS = 32_767
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""The media type of what :func:`to_excel_bytes` writes, for a download."""


def neutralise(value: object) -> object:
    """Prefix a text value that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells (and headings) cannot run as spreadsheet formulas."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def writable_folder(out: str | Path, option: str = "--out") -> Path:
    """An output folder known to take files; else a clear error. Folders made to try it are removed again.

    Checked before any long work, so a result is never made only to be lost.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise EstateError(f"{option} {out} is a file, not a folder: name a folder for the files.")
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".estate-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise EstateError(f"{option} {out}: files cannot be written there ({exc.strerror or exc}).") from exc
    finally:
        for folder in made:  # deepest first
            if folder.exists():
                folder.rmdir()
    return out


def writable_file(path: str | Path, option: str) -> Path:
    """A file that can be written (its folder made if need be); else a clear error. Nothing is left behind."""
    path = Path(path)
    if path.is_dir():
        raise EstateError(f"{option} {path} is a folder: name a file, e.g. {path / 'report.csv'}.")
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
    except OSError as exc:
        raise EstateError(f"{option} {path}: the file cannot be written there ({exc.strerror or exc}).") from exc
    if not existed:
        path.unlink()
    return path


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV in UTF-8 with a byte-order mark (so Excel reads '£' and accents), formulas neutralised.

    Numbers are written to 12 significant figures: 36978216.76, not the 36978216.760000005
    that summing in binary leaves.
    """
    return safe_table(table).to_csv(index=False, float_format="%.12g").encode("utf-8-sig")


def to_excel_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """A formatted workbook with one sheet per table.

    Parameters
    ----------
    sheets
        Sheet name -> table. Put units in the column names (``"Receipt (£)"``); sheet
        names longer than Excel's 31 characters are cut.

    Returns
    -------
    bytes
        The .xlsx file.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            sheet = name[:31]
            plain = _plain(table)
            safe_table(plain).to_excel(writer, sheet_name=sheet, index=False)
            _format(writer.sheets[sheet], plain)
    return buffer.getvalue()


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Drop geometry and turn nullable and timezone-aware values into what Excel accepts."""
    out = pd.DataFrame(table.drop(columns=[c for c in table.columns if c == "geometry"], errors="ignore"))
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_localize(None)
        elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.astype(object).where(series.notna(), None).map(_fits_a_cell)
    return out


def _fits_a_cell(value: object) -> object:
    """Text longer than an Excel cell holds (a large outline's WKT) is replaced by a pointer to the full value."""
    if isinstance(value, str) and len(value) > _EXCEL_CELL_CHARS:
        return f"({len(value):,} characters, more than an Excel cell holds: see the CSV or GeoPackage)"
    return value


def outline_layer(frame: pd.DataFrame, column: str = "outline_wkt") -> gpd.GeoDataFrame:
    """The rows that have an outline, drawn as their polygons (for a GeoPackage layer).

    Parameters
    ----------
    frame
        Holdings or plan decisions with ``column`` holding WKT in EPSG:27700 (blank for
        a point holding).

    Returns
    -------
    geopandas.GeoDataFrame
        The other columns of those rows, with the outline as geometry; empty when no
        row has one.

    """
    import shapely

    text = frame[column].astype("string") if column in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    has = text.notna() & text.str.strip().ne("")
    rows = pd.DataFrame(frame.loc[has]).drop(columns=[column, "geometry"], errors="ignore")
    shapes = shapely.from_wkt(text[has].to_numpy(dtype=object))
    return gpd.GeoDataFrame(rows, geometry=list(shapes), crs="EPSG:27700")


def _format(worksheet, table: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    worksheet.freeze_panes = "A2"
    if len(table.columns):
        worksheet.auto_filter.ref = worksheet.dimensions
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(table.columns, start=1):
        values = table[column].head(500).map(str)
        width = max([len(str(column))] + [len(v) for v in values]) + 2
        worksheet.column_dimensions[get_column_letter(i)].width = min(width, _MAX_WIDTH)
        if pd.api.types.is_float_dtype(table[column]):
            number_format = _number_format(str(column), table[column])
            for cell in worksheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell[0].number_format = number_format
        elif pd.api.types.is_datetime64_any_dtype(table[column]):
            for cell in worksheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell[0].number_format = "yyyy-mm-dd"


_MONEY = ("£", "gbp", "cost", "receipt", "value", "npv", "rent", "rates", "saving")


def _number_format(column: str, values: pd.Series) -> str:
    """Whole pounds for money and for whole numbers; two decimals for the rest.

    A threshold of 4.83 km, a discount factor of 0.97 or 0.5 ha must not show as 5, 1 or 1.
    """
    finite = values[np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))]
    whole = bool((finite == finite.round()).all())
    return "#,##0" if any(word in column.lower() for word in _MONEY) or whole else "#,##0.00"


def to_geopackage(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write each GeoDataFrame as a layer of one GeoPackage (QGIS opens it directly).

    Columns that GeoPackage cannot hold (extra geometry columns, lists) are written as
    text; nullable booleans and strings become plain values.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    for name, layer in layers.items():
        frame = layer.copy()
        for column in frame.columns:
            if column == frame.geometry.name:
                continue
            series = frame[column]
            if isinstance(series, gpd.GeoSeries) or series.map(lambda v: isinstance(v, list | dict | tuple)).any():
                frame[column] = series.astype(str)
            elif pd.api.types.is_bool_dtype(series) and series.isna().any():
                frame[column] = series.astype(object)
            elif series.dtype == object and series.notna().any() and series.dropna().map(_is_date).all():
                # dates as a date-time field, so QGIS filters and sorts them as dates, not text
                frame[column] = pd.to_datetime(series)
            elif pd.api.types.is_string_dtype(series) or series.dtype == object:
                # a blank is a missing value (NULL), so "IS NULL" finds it in QGIS
                frame[column] = series.astype(object).map(lambda v: None if isinstance(v, str) and not v.strip() else v)
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def _is_date(value: object) -> bool:
    return isinstance(value, dt.date)


def to_geopackage_bytes(layers: Mapping[str, gpd.GeoDataFrame]) -> bytes:
    """The GeoPackage of :func:`to_geopackage` as bytes, for a download button."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = to_geopackage(layers, Path(folder) / "plan.gpkg")
        return path.read_bytes()

"""Reading partners' files in every supported format, and refusing bad ones clearly."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from estate.errors import InputFileError
from estate.readers import MAX_FILE_BYTES, ROW, RawTable, number_marks, read_table, with_decimal_point

# --- small hand-made files ----------------------------------------------------------------


def _xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xls_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    """Write a real Excel 97-2003 (.xls, BIFF8) workbook.

    No .xls writer is among the project's dependencies, so this writes the
    minimum Excel itself writes: a workbook-globals substream (BOF, code page,
    date mode, two cell formats - general and the built-in date format 14 -
    one BOUNDSHEET per sheet, the shared string table, EOF) and per sheet a
    substream of BOF, DIMENSIONS, LABELSST / NUMBER / BOOLERR cells and EOF,
    stored as the 'Workbook' stream of an OLE2 compound file. The layout follows
    Microsoft's [MS-XLS] and [MS-CFB] specifications; xlrd reads it like a file
    saved by Excel.
    """
    strings = sorted({v for rows in sheets.values() for row in rows for v in row if isinstance(v, str)})
    index = {s: i for i, s in enumerate(strings)}
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings
    )

    def bof(kind: int) -> bytes:
        return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))

    def xf(number_format: int) -> bytes:
        return _record(0x00E0, struct.pack("<HHHBBBBIiH", 0, number_format, 0, 0x20, 0, 0, 0, 0, 0, 0x20C0))

    substreams = []
    for rows in sheets.values():
        cells = []
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    cells.append(_record(0x00FD, struct.pack("<HHHI", r, c, 0, index[value])))
                elif isinstance(value, bool):
                    cells.append(_record(0x0205, struct.pack("<HHHBB", r, c, 0, value, 0)))
                elif isinstance(value, dt.date):
                    serial = (value - dt.date(1899, 12, 30)).days
                    cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 1, serial)))
                else:
                    cells.append(_record(0x0203, struct.pack("<HHHd", r, c, 0, value)))
        width = max((len(row) for row in rows), default=0)
        dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        substreams.append(bof(0x0010) + dimensions + b"".join(cells) + _record(0x000A))

    def workbook_globals(offsets: list[int]) -> bytes:
        boundsheets = b"".join(
            _record(
                0x0085,
                struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le"),
            )
            for offset, name in zip(offsets, sheets, strict=True)
        )
        return (
            bof(0x0005)
            + _record(0x0042, struct.pack("<H", 1200))
            + _record(0x0022, struct.pack("<H", 0))
            + xf(0)
            + xf(14)
            + boundsheets
            + _record(0x00FC, sst)
            + _record(0x000A)
        )

    offsets, start = [], len(workbook_globals([0] * len(sheets)))
    for substream in substreams:
        offsets.append(start)
        start += len(substream)
    stream = workbook_globals(offsets) + b"".join(substreams)
    # Streams under 4096 bytes would live in the mini stream; padding keeps one layout.
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\0")
    return _compound_file(stream)


def _compound_file(stream: bytes) -> bytes:
    """Wrap a 'Workbook' stream in an OLE2 file: sector 0 the FAT, 1 the directory, 2.. data."""
    sectors = len(stream) // 512
    fat = [-3, -2, *range(3, 2 + sectors), -2]
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<iiiiiiiii", 0, 1, 1, 0, 4096, -2, 0, -2, 0)
        + struct.pack("<109i", 0, *[-1] * 108)
    )

    def entry(name: str, kind: int, child: int, first_sector: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBiii", len(raw), kind, 1, -1, -1, child)
            + b"\0" * 36
            + struct.pack("<iII", first_sector, size, 0)
        )

    directory = entry("Root Entry", 5, 1, -2, 0) + entry("Workbook", 2, -1, 2, len(stream))
    return header + struct.pack("<128i", *fat, *[-1] * (128 - len(fat))) + directory.ljust(512, b"\0") + stream


def _sites(crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "UPRN": ["010012345678", "100012797623"],
            "Name": ["Sale Waterside", "Altrincham Library"],
            "Floors": [3, 2],
            "GIA": [1250.5, 800.0],
            "Opened": [dt.date(2019, 4, 1), dt.date(1974, 10, 12)],
        },
        geometry=[shapely.Point(378_000, 392_000), shapely.Point(376_500, 388_000)],
        crs=crs,
    )


def _zip(path: os.PathLike[str], members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def _shapefile_parts(tmp_path, gdf: gpd.GeoDataFrame, stem: str = "sites") -> dict[str, bytes]:
    folder = tmp_path / f"{stem}-parts"
    folder.mkdir()
    gdf.to_file(folder / f"{stem}.shp")
    return {p.suffix: p.read_bytes() for p in folder.iterdir()}


def _values(table: RawTable, column: str) -> list[object]:
    return [None if pd.isna(v) else v for v in table.frame[column]]


# --- CSV ----------------------------------------------------------------------------------


def test_csv_keeps_every_value_as_the_text_written(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(
        b"UPRN,PropertyName,BuildingSize,Notes\n010012345678,Sale Town Hall,1250.50,NA\n100012797623,Depot,,1e5\n"
    )
    table = read_table(path)
    assert table.label == "register.csv"
    assert table.format == "csv"
    assert list(table.frame.columns) == ["UPRN", "PropertyName", "BuildingSize", "Notes", ROW]
    assert _values(table, "UPRN") == ["010012345678", "100012797623"]
    assert _values(table, "BuildingSize") == ["1250.50", None]
    assert _values(table, "Notes") == ["NA", "1e5"]
    assert table.frame["UPRN"].dtype == "string"
    assert list(table.frame[ROW]) == [2, 3]
    assert table.geometry is None and table.crs is None and table.warnings == ()


def test_csv_with_byte_order_mark_reads_first_header_cleanly():
    table = read_table("\ufeffUPRN,Name\r\n1,Café\r\n".encode(), label="register.csv")
    assert list(table.frame.columns) == ["UPRN", "Name", ROW]
    assert _values(table, "Name") == ["Café"]
    assert table.warnings == ()


def test_csv_in_windows_1252_is_decoded_with_a_warning():
    data = "UPRN,Name,Rent\n1,Café du Parc,£1200\n2,Hôtel de Ville,£85\n".encode("cp1252")
    assert b"\xe9" in data and b"\xa3" in data
    table = read_table(data, label="legacy.csv")
    assert _values(table, "Name") == ["Café du Parc", "Hôtel de Ville"]
    assert _values(table, "Rent") == ["£1200", "£85"]
    assert "read as Windows-1252 (not UTF-8)" in table.warnings


def test_csv_repeated_headers_are_made_unique_with_a_warning():
    table = read_table(
        b"Notes,UPRN,Notes,Notes\na,1,b,c\n",
        label="register.csv",
    )
    assert list(table.frame.columns) == ["Notes", "UPRN", "Notes (2)", "Notes (3)", ROW]
    assert _values(table, "Notes (3)") == ["c"]
    assert table.warnings == ("column 'Notes' appears 3 times; the others are 'Notes (2)', 'Notes (3)'",)
    twice = read_table(b"Notes,Notes\na,b\n", label="register.csv")
    assert twice.warnings == ("column 'Notes' appears twice; the second is 'Notes (2)'",)
    assert table.repeats == {"Notes": ("Notes (2)", "Notes (3)")}
    assert twice.repeats == {"Notes": ("Notes (2)",)}


def test_csv_line_breaks_inside_quotes_keep_one_row_per_record():
    data = (
        b"UPRN,Address,Use\r\n"
        b'1,"Town Hall\r\nSchool Road\r\nSale",office\r\n'
        b'2,"Library\nWashway Road",library\r\n'
        b"3,Depot,depot\r\n"
    )
    table = read_table(data, label="register.csv")
    assert _values(table, "UPRN") == ["1", "2", "3"]
    assert list(table.frame[ROW]) == [2, 3, 4]
    assert _values(table, "Address")[0] == "Town Hall\r\nSchool Road\r\nSale"
    assert _values(table, "Address")[1] == "Library\nWashway Road"


def test_csv_with_a_quote_never_closed_is_refused_naming_its_line():
    data = b'Name,Postcode\nTown Hall,M33 7DZ\n"Library,M32 0TH\nDepot,WA15 0AB\n'
    with pytest.raises(InputFileError, match=r"'register.csv' has a quote \(\"\) on line 3 that is never closed"):
        read_table(data, label="register.csv")
    # a stray quote inside a value is not refused: the lenient reading keeps it, as before
    assert _values(read_table(b'Name,Postcode\nThe "Old" Hall,M33 7DZ\n', label="ok.csv"), "Name") == ['The "Old" Hall']


def test_csv_blank_lines_are_dropped_but_keep_their_row_numbers():
    table = read_table(b"UPRN,Name\n1,a\n\n2,b\n,\n\n\n", label="register.csv")
    assert _values(table, "UPRN") == ["1", "2"]
    assert list(table.frame[ROW]) == [2, 4]


def test_csv_with_only_a_header_is_an_empty_table():
    table = read_table(b"UPRN,PropertyName,PostCode\n", label="register.csv")
    assert list(table.frame.columns) == ["UPRN", "PropertyName", "PostCode", ROW]
    assert len(table.frame) == 0


def test_csv_separated_by_semicolons_is_recognised():
    table = read_table(b"UPRN;Name;Address\n1;Hall;1 High St, Sale\n", label="register.csv")
    assert _values(table, "Address") == ["1 High St, Sale"]
    assert "values are separated by semicolons, not commas" in table.warnings


def test_csv_separated_by_semicolons_with_decimal_commas_says_so():
    table = read_table(b"Name;GeoX;BuildingSize\nHall;-2,3520922;415,05\nDepot;-2,306;1.047\n", label="register.csv")
    assert table.decimal == ","
    assert _values(table, "BuildingSize") == ["415,05", "1.047"]  # the text is kept as written
    assert "numbers use a comma as the decimal mark ('-2,3520922' is read as -2.3520922)" in table.warnings


@pytest.mark.parametrize(
    "data",
    [
        b'Name,BuildingSize\nHall,"1,200"\nDepot,"415,05"\n',  # commas separate the values
        b"Name;BuildingSize\nHall;1,200\n",  # a comma before three digits may be a thousands separator
        b"Name;BuildingSize;GeoX\nHall;415,05;-2.35\n",  # numbers written both ways
    ],
)
def test_decimal_commas_are_not_assumed(data):
    table = read_table(data, label="register.csv")
    assert table.decimal == "."
    assert not any("decimal mark" in note for note in table.warnings)


def test_a_semicolon_file_whose_columns_use_different_decimal_marks_keeps_each_columns_own():
    # One column written with points must not make 415,05 in another read as 41505.
    table = read_table(
        b"Name;BuildingSize;LandArea;GeoY;Rooms;Notes\n"
        b"Hall;415,05;0.5;53.41;1,234;see plan\n"
        b"Depot;1.047;0,25;53.42;7;\n",
        label="register.csv",
    )
    assert table.decimal == "."  # the file as a whole uses both
    assert table.decimals == {"BuildingSize": ",", "LandArea": "mixed", "GeoY": ".", "Rooms": "mixed"}


def test_a_comma_separated_file_with_a_decimal_comma_in_a_quoted_cell_marks_that_column_mixed():
    table = read_table(b'Name,BuildingSize,GIA\nHall,"415,05","1,234"\nDepot,"1,200",12\n', label="register.csv")
    assert table.decimal == "."
    assert table.decimals == {"BuildingSize": "mixed", "GIA": "."}  # 1,234 beside whole numbers is a thousand


@pytest.mark.parametrize(
    ("text", "shown", "with_comma", "with_point"),
    [
        ("415,05", ",", "415.05", "415.05"),
        ("1.234,5", ",", "1234.5", "1234.5"),
        ("0,500", ",", "0.500", "0.500"),  # a thousands group never follows a lone 0
        ("12.5", ".", "12.5", "12.5"),
        ("1,234.5", ".", "1,234.5", "1,234.5"),
        ("1,234,567", ".", "1,234,567", "1,234,567"),
        ("1,234", "either", "1.234", "1,234"),  # a thousand and some, or a little over one
        ("£1.234", "either", "£1234", "£1.234"),
        ("415,05 m2", ",", "415.05 m2", "415.05 m2"),
        ("1200", None, "1200", "1200"),
        ("Town Hall", None, "Town Hall", "Town Hall"),
    ],
)
def test_each_number_is_read_by_the_decimal_mark_it_shows(text, shown, with_comma, with_point):
    cells = pd.Series([text], dtype="string")
    assert [None if pd.isna(mark) else mark for mark in number_marks(cells)] == [shown]
    assert with_decimal_point(cells, ",").tolist() == [with_comma]
    assert with_decimal_point(cells, ".").tolist() == [with_point]
    assert with_decimal_point(cells, "mixed").tolist() == [with_point]  # one that could be either is not guessed


def test_csv_title_lines_above_the_header_are_skipped():
    table = read_table(
        b"Trafford Council land and buildings,,\nMarch 2024,,\n,,\nUPRN,Name,Tenure\n1,Hall,F\n",
        label="register.csv",
    )
    assert list(table.frame.columns) == ["UPRN", "Name", "Tenure", ROW]
    assert list(table.frame[ROW]) == [5]
    assert table.warnings == ("the column names are in row 4; the text above them (rows 1-2) is skipped",)


def test_csv_values_beyond_the_header_are_kept_in_a_named_column():
    table = read_table(b"UPRN,Name,\n1,Hall,\n2,Depot,,extra\n", label="register.csv")
    assert list(table.frame.columns) == ["UPRN", "Name", "Column D", ROW]
    assert _values(table, "Column D") == [None, "extra"]
    assert table.warnings == ("column D has no header; read as 'Column D'",)


def test_csv_renamed_as_xlsx_is_read_as_csv_with_a_warning():
    table = read_table(b"UPRN,Name\n1,Hall\n", label="register.xlsx")
    assert table.format == "csv"
    assert table.warnings == ("a CSV text file saved under a .xlsx name: read as CSV",)


def test_upload_as_file_object_takes_its_name_as_label():
    upload = io.BytesIO(b"UPRN\n1\n")
    upload.name = "uploads/fire.csv"
    table = read_table(upload)
    assert table.label == "fire.csv"
    assert _values(table, "UPRN") == ["1"]


# --- Excel --------------------------------------------------------------------------------


def test_xlsx_reads_first_sheet_with_numbers_and_dates_as_text(tmp_path):
    path = tmp_path / "assets.xlsx"
    path.write_bytes(
        _xlsx_bytes(
            {
                "Assets": [
                    ["UPRN", "Text UPRN", "Name", "GIA", "Lease expiry", "Listed"],
                    [
                        100012797623,
                        "010012345678",
                        "Sale Town Hall",
                        1250.5,
                        dt.date(2031, 3, 31),
                        True,
                    ],
                    [100012797624.0, None, "Depot", 800, dt.datetime(2029, 9, 1, 12, 30), False],
                ],
                "Lookups": [["Tenure"], ["Freehold"]],
            }
        )
    )
    table = read_table(path)
    assert table.format == "xlsx"
    assert _values(table, "UPRN") == ["100012797623", "100012797624"]
    assert _values(table, "Text UPRN") == ["010012345678", None]
    assert _values(table, "GIA") == ["1250.5", "800"]
    assert _values(table, "Lease expiry") == ["2031-03-31", "2029-09-01 12:30:00"]
    assert _values(table, "Listed") == ["TRUE", "FALSE"]
    assert list(table.frame[ROW]) == [2, 3]
    assert table.warnings == ("the file has 2 sheets ('Assets', 'Lookups'); read the first, 'Assets'",)


def test_xlsx_sheet_is_chosen_by_name_or_position():
    data = _xlsx_bytes({"Assets": [["UPRN"], [1]], "Leases": [["Lease ref"], ["L-9"]]})
    assert _values(read_table(data, label="a.xlsx", sheet="Leases"), "Lease ref") == ["L-9"]
    assert _values(read_table(data, label="a.xlsx", sheet=1), "Lease ref") == ["L-9"]
    with pytest.raises(InputFileError, match=r"'a.xlsx' has no sheet 'Sites': its sheets are 'Assets', 'Leases'"):
        read_table(data, label="a.xlsx", sheet="Sites")


def test_xlsx_keeps_sheet_row_numbers_below_a_title():
    data = _xlsx_bytes({"Assets": [["Asset register 2024"], [], ["UPRN", "Name"], [1, "Hall"], [], [2, "Depot"]]})
    table = read_table(data, label="a.xlsx")
    assert list(table.frame[ROW]) == [4, 6]
    assert table.warnings == ("the column names are in row 3; the text above them (row 1) is skipped",)


def _grouped_header_bytes() -> bytes:
    """A sheet whose headings sit under merged group headings ("Identity" over A:B, "Location" over C:E)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Identity", None, "Location", None, None])
    sheet.append(["UPRN", "PropertyName", "PostCode", "GeoX", "GeoY"])
    sheet.append([100012797623, "Town Hall", "WA14 1PF", 376680, 387960])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:E1")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_HEADER = ["UPRN", "PropertyName", "PostCode", "GeoX", "GeoY"]
_RECORD = [100012797623, "Town Hall", "WA14 1PF", 376680, 387960]


@pytest.mark.parametrize(
    ("data", "notes"),
    [
        (
            _xlsx_bytes(
                {
                    "Cover": [["Trafford Council"], ["Assets register"], ["Contact", "estates@example.org"]],
                    "Register": [["Land and Building Assets"], _HEADER, _RECORD],
                }
            ),
            (
                "the file has 2 sheets ('Cover', 'Register'); read 'Register', whose header (row 2) has the most "
                "recognised columns",
                "the column names are in row 2; the text above them (row 1) is skipped",
            ),
        ),
        (
            _xlsx_bytes({"Assets": [["Land and Building Assets", "Trafford Council"], [], _HEADER, _RECORD]}),
            ("the column names are in row 3; the text above them (row 1) is skipped",),
        ),
        (_grouped_header_bytes(), ("the column names are in row 2; the text above them (row 1) is skipped",)),
        (
            _xls_bytes({"Notes": [["Read me", "first"], ["Owner", "Estates"]], "Assets": [_HEADER, _RECORD]}),
            (
                "a .xls workbook saved under a .xlsx name: read as .xls",
                "the file has 2 sheets ('Notes', 'Assets'); read 'Assets', whose header (row 1) has the most "
                "recognised columns",
            ),
        ),
    ],
    ids=["cover-sheet", "two-value-title", "grouped-header", "xls-notes-sheet"],
)
def test_the_header_is_the_row_naming_the_most_register_columns_on_any_sheet(data, notes):
    table = read_table(data, label="register.xlsx")
    assert [c for c in table.frame.columns if c != ROW] == _HEADER
    assert _values(table, "PropertyName") == ["Town Hall"]
    assert table.warnings == notes


def test_a_csv_title_of_two_values_is_skipped():
    table = read_table(b"Assets register,March 2024\nUPRN,Name,Postcode\n1,Hall,M33 7DZ\n", label="a.csv")
    assert list(table.frame.columns) == ["UPRN", "Name", "Postcode", ROW]
    assert list(table.frame[ROW]) == [3]


def test_expected_headings_find_a_teams_files_header():
    data = _xlsx_bytes({"Teams": [["Teams at 1 April", "draft"], ["Holding", "Partner", "FTE"], ["Hall", "NHS", 4]]})
    table = read_table(data, label="teams.xlsx", headings=["Holding", "Partner", "FTE"])
    assert _values(table, "Partner") == ["NHS"]


def test_old_xls_saved_under_an_xlsx_name_is_read_as_xls():
    data = _xls_bytes(
        {
            "Assets": [
                ["UPRN", "Name", "GIA", "Opened", "Listed"],
                [100012797623, "Sale Town Hall £", 1250.5, dt.date(2019, 4, 1), True],
                [None, "Depot", 800, None, False],
            ]
        }
    )
    assert data[:4] == b"\xd0\xcf\x11\xe0"
    table = read_table(data, label="assets.xlsx")
    assert table.format == "xls"
    assert table.warnings == ("a .xls workbook saved under a .xlsx name: read as .xls",)
    assert _values(table, "UPRN") == ["100012797623", None]
    assert _values(table, "Name") == ["Sale Town Hall £", "Depot"]
    assert _values(table, "GIA") == ["1250.5", "800"]
    assert _values(table, "Opened") == ["2019-04-01", None]
    assert _values(table, "Listed") == ["TRUE", "FALSE"]
    assert list(table.frame[ROW]) == [2, 3]


def test_xls_sheet_is_chosen_by_name():
    data = _xls_bytes({"Notes": [["Read me"]], "Assets": [["UPRN", "Name"], ["010012345678", "Hall"]]})
    table = read_table(data, label="assets.xls", sheet="Assets")
    assert _values(table, "UPRN") == ["010012345678"]
    assert table.warnings == ()


# --- GIS formats --------------------------------------------------------------------------


def test_geojson_points_and_polygons_keep_geometry_and_crs(tmp_path):
    path = tmp_path / "sites.geojson"
    gdf = _sites().to_crs("EPSG:4326")
    gdf.loc[1, "geometry"] = shapely.box(-2.35, 53.38, -2.34, 53.39)
    gdf.to_file(path, driver="GeoJSON")
    table = read_table(path)
    assert table.format == "geojson"
    assert table.crs == "EPSG:4326"
    assert _values(table, "UPRN") == ["010012345678", "100012797623"]
    assert _values(table, "Floors") == ["3", "2"]
    assert _values(table, "GIA") == ["1250.5", "800"]
    assert _values(table, "Opened") == ["2019-04-01", "1974-10-12"]
    assert list(table.frame[ROW]) == [2, 3]
    assert list(table.geometry.geom_type) == ["Point", "Polygon"]
    assert table.geometry.index.equals(table.frame.index)


def test_geopackage_layer_and_declared_crs(tmp_path):
    path = tmp_path / "estate.gpkg"
    _sites().to_file(path, layer="holdings")
    _sites().iloc[:1].to_file(path, layer="boundary")
    table = read_table(path)
    assert table.format == "gpkg"
    assert table.crs == "EPSG:27700"
    assert _values(table, "Name") == ["Sale Waterside", "Altrincham Library"]
    assert _values(table, "Opened") == ["2019-04-01", "1974-10-12"]
    assert table.geometry.iloc[0].equals(shapely.Point(378_000, 392_000))
    assert table.warnings == ("the file has 2 layers ('holdings', 'boundary'); read the first, 'holdings'",)
    assert len(read_table(path, sheet="boundary").frame) == 1


def test_zipped_shapefile_in_a_folder_is_read(tmp_path):
    path = tmp_path / "sites.zip"
    _zip(
        path,
        {f"export/sites{suffix}": content for suffix, content in _shapefile_parts(tmp_path, _sites()).items()},
    )
    table = read_table(path.read_bytes(), label="sites.zip")
    assert table.format == "shapefile"
    assert table.crs == "EPSG:27700"
    assert _values(table, "UPRN") == ["010012345678", "100012797623"]
    assert _values(table, "Floors") == ["3", "2"]
    assert _values(table, "Opened") == ["2019-04-01", "1974-10-12"]
    assert len(table.geometry) == 2
    assert table.warnings == ()


def test_zipped_shapefile_without_prj_warns_that_crs_is_undeclared(tmp_path):
    parts = _shapefile_parts(tmp_path, _sites())
    del parts[".prj"]
    path = tmp_path / "sites.zip"
    _zip(path, {f"sites{suffix}": content for suffix, content in parts.items()})
    table = read_table(path)
    assert table.crs is None
    assert table.warnings == ("the layer declares no coordinate system (a shapefile declares it in its .prj file)",)


def test_shapefile_path_is_read_with_its_sidecar_files(tmp_path):
    _sites().to_file(tmp_path / "sites.shp")
    table = read_table(tmp_path / "sites.shp")
    assert table.format == "shapefile"
    assert table.crs == "EPSG:27700"
    assert len(table.frame) == 2


# --- a real register ------------------------------------------------------------------------

TRAFFORD = Path(__file__).resolve().parents[2] / "shared" / "data" / "trafford"


@pytest.mark.skipif(not TRAFFORD.is_dir(), reason="the shared Trafford data is not beside the repository")
def test_real_council_register_reads_every_row():
    table = read_table(TRAFFORD / "trafford_land_and_building_assets.csv")
    assert table.format == "csv" and table.warnings == ()
    assert len(table.frame) == 608
    assert list(table.frame[ROW].iloc[[0, -1]]) == [2, 609]
    assert {"UPRN", "PropertyName", "PostCode", "GeoX", "GeoY", "TenureType"} <= set(table.frame.columns)
    assert table.frame["UPRN"].iloc[0] == "100012797623"


# --- bad input ----------------------------------------------------------------------------


def _refused(source, match: str, **kwargs) -> InputFileError:
    with pytest.raises(InputFileError, match=match) as caught:
        read_table(source, **kwargs)
    return caught.value


def test_png_is_refused_as_an_image():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    _refused(png, r"'map.csv' is a PNG image, not a table: upload the register as CSV", label="map.csv")


def test_random_bytes_are_refused_as_binary():
    noise = bytes((i * 7919 + 13) % 256 for i in range(4096))
    _refused(
        noise,
        r"'register.csv' is not a table the planner can read \(its content is binary",
        label="register.csv",
    )


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(b"")
    error = _refused(path, r"'register.csv' is empty \(0 bytes\)")
    assert str(error) == (
        "'register.csv' is empty (0 bytes): export the register again and upload the file with its rows."
    )


def test_file_larger_than_the_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"UPRN\n" + b"1\n" * 600)
    _refused(
        path,
        r"'big.csv' is 1.2 KB, more than the 1.0 KB the planner reads from one file: split it",
        max_bytes=1024,
    )
    _refused(path.read_bytes(), r"'big.csv' is 1.2 KB, more than", label="big.csv", max_bytes=1024)
    _refused(
        io.BytesIO(path.read_bytes()),
        r"'big.csv' is larger than the 1023 bytes the planner",
        label="big.csv",
        max_bytes=1023,
    )
    assert MAX_FILE_BYTES == 100 * 1024 * 1024


def test_missing_file_is_refused(tmp_path):
    _refused(tmp_path / "gone.csv", r"'gone.csv' was not found at .*: check the folder")


def test_zip_without_a_shapefile_is_refused(tmp_path):
    path = tmp_path / "register.zip"
    _zip(path, {"register.csv": b"UPRN\n1\n", "readme.txt": b"hello"})
    _refused(path, r"'register.zip' is a zip archive with no shapefile \(\.shp\) in it: zip the")


def test_zipped_shapefile_without_its_dbf_is_refused(tmp_path):
    parts = _shapefile_parts(tmp_path, _sites())
    del parts[".dbf"]
    path = tmp_path / "sites.zip"
    _zip(path, {f"sites{suffix}": content for suffix, content in parts.items()})
    _refused(path, r"'sites.zip' holds 'sites.shp' without its .dbf file: a shapefile needs")


def test_bare_shp_upload_is_refused_with_how_to_zip_it(tmp_path):
    shp = _shapefile_parts(tmp_path, _sites())[".shp"]
    _refused(shp, r"'sites.shp' is only the .shp part of a shapefile: zip", label="sites.shp")


def test_xlsx_with_an_empty_sheet_has_no_header():
    data = _xlsx_bytes({"Sheet1": []})
    _refused(data, r"'assets.xlsx' has no header row: its sheet 'Sheet1' is empty", label="assets.xlsx")


def test_xlsx_with_no_worksheet_is_refused():
    book = openpyxl.Workbook()
    book.create_chartsheet("Chart")
    book.remove(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    error = _refused(
        buffer.getvalue(),
        r"'assets.xlsx' could not be read as an Excel workbook",
        label="assets.xlsx",
    )
    assert error.__cause__ is not None


def test_damaged_xls_is_refused():
    data = _xls_bytes({"Assets": [["UPRN"], [1]]})[:1500]
    _refused(
        data,
        r"'assets.xls' could not be read as an Excel workbook .*save it as .xlsx",
        label="assets.xls",
    )


def test_geojson_without_features_says_so():
    _refused(
        b'{"type": "FeatureCollection", "features": []}',
        r"'sites.geojson' has no features \(the layer is empty\): export the layer again",
        label="sites.geojson",
    )


def test_what_gdal_says_of_a_geojson_is_a_note_not_a_python_warning():
    features = [
        {"type": "Feature", "properties": {"Name": name}, "geometry": {"type": "Point", "coordinates": point}}
        for name, point in [("Hall", []), ("Depot", [-2.3, 53.4])]
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_table(data, label="sites.geojson")
    assert _values(table, "Name") == ["Hall", "Depot"]
    assert table.geometry.iloc[0] is None or table.geometry.iloc[0].is_empty
    assert table.warnings == (
        "reading the layer, GDAL reported: Invalid coord dimension for '[ ]'. At least 2 dimensions must be "
        "present; features whose geometry it could not read have none",
    )


def test_malformed_geojson_is_refused():
    data = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"UPRN": '
    error = _refused(
        data,
        r"'sites.geojson' could not be read as a GeoJSON file \(.*\): export the layer",
        label="sites.geojson",
    )
    assert "/tmp" not in str(error)


def test_web_page_saved_as_xls_is_refused():
    _refused(
        b"<html><body><table><tr><td>UPRN</td></tr></table></body></html>",
        r"'export.xls' is a web page",
        label="export.xls",
    )


def test_opendocument_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "assets.ods"
    _zip(path, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    _refused(path, r"'assets.ods' is an OpenDocument file \(.ods\), which the planner does not read")


def test_csv_of_blank_lines_has_no_header():
    _refused(
        b"\n\n,,\n",
        r"'register.csv' has no header row: it holds only blank lines\. Put the column names",
        label="register.csv",
    )

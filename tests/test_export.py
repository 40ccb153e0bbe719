"""Exports estates officers open in Excel and QGIS: formulas neutralised, formatting kept."""

from __future__ import annotations

import datetime as dt
import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from estate.export import neutralise, outline_layer, safe_table, to_csv_bytes, to_excel_bytes, to_geopackage

HOSTILE = pd.DataFrame(
    {
        "Holding": ['=HYPERLINK("http://x","click")', "+1+1", "-2", "@SUM(A1)", "Town Hall", "\tTab"],
        "Receipt (£)": [1.0, 2.0, -3.0, 4.0, 1_250_000.0, 0.0],
    }
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 161", "'+44 161"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("Town Hall", "Town Hall"),
        (-3.0, -3.0),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_never_starts_a_cell_with_a_formula():
    text = to_csv_bytes(HOSTILE).decode("utf-8-sig")
    rows = text.splitlines()[1:]
    cells = [r.split(",")[0].strip('"') for r in rows]
    assert all(not c.startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert ",-3\n" in text  # numbers stay numbers, negative or not
    assert text.startswith("Holding,Receipt (£)")


def test_excel_has_one_sheet_per_table_frozen_header_and_safe_text():
    moves = pd.DataFrame({"Team": ["Housing"], "Distance (km)": [1.234]})
    workbook = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"Disposals": HOSTILE, "Moves": moves})))
    assert workbook.sheetnames == ["Disposals", "Moves"]
    sheet = workbook["Disposals"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "Holding" and sheet["A1"].font.bold
    assert sheet["A2"].value.startswith("'=") and sheet["A2"].data_type == "s"
    assert sheet["B4"].value == -3.0 and sheet["B6"].number_format == "#,##0"
    assert workbook["Moves"]["B2"].number_format == "#,##0.00"


def test_excel_shows_decimals_that_matter():
    access = pd.DataFrame(
        {"threshold": [4.83, 1.61], "discount_factor": [1.0, 0.966], "land_area_ha": [0.5, 12.0], "fte": [10.0, 20.0]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"Access": access})))["Access"]
    # 4.83 km must not read 5, a discount factor 1, half a hectare 1; whole numbers stay whole
    assert [sheet[f"{c}2"].number_format for c in "ABCD"] == ["#,##0.00", "#,##0.00", "#,##0.00", "#,##0"]


def test_safe_table_keeps_the_original():
    safe_table(HOSTILE)
    assert HOSTILE.iloc[0, 0].startswith("=")


def test_geopackage_layers_read_back(tmp_path):
    points = gpd.GeoDataFrame(
        {
            "name": ["A", "B"],
            "retain": pd.array([True, None], dtype="boolean"),
            "uprn": pd.array(["1", None], dtype="string"),
            "address": ["1 High Street", " "],
            "earliest_exit_date": [dt.date(2027, 3, 31), None],
        },
        geometry=[Point(378000, 392000), Point(378100, 392100)],
        crs=27700,
    )
    path = to_geopackage({"holdings": points, "disposals": points.iloc[:1]}, tmp_path / "plan.gpkg")
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(path)] == ["holdings", "disposals"]
    back = gpd.read_file(path, layer="holdings")
    assert back.crs.to_epsg() == 27700 and list(back["name"]) == ["A", "B"]
    # a blank is NULL, not an empty string, so a filter "address IS NULL" in QGIS finds it
    assert back["address"].iloc[0] == "1 High Street" and back["address"].isna().iloc[1]
    # a date is a date field, so QGIS can filter disposals by their exit date
    info = pyogrio.read_info(path, layer="holdings")
    fields = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert fields["earliest_exit_date"].startswith("datetime64")
    assert (
        back["earliest_exit_date"].iloc[0].date() == dt.date(2027, 3, 31) and back["earliest_exit_date"].isna().iloc[1]
    )


def test_excel_takes_missing_values_of_every_kind():
    table = pd.DataFrame(
        {
            "Name": pd.array(["A", None], dtype="string"),
            "Value (£)": [1.0, None],
            "Kept": pd.array([True, None], dtype="boolean"),
            "Break date": pd.to_datetime(["2027-03-31", None]),
        }
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"T": table})))["T"]
    assert [c.value for c in sheet[3]] == [None, None, None, None]
    assert sheet["D2"].number_format == "yyyy-mm-dd"


def test_outline_layer_draws_only_the_holdings_with_an_outline():
    holdings = gpd.GeoDataFrame(
        {
            "holding_id": ["a", "b", "c"],
            "outline_wkt": pd.array(["POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", None, " "], dtype="string"),
        },
        geometry=[Point(5, 5), Point(50, 50), Point(60, 60)],
        crs=27700,
    )
    layer = outline_layer(holdings)
    assert list(layer["holding_id"]) == ["a"] and "outline_wkt" not in layer
    assert layer.crs.to_epsg() == 27700 and layer.geometry.iloc[0].area == 100


def test_text_too_long_for_an_excel_cell_points_to_the_full_value():
    outline = "POLYGON ((" + ", ".join(f"{i} {i}" for i in range(6000)) + "))"
    workbook = to_excel_bytes({"Holdings": pd.DataFrame({"outline_wkt": [outline, "x"]})})
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    cells = [row[0].value for row in book["Holdings"].iter_rows(min_row=2)]
    assert cells[0] == f"({len(outline):,} characters, more than an Excel cell holds: see the CSV or GeoPackage)"
    assert cells[1] == "x"


def test_csv_numbers_carry_no_binary_noise():
    table = pd.DataFrame({"Receipt (£)": [0.1 + 0.2, 36978216.76 + 1e-8], "Share": [0.9143040194227138, 1.0]})
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["0.3,0.914304019423", "36978216.76,1"]

"""Locations: CRS checks, swapped pairs, postcodes and the boundary, on hand-made values."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from estate.errors import EstateError, InputFileError
from estate.locate import (
    PostcodeLookup,
    check_against_postcode,
    declared_system,
    load_boundary,
    locate_coordinates,
    locate_postcode,
    normalise_postcode,
    outside_boundary,
    postcode_problem,
)

# Altrincham Town Hall as published: lon -2.3520922, lat 53.3879587.
LON, LAT = -2.3520922, 53.3879587
EAST, NORTH = 376_680.06, 387_959.81


def test_wgs84_declared_and_true_is_supplied():
    loc = locate_coordinates(LON, LAT, "wgs84", label="WGS84")
    assert loc.how == "supplied" and not loc.notes
    assert (loc.x, loc.y) == pytest.approx((EAST, NORTH), abs=1)


def test_swapped_latitude_longitude_is_corrected_with_a_warning():
    loc = locate_coordinates(LAT, LON, "wgs84", label="WGS84")
    assert (loc.x, loc.y) == pytest.approx((EAST, NORTH), abs=1)
    assert loc.how == "derived"
    assert "swapped" in loc.notes[0]


def test_grid_metres_under_a_wgs84_label_are_read_as_bng():
    loc = locate_coordinates(EAST, NORTH, "wgs84", label="WGS84")
    assert (loc.x, loc.y) == (EAST, NORTH)
    assert "British National Grid" in loc.notes[0] and "'WGS84'" in loc.notes[0]


def test_no_declared_system_is_never_guessed_silently():
    assert locate_coordinates(LON, LAT, None).notes
    assert locate_coordinates(EAST, NORTH, None).notes
    assert not locate_coordinates(EAST, NORTH, "bng").notes


def test_swapped_easting_northing_is_corrected_where_the_values_prove_it():
    # Inverness: a northing of 845 km cannot be an easting, so the swap is certain.
    loc = locate_coordinates(845_000, 266_000, "bng", label="OSGB36")
    assert (loc.x, loc.y) == (266_000, 845_000)
    assert "swapped" in loc.notes[0]
    # In Trafford both orders are plausible grid references: nothing is changed.
    assert (locate_coordinates(EAST, NORTH, "bng").x, locate_coordinates(EAST, NORTH, "bng").notes) == (EAST, ())


def test_coordinates_outside_great_britain_are_a_problem():
    loc = locate_coordinates(10.5, 20.3, "wgs84", label="WGS84")
    assert loc.problem and "not in Great Britain" in loc.problem


@pytest.mark.parametrize(
    ("label", "system"),
    [
        ("WGS84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("OSGB36", "bng"),
        ("British National Grid", "bng"),
        ("27700", "bng"),
        ("", None),
        ("local", None),
    ],
)
def test_declared_system(label, system):
    assert declared_system(label) == system


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("m33 7dz", "M33 7DZ"),
        ("M337DZ", "M33 7DZ"),
        ("M33  7DZ", "M33 7DZ"),
        ("WA15 OAB", "WA15 0AB"),
        ("OL1 1AA", "OL1 1AA"),
        ("M41", "M41"),
        ("", None),
    ],
)
def test_normalise_postcode(raw, clean):
    assert normalise_postcode(raw) == clean


def test_postcode_problems_say_why():
    assert postcode_problem("M41") == "no coordinates and postcode 'M41' is only an outward code"
    assert "not a complete postcode" in postcode_problem("WA14 1")
    assert postcode_problem(None) == "no coordinates and no postcode"


@pytest.fixture
def lookup():
    table = pd.DataFrame(
        {"pcd": ["M33 7DZ", "WA15  0AB"], "oseast1m": ["378000", "379000"], "osnrth1m": ["392000", "386000"]}
    )
    return PostcodeLookup(table, label="tiny.csv")


def test_lookup_normalises_spaces_and_case(lookup):
    assert lookup.find(normalise_postcode("m337dz")) == (378000.0, 392000.0)
    assert lookup.find(normalise_postcode("WA15 OAB")) == (379000.0, 386000.0)


def test_locate_by_postcode(lookup):
    loc = locate_postcode("M33 7DZ", lookup)
    assert (loc.x, loc.y) == (378000.0, 392000.0) and loc.how == "derived"
    missing = locate_postcode("M1 1AA", lookup)
    assert missing.problem == "no coordinates and postcode 'M1 1AA' is not in the postcode lookup"


def test_a_point_far_from_its_postcode_is_warned_and_a_swapped_one_put_back(lookup):
    # M33 7DZ is at E 378000, N 392000; both orders of a Manchester grid reference are in range
    swapped = check_against_postcode(locate_coordinates(392000, 378400, "bng"), "M33 7DZ", lookup)
    assert (swapped.x, swapped.y, swapped.how) == (378400, 392000, "derived")
    assert swapped.notes == (
        "easting and northing swapped: E 392000, N 378400 is 19.5 km from postcode M33 7DZ "
        "(E 378000, N 392000 in tiny.csv), swapped 0.4 km: read as E 378400, N 392000",
    )
    far = check_against_postcode(locate_coordinates(378000, 389000, "bng"), "M33 7DZ", lookup)
    assert (far.x, far.y, far.how) == (378000, 389000, "supplied")
    assert far.notes == (
        "the coordinates (E 378000, N 389000) are 3.0 km from postcode M33 7DZ (E 378000, N 392000 in tiny.csv): "
        "kept as given",
    )
    near = locate_coordinates(378500, 392500, "bng")
    assert check_against_postcode(near, "M33 7DZ", lookup) == near
    assert check_against_postcode(near, "M1 1AA", lookup) == near  # not in the lookup: nothing to compare
    assert check_against_postcode(swapped, "M33 7DZ", None) == swapped
    # the point of an outline is never moved away from its outline
    kept = check_against_postcode(locate_coordinates(392000, 378400, "bng"), "M33 7DZ", lookup, swap=False)
    assert (kept.x, kept.y) == (392000, 378400) and "swapped they would be 0.4 km from it" in kept.notes[0]


def test_lookup_without_coordinates_columns_is_refused():
    from estate.errors import InputFileError

    with pytest.raises(InputFileError, match="needs a postcode column"):
        PostcodeLookup(pd.DataFrame({"code": ["M1 1AA"]}), label="bad.csv")


def test_outside_boundary_distance_km():
    square = box(0, 0, 1000, 1000)
    points = gpd.GeoSeries([Point(500, 500), Point(3000, 500), None], crs=27700)
    km = outside_boundary(points, square)
    assert km[0] == 0 and km[1] == pytest.approx(2.0) and pd.isna(km[2])


# ---------------------------------------------------------------- lookup and boundary files


def write_lookup(path: Path, header: list[str], rows: list[list[str]], sep: str = ",") -> Path:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lookup_file_reads_only_the_postcode_and_coordinate_columns(tmp_path, monkeypatch):
    # 40 other columns, as in the ONS Postcode Directory (pcd and pcd2 among them: pcds wins).
    extra = ["pcd", "pcd2", *(f"field{i:02d}" for i in range(38))]
    header = [*extra[:20], "PCDS", *extra[20:], "OSEAST1M", "OSNRTH1M"]
    rows = [
        [*(f"v{i}" for i in range(20)), "M33 7DZ", *(f"v{i}" for i in range(20)), "378000", "392000"],
        [*(f"v{i}" for i in range(20)), "WA15 0AB", *(f"v{i}" for i in range(20)), "379000", "386000"],
    ]
    path = write_lookup(tmp_path / "onspd.csv", header, rows)
    read = []
    real_read_csv = pd.read_csv

    def spy(*args, **kwargs):
        frame = real_read_csv(*args, **kwargs)
        read.append(list(frame.columns))
        return frame

    monkeypatch.setattr(pd, "read_csv", spy)
    lookup = PostcodeLookup.from_csv(path)
    assert read == [["PCDS", "OSEAST1M", "OSNRTH1M"]]
    assert len(lookup) == 2 and lookup.skipped == 0 and lookup.skipped_note == ""
    assert lookup.find(normalise_postcode("m33 7dz")) == (378000.0, 392000.0)
    # the letter O typed for a zero still finds the postcode
    assert lookup.find(normalise_postcode("WA15 OAB")) == (379000.0, 386000.0)
    assert locate_postcode(normalise_postcode("wa15oab"), lookup).x == 379000.0


def test_lookup_file_headings_in_any_case_and_semicolons(tmp_path):
    path = write_lookup(
        tmp_path / "own.csv", ["Postcode", "Easting", "Northing"], [["M1 1AA", "384000", "398000"]], ";"
    )
    assert PostcodeLookup.from_csv(path).find("M1 1AA") == (384000.0, 398000.0)


def test_lookup_rows_without_usable_coordinates_are_counted(tmp_path):
    path = write_lookup(
        tmp_path / "gaps.csv",
        ["pcds", "oseast1m", "osnrth1m"],
        [["M1 1AA", "384000", "398000"], ["M2 2AA", "n/a", "398000"], ["M3 3AA", "", ""], ["", "1", "2"]],
    )
    lookup = PostcodeLookup.from_csv(path)
    assert len(lookup) == 1
    assert lookup.skipped == 2  # the row without a postcode is not counted
    assert lookup.skipped_note == (
        "gaps.csv: 2 postcodes have no usable oseast1m/osnrth1m (blank or not a number) and were left out, "
        "e.g. M2 2AA, M3 3AA."
    )
    assert lookup.find("M2 2AA") is None


def test_lookup_with_no_usable_row_is_refused(tmp_path):
    path = write_lookup(tmp_path / "text.csv", ["pcd", "x", "y"], [["M1 1AA", "east", "north"]])
    with pytest.raises(InputFileError) as caught:
        PostcodeLookup.from_csv(path)
    assert str(caught.value).startswith("postcode lookup 'text.csv': no row has both a postcode and an easting")
    assert "(1 have a postcode but no usable x/y)" in str(caught.value)
    header_only = write_lookup(tmp_path / "header.csv", ["pcd", "oseast1m", "osnrth1m"], [])
    with pytest.raises(InputFileError, match="'header.csv': no row has both"):
        PostcodeLookup.from_csv(header_only)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty: export the lookup again"),
        (b"\n \n", "is empty"),
        (b"\x00\x01\x02\x03binary\x00", "is not a CSV text file (its content is binary)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a CSV text file (its content is binary)"),
        (b"PK\x03\x04\x14\x00\x06\x00", "is a zip archive or an Excel workbook, not a CSV text file"),
        (b"<html><body>Not found</body></html>", "is a web page, XML or JSON document, not a CSV"),
        ("pcd,x,y\nM1 1AA,1,2\n".encode("utf-16"), "is saved as UTF-16 text: save it as CSV (UTF-8)"),
        (b"code,lat,long\nM1 1AA,53.4,-2.2\n", "needs a postcode column (pcd, pcds or postcode) and oseast1m"),
        (b'pcd,oseast1m,osnrth1m\nM1 1AA,1,2\n"M2 2AA,3,4\n', "cannot be read as CSV near line 3"),
    ],
)
def test_unusable_lookup_file_names_the_file_and_the_problem(tmp_path, content, problem):
    path = tmp_path / "lookup.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        PostcodeLookup.from_csv(path)
    assert str(caught.value).startswith("postcode lookup 'lookup.csv'")
    assert problem in str(caught.value)


def test_lookup_missing_columns_message_lists_some_of_the_columns(tmp_path):
    path = write_lookup(tmp_path / "wide.csv", [f"c{i}" for i in range(50)], [["1"] * 50])
    with pytest.raises(InputFileError, match=r"it has c0, c1, .*, c9 and 40 more\. Rename the columns"):
        PostcodeLookup.from_csv(path)


def test_missing_lookup_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="postcode lookup 'nowhere.csv' was not found at"):
        PostcodeLookup.from_csv(tmp_path / "nowhere.csv")


def geojson(path: Path, geometries: list[dict | None], crs: str | None = None) -> Path:
    collection: dict = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"n": i}, "geometry": g} for i, g in enumerate(geometries)],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


SQUARE = {"type": "Polygon", "coordinates": [[[376000, 387000], [377000, 387000], [377000, 388000], [376000, 387000]]]}
BNG = "urn:ogc:def:crs:EPSG::27700"


def test_boundary_in_wgs84_is_one_polygon_in_british_national_grid(tmp_path):
    lonlat = {"type": "Polygon", "coordinates": [[[-2.40, 53.38], [-2.30, 53.38], [-2.30, 53.42], [-2.40, 53.38]]]}
    boundary = load_boundary(geojson(tmp_path / "b.geojson", [lonlat]))
    assert boundary.geom_type == "Polygon"
    assert 370_000 < boundary.bounds[0] < boundary.bounds[2] < 385_000


def test_invalid_boundary_polygon_is_repaired_not_refused(tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[376000, 387000], [377000, 388000], [377000, 387000], [376000, 388000], [376000, 387000]]],
    }
    boundary = load_boundary(geojson(tmp_path / "bowtie.geojson", [bowtie], BNG))
    assert boundary.is_valid and boundary.area == pytest.approx(500_000)


@pytest.mark.parametrize(
    ("geometries", "crs", "error", "problem"),
    [
        ([], BNG, EstateError, "holds no features"),
        ([None], BNG, EstateError, "has features but none has a geometry"),
        (
            [{"type": "Point", "coordinates": [376000, 387000]}] * 2,
            BNG,
            EstateError,
            "holds 2 points; it should hold the place's outline as polygons",
        ),
        (
            [SQUARE, {"type": "LineString", "coordinates": [[376000, 387000], [377000, 388000]]}],
            BNG,
            EstateError,
            "holds 1 line as well as polygons",
        ),
        ([SQUARE], None, EstateError, "declares WGS 84 (degrees), but its coordinates (e.g. 376000, 387000)"),
    ],
)
def test_unusable_boundary_names_the_file_and_the_problem(tmp_path, geometries, crs, error, problem):
    path = geojson(tmp_path / "area.geojson", geometries, crs)
    with pytest.raises(error) as caught:
        load_boundary(path)
    assert str(caught.value).startswith("boundary 'area.geojson'")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("area.geojson", b"", "is empty (0 bytes): export the place's outline again"),
        ("area.geojson", b"this is not a map", "cannot be read as a map layer"),
        ("area.gpkg", b"\x00\x01garbage" * 20, "cannot be read as a map layer"),
        ("area.csv", b"name,value\nTrafford,1\n", "is a table without geometry, not a map layer"),
    ],
)
def test_unreadable_boundary_names_the_file_without_library_text(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(EstateError) as caught:
        load_boundary(path)
    message = str(caught.value)
    assert message.startswith(f"boundary {name!r}") and problem in message
    assert "GeoJSON, a GeoPackage or a Shapefile" in message
    assert "recognized" not in message and "driver" not in message  # no raw GDAL text


def test_boundary_without_a_coordinate_system_is_refused(tmp_path):
    shp = tmp_path / "area.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(0, 0, 10, 10)], crs=27700).to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(EstateError, match=r"boundary 'area.shp' declares no coordinate system \(a Shapefile"):
        load_boundary(shp)


def test_missing_boundary_file_is_named(tmp_path):
    with pytest.raises(InputFileError, match="boundary 'gone.geojson' was not found"):
        load_boundary(tmp_path / "gone.geojson")


def test_repaired_polygon_that_folds_to_a_line_keeps_only_area(tmp_path):
    # a valid square beside a ring that folds onto itself (no area): the square is kept
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [20, 0], [0, 0]]]}
    boundary = load_boundary(geojson(tmp_path / "flat.geojson", [SQUARE, flat], BNG))
    assert boundary.equals(Polygon(SQUARE["coordinates"][0]))


def test_boundary_whose_only_polygon_has_no_area_is_refused(tmp_path):
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [20, 0], [0, 0]]]}
    with pytest.raises(EstateError, match="boundary 'flat.geojson': its polygons have no area"):
        load_boundary(geojson(tmp_path / "flat.geojson", [flat], BNG))

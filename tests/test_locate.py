"""Locations: CRS checks, swapped pairs, postcodes and the boundary, on hand-made values."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from estate.locate import (
    PostcodeLookup,
    declared_system,
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


def test_lookup_without_coordinates_columns_is_refused():
    from estate.errors import InputFileError

    with pytest.raises(InputFileError, match="needs a postcode column"):
        PostcodeLookup(pd.DataFrame({"code": ["M1 1AA"]}), label="bad.csv")


def test_outside_boundary_distance_km():
    square = box(0, 0, 1000, 1000)
    points = gpd.GeoSeries([Point(500, 500), Point(3000, 500), None], crs=27700)
    km = outside_boundary(points, square)
    assert km[0] == 0 and km[1] == pytest.approx(2.0) and pd.isna(km[2])

"""Loading demand: zones, population, age bands, IMD deciles and a point per zone."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, shape

from estate.demand import DEMAND_COLUMNS, DemandError, describe_demand, load_demand, load_zones
from estate.errors import EstateError, InputFileError

DATA = Path(__file__).parent / "data" / "access"


def write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_minimal_file_gives_points_in_british_national_grid(tmp_path):
    path = write(
        tmp_path / "zones.csv",
        """
zone_id,zone_name,population,aged_0_15,aged_16_64,aged_65_plus,imd_decile,x,y
A,Alpha,100,20,60,20,1,400000,300000
B,Beta,250.5,50,150,50.5,10,401000,300500
""",
    )
    demand = load_demand(path)
    assert list(demand.columns) == list(DEMAND_COLUMNS)
    assert demand.crs.to_epsg() == 27700
    assert demand["zone_id"].tolist() == ["A", "B"]
    assert demand["population"].tolist() == [100.0, 250.5]
    assert demand["aged_65_plus"].tolist() == [20.0, 50.5]
    assert demand["imd_decile"].dtype == "Int64"
    assert demand["imd_decile"].tolist() == [1, 10]
    assert demand.geometry.iloc[1].equals(Point(401000, 300500))
    assert (demand["location_source"] == "supplied").all()
    assert "not say they are population-weighted" in demand.attrs["location"]
    assert describe_demand(demand).startswith("2 zones, 350 residents")


def test_sample_place_layout(tmp_path):
    """The fixture built from the ONS files has the sample place's demand_oa.csv layout."""
    demand = load_demand(DATA / "trafford_demand_oa.csv")
    assert len(demand) == 738
    assert demand["zone_id"].is_unique
    assert demand["population"].sum() == pytest.approx(241_025)
    assert (demand[["aged_0_15", "aged_16_64", "aged_65_plus"]].sum(axis=1) == demand["population"]).all()
    # Two 2021 LSOAs have no 2019 IMD decile: kept, with a note naming them.
    assert demand["imd_decile"].isna().sum() == 9
    assert any("E01034000" in note and "9 zones" in note for note in demand.attrs["notes"])
    xmin, ymin, xmax, ymax = demand.total_bounds
    assert 370_000 < xmin < xmax < 386_000 and 383_000 < ymin < ymax < 400_000


def test_ons_mid_year_layout_with_boundaries_and_imd():
    """ONS rows per sex, codes only, polygons in another file, deciles in a third."""
    demand = load_demand(
        DATA / "ons_mye_lsoa_sample.csv",
        zones_path=DATA / "lsoa_sample.geojson",
        imd_path=DATA / "iod2019_trafford_lsoa11.csv",
    )
    raw = pd.read_csv(DATA / "ons_mye_lsoa_sample.csv", dtype={"area_code": str})
    persons = raw[raw["sex"] == "Persons"].set_index("area_code")
    assert len(demand) == 5
    by_zone = demand.set_index("zone_id")
    assert by_zone["population"].to_dict() == persons["all_ages"].astype(float).to_dict()
    assert by_zone["aged_16_64"].to_dict() == persons["aged_16_to_64"].astype(float).to_dict()
    assert by_zone.loc["E01006074", "zone_name"] == "Trafford 025A"
    assert (by_zone["lsoa_id"] == by_zone.index).all()  # LSOA codes are recognised as such
    # Each point is the polygon's representative point: inside it, in EPSG:27700.
    polygons = gpd.read_file(DATA / "lsoa_sample.geojson").to_crs(27700).set_index("area_code")
    for code, point in by_zone.geometry.items():
        assert polygons.geometry[code].contains(point)
    assert (demand["location_source"] == "derived").all()
    assert "not population-weighted" in demand.attrs["location"]
    imd = pd.read_csv(DATA / "iod2019_trafford_lsoa11.csv").set_index("lsoa11_code")
    expected = imd["index_of_multiple_deprivation_imd_decile"].astype(int)
    assert by_zone["imd_decile"].to_dict() == expected[by_zone.index].to_dict()
    assert any("'Persons' rows" in note for note in demand.attrs["notes"])


def test_other_spellings_and_wgs84(tmp_path):
    path = write(
        tmp_path / "lsoa.csv",
        """
LSOA11CD,LSOA11NM,total,lon,lat
E01006074,Trafford 025A,"1,634",-2.3716,53.3897
""",
    )
    demand = load_demand(path)
    assert demand.loc[0, "zone_id"] == "E01006074"
    assert demand.loc[0, "lsoa_id"] == "E01006074"
    assert demand.loc[0, "population"] == 1634.0
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(-2.3716, 53.3897)
    assert demand.geometry.iloc[0].x == pytest.approx(x)
    assert demand.geometry.iloc[0].y == pytest.approx(y)


def test_output_area_codes_with_eastings_and_persons(tmp_path):
    path = write(
        tmp_path / "oa.csv",
        """
OA21CD,LSOA21CD,Persons,easting,northing
E00030771,E01006079,357,375747.2,388513.7
""",
    )
    demand = load_demand(path)
    assert demand.loc[0, ["zone_id", "lsoa_id"]].tolist() == ["E00030771", "E01006079"]
    assert demand.loc[0, "population"] == 357.0


def test_age_bands_added_up_from_census_bands(tmp_path):
    header = [
        "lsoa21_code",
        "Aged 15 years and under",
        "Aged 16 to 24 years",
        "Aged 25 to 34 years",
        "Aged 35 to 49 years",
        "Aged 50 to 64 years",
        "Aged 65 years and over",
        "total",
        "x",
        "y",
    ]
    values = "E01004766,298,158,201,307,307,384,1655,370000,400000"
    path = write(tmp_path / "census.csv", ",".join(header) + "\n" + values)
    demand = load_demand(path)
    row = demand.iloc[0]
    assert row["aged_0_15"] == 298
    assert row["aged_16_64"] == 158 + 201 + 307 + 307
    assert row["aged_65_plus"] == 384
    assert any("aged_16_64 is the sum of" in note for note in demand.attrs["notes"])


def test_zones_file_with_repeated_features_is_merged_with_a_note(tmp_path):
    square = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]],
    }
    features = [
        {"type": "Feature", "properties": {"code": "Z1"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "Z1"}, "geometry": square},
    ]
    zones = tmp_path / "zones.geojson"
    zones.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
                "features": features,
            }
        )
    )
    path = write(tmp_path / "pop.csv", "zone_id,population\nZ1,10")
    demand = load_demand(path, zones_path=zones)
    assert shape(square).contains(demand.geometry.iloc[0])
    assert any("more than once" in note for note in demand.attrs["notes"])


def test_imd_joined_through_lsoa_code_for_output_areas(tmp_path):
    path = write(
        tmp_path / "oa.csv",
        """
zone_id,lsoa_id,population,x,y
OA1,E01006074,10,375000,388000
OA2,E01006074,20,375100,388000
OA3,E09999999,30,375200,388000
""",
    )
    demand = load_demand(path, imd_path=DATA / "iod2019_trafford_lsoa11.csv")
    imd = pd.read_csv(DATA / "iod2019_trafford_lsoa11.csv").set_index("lsoa11_code")
    decile = int(imd.loc["E01006074", "index_of_multiple_deprivation_imd_decile"])
    assert demand["imd_decile"].tolist()[:2] == [decile, decile]
    assert pd.isna(demand["imd_decile"].iloc[2])
    assert any("E09999999" in note for note in demand.attrs["notes"])


def test_upload_with_label():
    upload = io.BytesIO(b"zone_id,population,x,y\nA,5,400000,300000\n")
    upload.name = "tmp123.csv"
    demand = load_demand(upload, label="Residents 2024")
    assert demand.attrs["source"] == "Residents 2024"


# --- bad input -----------------------------------------------------------------------


def test_no_population_column_names_the_file_and_field(tmp_path):
    path = write(tmp_path / "nopop.csv", "zone_id,households,x,y\nA,5,400000,300000")
    with pytest.raises(DemandError) as err:
        load_demand(path)
    message = str(err.value)
    assert "nopop.csv" in message and "no population column" in message
    assert "households" in message  # lists what it found
    assert isinstance(err.value, EstateError)


def test_every_bad_count_is_reported_at_once(tmp_path):
    path = write(
        tmp_path / "bad.csv",
        """
zone_id,population,x,y
A,-3,400000,300000
B,ten,400000,300000
C,,400000,300000
D,7,400000,300000
""",
    )
    with pytest.raises(DemandError) as err:
        load_demand(path)
    problems = err.value.problems
    assert set(problems["row"]) == {2, 3, 4}
    message = str(err.value)
    assert "bad.csv" in message and "3 problems" in message
    assert "row 2, population: -3 is not a possible count" in message
    assert "row 3, population: 'ten' is not a number" in message
    assert "row 4, population: blank" in message


def test_duplicate_zone_ids_are_named(tmp_path):
    path = write(tmp_path / "dup.csv", "zone_id,population,x,y\nA,1,400000,300000\nA,2,400001,300000")
    with pytest.raises(DemandError, match=r"zone A appears on rows 2, 3"):
        load_demand(path)


def test_zones_with_no_location_are_named(tmp_path):
    path = write(tmp_path / "where.csv", "zone_id,population,x,y\nA,1,400000,300000\nB,2,,")
    with pytest.raises(DemandError, match=r"row 3, location: zone B has no coordinates"):
        load_demand(path)
    nothing = write(tmp_path / "codes.csv", "zone_id,population\nA,1")
    with pytest.raises(DemandError, match="no coordinates"):
        load_demand(nothing)


def test_zone_missing_from_zones_file_is_named(tmp_path):
    path = write(tmp_path / "pop.csv", "area_code,population\nE01006074,1\nE01999999,2")
    with pytest.raises(DemandError) as err:
        load_demand(path, zones_path=DATA / "lsoa_sample.geojson")
    assert "E01999999" in str(err.value) and "lsoa_sample.geojson" in str(err.value)


def test_degrees_in_x_y_are_refused_not_guessed(tmp_path):
    path = write(tmp_path / "deg.csv", "zone_id,population,x,y\nA,1,-2.35,53.4")
    with pytest.raises(DemandError, match="hold degrees.*Rename them lon and lat"):
        load_demand(path)


def test_swapped_latitude_and_longitude_are_named(tmp_path):
    path = write(tmp_path / "swap.csv", "zone_id,population,lon,lat\nA,1,53.4,-2.35")
    with pytest.raises(DemandError, match="row 2.*look swapped"):
        load_demand(path)


def test_rows_per_sex_without_persons_are_refused(tmp_path):
    path = write(
        tmp_path / "sex.csv",
        "zone_id,sex,population,x,y\nA,Males,1,400000,300000\nA,Females,2,400000,300000",
    )
    with pytest.raises(DemandError, match="no 'Persons' rows"):
        load_demand(path)


def test_bad_imd_decile_is_named(tmp_path):
    path = write(tmp_path / "imd.csv", "zone_id,population,imd_decile,x,y\nA,1,11,400000,300000")
    with pytest.raises(DemandError, match="row 2, imd_decile: '11' is not a decile"):
        load_demand(path)


def test_imd_file_matching_no_zone_is_refused(tmp_path):
    path = write(tmp_path / "z.csv", "zone_id,population,x,y\nOA1,1,400000,300000")
    with pytest.raises(DemandError, match="no code in the file matches"):
        load_demand(path, imd_path=DATA / "iod2019_trafford_lsoa11.csv")


# --- zone outlines -------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "trafford"
BNG = "urn:ogc:def:crs:EPSG::27700"


def outlines(path: Path, features: list[tuple[dict, dict | None]], crs: str | None = BNG) -> Path:
    """Write a GeoJSON of (properties, geometry) pairs."""
    collection: dict = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
    }
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def square(x: float, y: float, side: float = 100.0) -> dict:
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_zone_outlines_keep_their_columns_in_british_national_grid(tmp_path):
    path = outlines(
        tmp_path / "zones.geojson",
        [({"zone_id": "A", "name": "Alpha"}, square(-2.35, 53.39, 0.01)), ({"zone_id": "B", "name": "Beta"}, None)],
        crs="urn:ogc:def:crs:OGC:1.3:CRS84",
    )
    zones = load_zones(path)
    assert zones.crs.to_epsg() == 27700
    assert list(zones.columns) == ["zone_id", "name", "geometry"]
    assert zones["zone_id"].tolist() == ["A", "B"]
    assert 370_000 < zones.geometry.iloc[0].bounds[0] < 380_000
    assert zones.geometry.iloc[1] is None  # a feature without geometry is kept as it is
    assert zones.attrs == {"source": "zones.geojson", "notes": []}


def test_sample_place_zone_outlines_read_as_before():
    zones = load_zones(SAMPLE / "zones.geojson")
    raw = gpd.read_file(SAMPLE / "zones.geojson").to_crs("EPSG:27700")
    assert len(zones) == 738 and list(zones.columns) == list(raw.columns)
    assert zones["zone_id"].tolist() == raw["zone_id"].tolist()
    assert zones.geom_equals(raw.geometry).all()


def test_zone_codes_under_an_ons_heading_are_copied_to_zone_id(tmp_path):
    path = outlines(tmp_path / "oa.geojson", [({"OA21CD": "E00030771"}, square(376000, 387000))])
    zones = load_zones(path)
    assert zones["zone_id"].tolist() == ["E00030771"] and "OA21CD" in zones.columns
    assert "oa.geojson: zone codes read from column 'OA21CD'." in zones.attrs["notes"]


def test_invalid_zone_polygon_is_repaired_with_a_note(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [100, 100], [100, 0], [0, 100], [0, 0]]]}
    zones = load_zones(outlines(tmp_path / "z.geojson", [({"zone_id": "A"}, bowtie)]))
    assert zones.geometry.is_valid.all() and zones.geometry.area.iloc[0] == pytest.approx(5_000)
    assert zones.attrs["notes"] == ["z.geojson: 1 invalid zone polygon repaired (shapely make_valid)."]


@pytest.mark.parametrize(
    ("features", "crs", "problem"),
    [
        ([], BNG, "holds no features: export the zones' outlines again"),
        ([({"zone_id": "A"}, None)], BNG, "has features but none has a geometry"),
        (
            [({"zone_id": "A"}, {"type": "Point", "coordinates": [376000, 387000]})],
            BNG,
            "holds 1 point; it should hold the zones' outlines as polygons",
        ),
        ([({"zone_id": "A"}, square(376000, 387000))], None, "declares WGS 84 (degrees), but its coordinates"),
    ],
)
def test_unusable_zone_outlines_name_the_file_and_the_problem(tmp_path, features, crs, problem):
    with pytest.raises(EstateError) as caught:
        load_zones(outlines(tmp_path / "zones.geojson", features, crs))
    assert str(caught.value).startswith("zone outlines 'zones.geojson'")
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "is empty (0 bytes)"), (b"zone_id;not a map", "cannot be read as a map layer")],
)
def test_unreadable_zone_outlines_name_the_file(tmp_path, content, problem):
    path = tmp_path / "zones.geojson"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        load_zones(path)
    assert str(caught.value).startswith("zone outlines 'zones.geojson'") and problem in str(caught.value)
    assert "driver" not in str(caught.value)


def test_zone_outlines_without_a_coordinate_system_are_refused(tmp_path):
    shp = tmp_path / "zones.shp"
    gpd.GeoDataFrame({"zone_id": ["A"]}, geometry=[shape(square(0, 0))], crs=27700).to_file(shp)
    shp.with_suffix(".prj").unlink()
    with pytest.raises(EstateError, match="zone outlines 'zones.shp' declares no coordinate system"):
        load_zones(shp)


def test_zone_outlines_without_zone_codes_are_refused(tmp_path):
    path = outlines(tmp_path / "shapes.geojson", [({"colour": "red"}, square(376000, 387000))])
    with pytest.raises(DemandError, match="shapes.geojson: no zone code column. Name the column"):
        load_zones(path)


def test_missing_zone_outlines_are_named(tmp_path):
    with pytest.raises(InputFileError, match="zone outlines 'gone.geojson' was not found"):
        load_zones(tmp_path / "gone.geojson")

"""Loading one partner file end to end, on tiny hand-made registers with one defect each."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import shapely.geometry
from shapely.geometry import Point, box

from estate.assumptions import load_assumptions
from estate.errors import ColumnMappingError, InputFileError
from estate.load import PartnerFile, load_file, outcome_counts, row_outcomes
from estate.locate import PostcodeLookup
from estate.place import combine
from tests.conftest import SAMPLE
from tests.test_readers import _shapefile_parts, _xls_bytes, _xlsx_bytes, _zip

LGTC_HEADER = (
    "UPRN,PropertyName,PostCode,CoordinateReferenceSystem,GeoX,GeoY,TenureType,TenureDetail,HoldingType,BuildingSize"
)
COUNCIL = PartnerFile("Council", "council")


@pytest.fixture
def lookup():
    table = pd.DataFrame(
        {"pcd": ["M33 7DZ", "WA15 0AB"], "oseast1m": ["378000", "379000"], "osnrth1m": ["392000", "386000"]}
    )
    return PostcodeLookup(table, label="lookup.csv")


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_lgtc_register_rows_and_their_outcomes(tmp_path, lookup):
    path = write(
        tmp_path,
        "register.csv",
        "\n".join(
            [
                LGTC_HEADER,
                "100012797623,Town Hall,WA14 1PF,WGS84,-2.3520922,53.3879587,Freehold,Owner Occupied,Buildings,2000",
                "100012710993,Youth Centre,M31 2DN,WGS84,53.457484,-2.365856,Freehold,Vacant,Buildings,300",
                "200000333839,Moss View Centre,M41,,,,Freehold,Vacant,Buildings,1299.3",
                "10070446007,Coppice Library,m337dz,,,,Leasehold,Leasehold In,Buildings,",
                "10070446008,Depot,WA15 OAB,,,,Freehold,Owner Occupied,Land/Buildings,0",
            ]
        ),
    )
    result = load_file(path, COUNCIL, postcodes=lookup)
    rows = row_outcomes(result.report).set_index("row")["outcome"]
    assert rows.to_dict() == {
        2: "loaded",
        3: "loaded with warnings",
        4: "excluded",
        5: "loaded with warnings",
        6: "loaded with warnings",
    }
    h = result.holdings.set_index("source_row")
    assert h.loc[5, "tenure"] == "leasehold" and h.loc[5, "postcode"] == "M33 7DZ"
    assert (h.loc[5].geometry.x, h.loc[5].geometry.y) == (378000, 392000)
    assert h.loc[6, "postcode"] == "WA15 0AB"
    assert h.loc[2, "gia_m2"] == 2000 and h.loc[2, "gia_m2_source"] == "supplied"
    assert h.loc[6, "gia_m2_source"] == "modelled"
    assert h.loc[2, "use_class"] == "office"
    excluded = result.report[result.report["outcome"] == "excluded"].iloc[0]
    assert excluded["problem"] == "no coordinates and postcode 'M41' is only an outward code"
    assert "add coordinates" in excluded["action"]
    # A modelled team where the council's own staff work (owner occupied, leased in), none where vacant.
    assert set(result.teams["holding_id"]) == {h.loc[2, "holding_id"], h.loc[5, "holding_id"], h.loc[6, "holding_id"]}
    assert (result.teams["fte_source"] == "modelled").all()
    town_hall = result.teams.set_index("holding_id").loc[h.loc[2, "holding_id"]]
    # 2,000 m2 office: 2000 x 1.0 x 0.8 / 6 = 266 desks; 0.8 FTE per desk = 212 FTE.
    assert h.loc[2, "workstations"] == 266 and town_hall["fte"] == 212


def test_windows_1252_with_repeated_header_and_line_breaks_in_quotes(tmp_path):
    text = (
        "PropertyName,Easting,Northing,Notes,Notes\r\n"
        '"Caf\u00e9 Hall\r\nannexe",378000,392000,a,b\r\n'
        "Second,378100,392100,c,d\r\n"
    )
    path = write(tmp_path, "partner.csv", text, encoding="cp1252")
    result = load_file(path, PartnerFile("Police", "police"))
    assert list(result.holdings["source_row"]) == [2, 3]
    assert result.holdings.iloc[0]["name"].startswith("Café Hall")
    assert outcome_counts(result.report)["excluded"] == 0


def test_exact_duplicate_rows_are_excluded_and_named(tmp_path):
    path = write(tmp_path, "dup.csv", "Site Name,Easting,Northing\nA,378000,392000\nA,378000,392000\nB,378500,392000\n")
    result = load_file(path, PartnerFile("Fire", "fire"))
    assert len(result.holdings) == 2
    line = result.report[result.report["outcome"] == "excluded"].iloc[0]
    assert line["row"] == 3 and line["problem"] == "an exact copy of row 2"


def test_same_uprn_in_one_file_and_across_partners_is_reported(tmp_path):
    a = write(
        tmp_path,
        "a.csv",
        "UPRN,Site Name,Easting,Northing\n1001,North wing,378000,392000\n1001,South wing,378010,392000\n",
    )
    b = write(tmp_path, "b.csv", "UPRN,Site Name,Easting,Northing\n1001,Clinic,378005,392000\n")
    first = load_file(a, PartnerFile("Council", "council"))
    second = load_file(b, PartnerFile("NHS", "nhs"))
    assert first.report["problem"].str.contains("also on row").sum() == 2
    combined = combine([first, second])
    shared = combined.report[combined.report["problem"].str.contains("a shared site")]
    assert len(shared) == 3
    assert "also held by NHS" in shared[shared["partner"] == "Council"].iloc[0]["problem"]


def test_points_outside_the_boundary_are_flagged_not_dropped(tmp_path):
    path = write(tmp_path, "x.csv", "Site Name,Easting,Northing\nIn,378500,392500\nOut,381500,392500\n")
    result = load_file(path, PartnerFile("DWP", "dwp"), boundary=box(378000, 392000, 379000, 393000))
    assert list(result.holdings["in_boundary"]) == [True, False]
    flagged = result.report[result.report["problem"].str.contains("outside the place's boundary")]
    assert flagged.iloc[0]["problem"] == "2.5 km outside the place's boundary"


def test_bad_numbers_are_warned_and_modelled(tmp_path):
    path = write(
        tmp_path,
        "n.csv",
        'Site Name,Easting,Northing,GIA,Running Cost,Market Value\nA,378000,392000,lots,"£12,500",-5\n',
    )
    result = load_file(path, PartnerFile("Council", "council"))
    h = result.holdings.iloc[0]
    assert h["running_cost_gbp"] == 12500 and h["running_cost_gbp_source"] == "supplied"
    assert h["gia_m2_source"] == "modelled" and h["market_value_gbp_source"] == "modelled"
    problems = set(result.report["problem"])
    assert "'lots' is not a number" in problems and "negative (-5)" in problems


def test_closed_sites_are_excluded_with_the_date(tmp_path):
    path = write(
        tmp_path,
        "gp.csv",
        "OrgCode,Name,Postcode,CloseDate,oseast1m,osnrth1m\n"
        "P1,Open,M1 1AA,,378000,392000\n"
        "P2,Shut,M1 1AB,20221130,378100,392100\n",
    )
    result = load_file(path, PartnerFile("NHS", "nhs"))
    assert list(result.holdings["name"]) == ["Open"]
    assert result.report[result.report["outcome"] == "excluded"].iloc[0]["problem"] == "closed on 2022-11-30"


def test_polygons_keep_their_outline_and_a_representative_point(tmp_path):
    outline = box(378000, 392000, 378100, 392100)
    path = tmp_path / "sites.geojson"
    gpd.GeoDataFrame({"name": ["Hospital"]}, geometry=[outline], crs=27700).to_crs(4326).to_file(path)
    result = load_file(path, PartnerFile("NHS", "nhs", defaults={"use_class": "hospital"}))
    h = result.holdings.iloc[0]
    assert outline.buffer(1).contains(h.geometry)
    assert h["location_source"] == "derived"
    kept = shapely.from_wkt(h["outline_wkt"])
    # back in British National Grid, the same 100 m square to the centimetre
    assert kept.area == pytest.approx(10_000, rel=1e-4)
    assert kept.symmetric_difference(outline).area < 1.0
    assert h["use_class"] == "hospital" and h["use_class_source"] == "supplied"
    # said in the report, but the row asks nothing of the officer: loaded, not a warning
    line = result.report.iloc[-1]
    assert (line["outcome"], line["field"]) == ("loaded", "location")
    assert line["problem"] == "a Polygon outline: its representative point is the holding's point"
    assert row_outcomes(result.report)["outcome"].tolist() == ["loaded"]


def test_outlines_without_a_declared_system_are_read_by_their_range(tmp_path):
    outline = box(378000, 392000, 378100, 392100)
    lonlat = gpd.GeoSeries([outline], crs=27700).to_crs(4326).iloc[0]
    path = tmp_path / "sites.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Clinic"}, '
        f'"geometry": {json.dumps(shapely.geometry.mapping(lonlat))}}}]}}'
    )
    h = load_file(path, PartnerFile("NHS", "nhs")).holdings.iloc[0]
    assert shapely.from_wkt(h["outline_wkt"]).symmetric_difference(outline).area < 1.0


def test_points_have_no_outline(tmp_path):
    path = write(tmp_path, "p.csv", "Site Name,Easting,Northing\nA,378000,392000\n")
    h = load_file(path, PartnerFile("Fire", "fire")).holdings.iloc[0]
    assert pd.isna(h["outline_wkt"]) and h["location_source"] == "supplied"


def test_every_field_says_where_it_came_from(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        "Site Name,Use Class,Tenure,Lease Break,Services,Can Host,Locked,Easting,Northing\n"
        "Civic office,office,Leasehold,2028-03-31,customer_access,yes,retain,378000,392000\n"
        "Town Hall,,,,,,,378100,392000\n"
        "Plot 7,,Freehold,,,,dispose,378200,392000\n"
        "Museum,,,,,,,378300,392000\n",
    )
    h = load_file(path, COUNCIL).holdings.set_index("name")
    assert h.loc["Civic office", "use_class_source"] == "supplied"
    # "Town Hall" and "Plot 7" are read from their names; nothing says what the Museum is, so "other" is assumed
    assert (h.loc["Town Hall", "use_class"], h.loc["Town Hall", "use_class_source"]) == ("office", "derived")
    assert (h.loc["Plot 7", "use_class"], h.loc["Plot 7", "use_class_source"]) == ("land", "derived")
    assert (h.loc["Museum", "use_class"], h.loc["Museum", "use_class_source"]) == ("other", "modelled")
    assert h.loc["Civic office", "tenure_source"] == "supplied" and pd.isna(h.loc["Town Hall", "tenure_source"])
    assert h.loc["Civic office", "lease_break_source"] == "supplied" and pd.isna(h.loc["Plot 7", "lease_break_source"])
    assert h.loc["Civic office", "services_source"] == "supplied" and pd.isna(h.loc["Town Hall", "services_source"])
    assert h.loc["Civic office", "can_host_source"] == "supplied"
    assert (h.loc["Town Hall", "can_host"], h.loc["Town Hall", "can_host_source"]) == (True, "modelled")
    assert h.loc["Civic office", "locked_retain"] and h.loc["Civic office", "locked_retain_source"] == "supplied"
    assert h.loc["Plot 7", "locked_dispose"] and h.loc["Plot 7", "locked_dispose_source"] == "supplied"
    assert not h.loc["Town Hall", "locked_retain"] and pd.isna(h.loc["Town Hall", "locked_retain_source"])


def test_a_lock_from_the_use_class_benchmark_is_modelled(tmp_path):
    path = write(tmp_path, "f.csv", "Site Name,Easting,Northing\nNorth station,378000,392000\n")
    h = load_file(path, PartnerFile("Fire", "fire", defaults={"use_class": "fire_station"})).holdings.iloc[0]
    assert h["locked_retain"] and h["locked_retain_source"] == "modelled"


def test_energy_rating_land_area_and_list_size_are_kept(tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        "Site Name,HoldingType,LandArea,EnergyRating,List Size,Easting,Northing\n"
        "Surgery,Buildings,0.12,c,7855,378000,392000\n"
        "Field,Land,2.5,,,378100,392000\n"
        "Yard,Land,,Z,many,378200,392000\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("name")
    assert (h.loc["Surgery", "energy_rating"], h.loc["Surgery", "registered_patients"]) == ("C", 7855)
    assert (h.loc["Surgery", "land_area_ha"], h.loc["Surgery", "land_area_ha_source"]) == (0.12, "supplied")
    # land is valued on its area: the supplied 2.5 ha, and the benchmark area where none is given
    per_ha = load_assumptions().figure("land", "value_gbp_per_ha", 0.0)
    bench_ha = load_assumptions().figure("land", "land_ha", 0.0)
    assert h.loc["Field", "market_value_gbp"] == pytest.approx(2.5 * per_ha)
    assert (h.loc["Yard", "land_area_ha"], h.loc["Yard", "land_area_ha_source"]) == (bench_ha, "modelled")
    assert h.loc["Yard", "market_value_gbp"] == pytest.approx(bench_ha * per_ha)
    assert pd.isna(h.loc["Yard", "energy_rating"]) and pd.isna(h.loc["Yard", "registered_patients"])
    problems = set(result.report.loc[result.report["row"] == 4, "problem"])
    assert "energy rating 'Z' is not an EPC or DEC band A+ to G" in problems
    assert "'many' is not a number" in problems


def test_how_a_file_was_read_reaches_the_report_without_counting_as_a_row(tmp_path):
    path = write(tmp_path, "partner.csv", "PropertyName,Easting,Northing\nCaf\u00e9,378000,392000\n", encoding="cp1252")
    result = load_file(path, PartnerFile("Police", "police"))
    notes = result.report[result.report["field"] == "(whole file)"]
    assert len(notes) == 1 and notes.iloc[0]["outcome"] == "loaded with warnings"
    assert "Windows-1252" in notes.iloc[0]["problem"] and pd.isna(notes.iloc[0]["row"])
    assert outcome_counts(result.report) == {"loaded": 1, "loaded with warnings": 0, "excluded": 0}


def test_an_old_xls_under_an_xlsx_name_is_noted_in_the_report(tmp_path):
    result = load_file(_as_xls_named_xlsx(tmp_path), COUNCIL)
    notes = result.report.loc[result.report["field"] == "(whole file)", "problem"]
    assert notes.str.contains(".xls", regex=False).any()
    assert outcome_counts(result.report) == {"loaded": 2, "loaded with warnings": 0, "excluded": 0}


def test_user_mapping_overrides_aliases(tmp_path):
    path = write(tmp_path, "odd.csv", "Building,E,N\nHQ,378000,392000\n")
    with pytest.raises(ColumnMappingError, match="no recognisable register columns"):
        load_file(path, COUNCIL)
    result = load_file(path, PartnerFile("Council", "council", columns={"Building": "name", "E": "x", "N": "y"}))
    assert result.holdings.iloc[0]["name"] == "HQ"
    warned = result.report[result.report["field"] == "location"]
    assert "British National Grid" in warned.iloc[0]["problem"]


def test_mapping_naming_a_missing_column_is_refused(tmp_path):
    path = write(tmp_path, "odd.csv", "Block,Easting,Northing\nHQ,378000,392000\n")
    with pytest.raises(ColumnMappingError, match="'Site' that the file does not have"):
        load_file(path, PartnerFile("Council", "council", columns={"Site": "name"}))


def test_a_file_headed_with_the_schemas_own_names_reads_without_a_mapping(tmp_path):
    # e.g. holdings exported from the planner and edited: their supplied money must not be modelled over
    path = write(
        tmp_path,
        "own.csv",
        "name,easting,northing,gia_m2,running_cost_gbp,market_value_gbp,rent_gbp\nHQ,378000,392000,1000,250000,4000000,0\n",
    )
    holding = load_file(path, COUNCIL).holdings.iloc[0]
    assert holding["running_cost_gbp"] == 250_000 and holding["running_cost_gbp_source"] == "supplied"
    assert holding["market_value_gbp"] == 4_000_000 and holding["market_value_gbp_source"] == "supplied"


def test_an_implausibly_large_floor_area_loads_with_a_warning(tmp_path):
    text = "name,easting,northing,gia_m2\nHQ,378000,392000,1000000000\nOK,378100,392000,900\n"
    path = write(tmp_path, "big.csv", text)
    result = load_file(path, COUNCIL)
    assert outcome_counts(result.report) == {"loaded": 1, "loaded with warnings": 1, "excluded": 0}
    note = result.report[result.report["field"] == "gia_m2"].iloc[0]
    assert "1,000,000,000 m² is implausibly large" in note["problem"] and "unit" in note["action"]


def test_unreadable_files_raise_clear_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="empty.csv"):
        load_file(empty, COUNCIL)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputFileError, match="photo.csv"):
        load_file(binary, COUNCIL)


def test_uploaded_bytes_load_like_a_file():
    data = b"Site Name,Easting,Northing\nA,378000,392000\n"
    result = load_file(data, COUNCIL, label="upload.csv")
    assert result.report.iloc[0]["file"] == "upload.csv"
    assert result.holdings.iloc[0].geometry == Point(378000, 392000)


def test_non_finite_numbers_are_warned_and_modelled(tmp_path):
    path = write(
        tmp_path,
        "inf.csv",
        "Site Name,Easting,Northing,GIA,Running Cost,Market Value,Rent\nDepot,378000,392000,1e400,inf,-Infinity,nan\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.iloc[0]
    # depot benchmarks: 1,000 m2 at £80/m2 running cost and £600/m2 value
    assert (h["gia_m2"], h["gia_m2_source"]) == (1000, "modelled")
    assert (h["running_cost_gbp"], h["running_cost_gbp_source"]) == (80_000, "modelled")
    assert (h["market_value_gbp"], h["market_value_gbp_source"]) == (600_000, "modelled")
    assert pd.isna(h["rent_gbp"]) and pd.isna(h["rent_gbp_source"])
    warned = result.report.set_index("field")
    assert warned.loc["gia_m2", "problem"] == "'1e400' is not a finite number"
    assert warned.loc["running_cost_gbp", "problem"] == "'inf' is not a finite number"
    assert warned.loc["market_value_gbp", "problem"] == "'-Infinity' is not a finite number"
    assert warned.loc["rent_gbp", "problem"] == "'nan' is not a finite number"
    assert (warned["action"] == "modelled instead; correct the value in the register").all()
    assert outcome_counts(result.report) == {"loaded": 0, "loaded with warnings": 1, "excluded": 0}


def test_non_finite_coordinates_fall_back_to_the_postcode(tmp_path, lookup):
    path = write(tmp_path, "inf.csv", "Site Name,PostCode,Easting,Northing\nHub,M33 7DZ,1e400,392000\n")
    result = load_file(path, COUNCIL, postcodes=lookup)
    h = result.holdings.iloc[0]
    assert (h.geometry.x, h.geometry.y, h["location_source"]) == (378000, 392000, "derived")
    line = result.report[result.report["field"] == "x/y"].iloc[0]
    assert line["problem"] == "coordinate '1e400' is not a finite number"


# --- column names: each spelling the column matcher claims -------------------------------------

EPIMS_ROWS = [
    "12345,Stretford Jobcentre,100012345678,1 Chester Road,Manchester,M32 0RW,Leasehold,2031-03-31,Buildings,850.5,"
    "379500,395600",
    '67890,Sale Crown Offices,10070446007,Crown House,Sale,m33 7zz,Freehold,,Buildings,"1,200",378000,392000',
]


@pytest.mark.parametrize(
    "header",
    [
        "ePIMS ID,Holding Name,UPRN,Address Line 1,Post Town,Postcode,Holding Tenure,Lease Expiry Date,"
        "Land/Buildings,Gross Internal Area (m2),Easting,Northing",
        "ePIMSID,HoldingName,Unique Property Reference Number,Address1,PostTown,Site Postcode,Freehold/Leasehold,"
        "Lease End Date,Holding Type,Net Internal Area,Eastings,Northings",
        "Holding ID,Asset Name,UPRN Number,Property Address,Town,Post Code,Tenure,Expiry Date,Asset Type,"
        "GIA (sq m),EASTING,NORTHING",
    ],
    ids=["epims", "epims-compact", "asset-register"],
)
def test_govs004_epims_headings_give_the_canonical_fields(tmp_path, header):
    path = write(tmp_path, "epims.csv", "\n".join([header, *EPIMS_ROWS]))
    result = load_file(path, PartnerFile("DWP", "dwp"))
    assert outcome_counts(result.report) == {"loaded": 2, "loaded with warnings": 0, "excluded": 0}
    h = result.holdings
    assert list(h["holding_id"]) == ["dwp:12345", "dwp:67890"]
    assert list(h["uprn"]) == ["100012345678", "10070446007"]
    assert list(h["name"]) == ["Stretford Jobcentre", "Sale Crown Offices"]
    assert list(h["address"]) == ["1 Chester Road, Manchester", "Crown House, Sale"]
    assert list(h["postcode"]) == ["M32 0RW", "M33 7ZZ"]
    assert list(h["tenure"]) == ["leasehold", "freehold"]
    assert h.loc[0, "lease_expiry"] == pd.Timestamp("2031-03-31")
    assert list(h["use_class"]) == ["jobcentre", "office"]
    assert list(h["gia_m2"]) == [850.5, 1200] and (h["gia_m2_source"] == "supplied").all()
    assert h.crs == "EPSG:27700" and (h["location_source"] == "supplied").all()
    assert [(p.x, p.y) for p in h.geometry] == [(379500, 395600), (378000, 392000)]


@pytest.mark.parametrize(
    "header",
    [
        "PropertyReference,PropertyName,UPRN,StreetNumber,StreetName,PostTown,PostCode,CoordinateReferenceSystem,"
        "GeoX,GeoY,TenureType,TenureDetail,HoldingType,BuildingSize",
        "Property Reference,Property Name,UPRN,Street Number,Street Name,Post Town,Post Code,"
        "Coordinate Reference System,Geo X,Geo Y,Tenure Type,Tenure Detail,Holding Type,Building Size",
        "PROPERTY_REF,property_name,uprn,house_number,street,post_town,POST_CODE,CRS,geo_x,geo_y,TENURE_TYPE,"
        "occupancy,land/buildings,floor_area_m2",
    ],
    ids=["code", "spaced", "snake-case"],
)
def test_transparency_code_headings_and_their_variants_give_the_canonical_fields(tmp_path, header):
    rows = [
        "A1,Old Library,200001,12,High Street,Altrincham,wa14 1pf,OSGB36,376900,387800,Freehold,Owner Occupied,"
        "Buildings,320",
        "A2,Town Hall,100012797623,,Talbot Road,Stretford,M32 0TH,WGS84,-2.3520922,53.3879587,Leasehold,"
        'Leasehold Out,Buildings,"2,000"',
        "A3,Firs Playing Field,200003,,Firs Road,Sale,M33 5EJ,EPSG:27700,377500,391000,Freehold,Vacant,Land,",
    ]
    path = write(tmp_path, "lgtc.csv", "\n".join([header, *rows]))
    result = load_file(path, COUNCIL)
    assert outcome_counts(result.report) == {"loaded": 2, "loaded with warnings": 1, "excluded": 0}
    h = result.holdings
    assert list(h["holding_id"]) == ["council:A1", "council:A2", "council:A3"]
    assert list(h["uprn"]) == ["200001", "100012797623", "200003"]
    assert list(h["name"]) == ["Old Library", "Town Hall", "Firs Playing Field"]
    assert list(h["address"]) == ["12 High Street, Altrincham", "Talbot Road, Stretford", "Firs Road, Sale"]
    assert list(h["postcode"]) == ["WA14 1PF", "M32 0TH", "M33 5EJ"]
    # A2 is a lease the council holds and lets out: its own tenure is leasehold (with no dates: the warning).
    assert list(h["tenure"]) == ["freehold", "leasehold", "freehold"]
    a2 = result.report[result.report["row"] == 3]
    assert a2["problem"].tolist() == ["leasehold with no break or expiry date"]
    assert list(h["use_class"]) == ["library", "office", "land"]
    assert list(h["gia_m2_source"]) == ["supplied", "supplied", "modelled"]
    assert list(h["gia_m2"]) == [320, 2000, 0]
    assert (h["location_source"] == "supplied").all()
    assert h.crs == "EPSG:27700"
    assert (h.geometry.iloc[0].x, h.geometry.iloc[0].y) == (376900, 387800)
    # WGS84 longitude/latitude reprojected to British National Grid (to within the datum shift's few metres).
    assert (h.geometry.iloc[1].x, h.geometry.iloc[1].y) == (pytest.approx(376680, abs=5), pytest.approx(387960, abs=5))
    assert (h.geometry.iloc[2].x, h.geometry.iloc[2].y) == (377500, 391000)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ("Easting", "Northing"),
        ("EASTINGS", "NORTHINGS"),
        ("oseast1m", "osnrth1m"),
        ("STATION_EASTING", "STATION_NORTHING"),
        ("Grid Ref Easting", "Grid Ref Northing"),
        ("GridRefEasting", "GridRefNorthing"),
        ("Station Easting", "Station Northing"),
    ],
)
def test_easting_northing_headings_declare_british_national_grid(tmp_path, x, y):
    path = write(tmp_path, "grid.csv", f"Site Name,{x},{y}\nDepot,378000,392000\n")
    result = load_file(path, COUNCIL)
    h = result.holdings.iloc[0]
    assert (h.geometry.x, h.geometry.y) == (378000, 392000)
    assert h["location_source"] == "supplied"
    assert outcome_counts(result.report)["loaded"] == 1


@pytest.mark.parametrize(("x", "y"), [("Longitude", "Latitude"), ("Lon", "Lat"), ("Long", "Lat"), ("lng", "lat")])
def test_longitude_latitude_headings_declare_wgs84(tmp_path, x, y):
    path = write(tmp_path, "lonlat.csv", f"Site Name,{x},{y}\nTown Hall,-2.3520922,53.3879587\n")
    result = load_file(path, COUNCIL)
    h = result.holdings.iloc[0]
    assert (h.geometry.x, h.geometry.y) == (pytest.approx(376680, abs=5), pytest.approx(387960, abs=5))
    assert h["location_source"] == "supplied"
    assert outcome_counts(result.report)["loaded"] == 1


@pytest.mark.parametrize(("x", "y"), [("X", "Y"), ("X Coordinate", "Y Coordinate"), ("GeoX", "GeoY")])
def test_bare_x_y_headings_are_read_by_range_with_a_warning(tmp_path, x, y):
    path = write(tmp_path, "xy.csv", f"Site Name,{x},{y}\nDepot,378000,392000\n")
    result = load_file(path, COUNCIL)
    h = result.holdings.iloc[0]
    assert (h.geometry.x, h.geometry.y, h["location_source"]) == (378000, 392000, "derived")
    line = result.report.iloc[0]
    assert (line["field"], line["outcome"]) == ("location", "loaded with warnings")
    assert line["problem"] == (
        "coordinates (378000, 392000) are British National Grid metres (no coordinate system declared): "
        "read as EPSG:27700"
    )


# --- one register in every format, loaded end to end ------------------------------------------

REGISTER_ROWS = [
    ["100012797623", "Sale Waterside", 1250.5, 378_000, 392_000],
    ["10070446007", "Altrincham Library", 800, 376_500, 388_000],
]


def _as_xlsx(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(_xlsx_bytes({"Assets": [["UPRN", "Name", "GIA", "Easting", "Northing"], *REGISTER_ROWS]}))
    return path


def _as_xls_named_xlsx(tmp_path):
    path = tmp_path / "register.xlsx"
    rows = [[int(uprn), *rest] for uprn, *rest in REGISTER_ROWS]
    path.write_bytes(_xls_bytes({"Assets": [["UPRN", "Name", "GIA", "Easting", "Northing"], *rows]}))
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    return path


def _sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "UPRN": [r[0] for r in REGISTER_ROWS],
            "Name": [r[1] for r in REGISTER_ROWS],
            "GIA": [r[2] for r in REGISTER_ROWS],
        },
        geometry=[Point(r[3], r[4]) for r in REGISTER_ROWS],
        crs="EPSG:27700",
    )


def _as_geopackage(tmp_path):
    path = tmp_path / "register.gpkg"
    _sites().to_file(path, layer="holdings")
    return path


def _as_zipped_shapefile_in_wgs84(tmp_path):
    path = tmp_path / "register.zip"
    parts = _shapefile_parts(tmp_path, _sites().to_crs(4326), stem="register")
    _zip(path, {f"register{suffix}": part for suffix, part in parts.items()})
    return path


@pytest.mark.parametrize("save", [_as_xlsx, _as_xls_named_xlsx, _as_geopackage, _as_zipped_shapefile_in_wgs84])
def test_one_register_loads_the_same_from_every_format(tmp_path, save):
    result = load_file(save(tmp_path), PartnerFile("Council", "council"))
    h = result.holdings
    assert len(h) == 2 and h.crs == "EPSG:27700"
    assert list(h["name"]) == ["Sale Waterside", "Altrincham Library"]
    assert list(h["uprn"]) == ["100012797623", "10070446007"]
    assert list(h["gia_m2"]) == [1250.5, 800] and (h["gia_m2_source"] == "supplied").all()
    assert list(h["source_row"]) == [2, 3]
    for point, (*_, x, y) in zip(h.geometry, REGISTER_ROWS, strict=True):
        assert (point.x, point.y) == (pytest.approx(x, abs=0.01), pytest.approx(y, abs=0.01))
    assert outcome_counts(result.report) == {"loaded": 2, "loaded with warnings": 0, "excluded": 0}


def test_timestamps_with_a_time_zone_are_read_as_their_utc_day(tmp_path):
    path = write(
        tmp_path,
        "tz.csv",
        "Site ID,Site Name,Easting,Northing,Tenure,Lease Expiry,Close Date\n"
        "T1,Sale office,378000,392000,Leasehold,2030-12-31T00:00:00Z,\n"
        "T2,Stretford office,378100,392000,Leasehold,2031-06-30,\n"
        "T3,Late office,378200,392000,Leasehold,2031-06-30T23:30:00-01:00,\n"
        "T4,Shut office,378300,392000,Leasehold,2031-06-30,2020-01-01T00:00:00.000Z\n",
    )
    result = load_file(path, COUNCIL)
    expiry = result.holdings.set_index("name")["lease_expiry"]
    assert expiry.to_dict() == {
        "Sale office": pd.Timestamp("2030-12-31"),
        "Stretford office": pd.Timestamp("2031-06-30"),
        "Late office": pd.Timestamp("2031-07-01"),  # 00:30 on 1 July in UTC
    }
    closed = result.report[result.report["outcome"] == "excluded"].iloc[0]
    assert (closed["row"], closed["problem"]) == (5, "closed on 2020-01-01")


def test_semicolon_file_with_decimal_commas_reads_its_numbers_and_says_so(tmp_path):
    path = write(
        tmp_path,
        "eu.csv",
        "PropertyName;CoordinateReferenceSystem;GeoX;GeoY;BuildingSize;FTE\n"
        "Town Hall;WGS84;-2,3520922;53,3879587;415,05;12,5\n"
        "Depot;WGS84;-2,306004;53,3914925;1.047;\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("name")
    assert h.loc["Town Hall", "gia_m2"] == 415.05 and h.loc["Depot", "gia_m2"] == 1047
    assert h.loc["Town Hall"].geometry.equals_exact(
        gpd.GeoSeries([Point(-2.3520922, 53.3879587)], crs=4326).to_crs(27700).iloc[0], 0.01
    )
    assert result.teams["fte"].tolist() == [12.5]
    notes = result.report.loc[result.report["field"] == "(whole file)", "problem"]
    assert notes.str.contains("numbers use a comma as the decimal mark").any()
    # a comma-separated file still reads a comma as a thousands separator
    uk = write(tmp_path, "uk.csv", 'Site Name,Easting,Northing,GIA\nA,378000,392000,"1,200"\n')
    assert load_file(uk, COUNCIL).holdings["gia_m2"].tolist() == [1200]


def test_decimal_commas_are_not_read_a_hundredfold_when_another_column_uses_decimal_points(tmp_path):
    # Before: one LandArea of 0.5 (or a latitude of 53.41) made the whole file read 415,05 as 41505.
    path = write(
        tmp_path,
        "eu.csv",
        "PropertyName;GeoX;GeoY;BuildingSize;LandArea;FTE\n"
        "Town Hall;378000;392000;415,05;0.5;12,5\n"
        "Depot;378100;392000;1.047;0.25;\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("name")
    assert h.loc["Town Hall", "gia_m2"] == pytest.approx(415.05) and h.loc["Depot", "gia_m2"] == 1047
    assert h["land_area_ha"].tolist() == [0.5, 0.25]
    assert result.teams["fte"].tolist() == [12.5]
    notes = result.report.loc[result.report["field"] == "(whole file)", "problem"].tolist()
    assert "numbers in 'BuildingSize' use a comma as the decimal mark ('415,05' is read as 415.05)" in notes


def test_a_number_that_could_be_a_thousand_or_a_decimal_is_left_blank_and_warned_on_its_row(tmp_path):
    # The file writes 415,05 and 0.5, so 1,234 in a column of whole numbers could be 1234 or 1.234.
    path = write(
        tmp_path,
        "mixed.csv",
        "PropertyName;GeoX;GeoY;BuildingSize;LandArea;FTE\n"
        "Town Hall;378000;392000;415,05;0.5;12\n"
        "Library;378100;392000;800;0.25;1,234\n",
    )
    result = load_file(path, COUNCIL)
    library = result.holdings.set_index("name").loc["Library"]
    assert library["gia_m2"] == 800
    assert result.teams.set_index("holding_id")["fte_source"].get(library["holding_id"]) != "supplied"
    line = result.report[(result.report["row"] == 3) & (result.report["field"] == "fte")].iloc[0]
    assert (line["file"], line["outcome"]) == ("mixed.csv", "loaded with warnings")
    assert line["problem"].startswith("FTE '1,234' could be 1234 or 1.234: the file writes numbers with both")
    assert line["action"].startswith("not read: occupants modelled instead; in the register write it as 1234")
    notes = result.report.loc[result.report["field"] == "(whole file)", "problem"].tolist()
    assert any(note.startswith("1 number(s) in 'FTE' (such as '1,234') could be read with either") for note in notes)


def test_a_decimal_comma_in_a_comma_separated_file_is_read_as_one_and_a_thousands_comma_beside_it_warned(tmp_path):
    path = write(
        tmp_path,
        "uk.csv",
        "Site Name,Easting,Northing,GIA,Value\n"
        'A,378000,392000,"415,05","1,250,000"\n'
        'B,378100,392000,"1,200","1,234"\n'
        "C,378200,392000,900,12.5\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("name")
    assert h.loc["A", "gia_m2"] == pytest.approx(415.05)  # not 41505
    assert h.loc["B", "gia_m2_source"] != "supplied"  # 1,200 beside 415,05: 1200 or 1.2 cannot be told
    assert (result.report["row"].eq(3) & result.report["field"].eq("gia_m2")).any()
    # a comma-separated file still reads a comma before three digits as a thousands separator
    assert h["market_value_gbp"].tolist() == [1_250_000, 1234, 12.5]


def test_a_repeated_column_is_read_from_its_first_non_blank_copy(tmp_path):
    path = write(
        tmp_path,
        "dup_cols.csv",
        "PropertyName,PostCode,PostCode,GeoX,GeoY,CoordinateReferenceSystem,BuildingSize,BuildingSize\n"
        "Town Hall,,WA14 1PF,-2.3520922,53.3879587,WGS84,,415.05\n"
        "Library,M33 7DZ,M1 1AA,-2.306004,53.3914925,WGS84,800,900\n",
    )
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("name")
    assert (h.loc["Town Hall", "postcode"], h.loc["Town Hall", "gia_m2"]) == ("WA14 1PF", 415.05)
    assert h.loc["Town Hall", "gia_m2_source"] == "supplied"
    assert (h.loc["Library", "postcode"], h.loc["Library", "gia_m2"]) == ("M33 7DZ", 800)
    notes = set(result.report.loc[result.report["field"] == "(whole file)", "problem"])
    assert "column 'PostCode' appears twice; the second is 'PostCode (2)'" in notes
    assert "where 'PostCode' is blank its value is read from 'PostCode (2)' (1 rows)" in notes


def test_a_negative_fte_is_warned_and_the_occupants_modelled(tmp_path):
    path = write(
        tmp_path,
        "fte.csv",
        "Site ID,Site Name,Easting,Northing,Use Class,Occupancy,FTE\n"
        "F1,Office A,378000,392000,office,Occupied,-40\n"
        "F2,Office B,378100,392000,office,Occupied,\n",
    )
    result = load_file(path, COUNCIL)
    line = result.report[result.report["field"] == "fte"].iloc[0]
    assert (line["row"], line["outcome"], line["problem"]) == (2, "loaded with warnings", "negative FTE (-40)")
    teams = result.teams.set_index("holding_id")
    # modelled as for a blank FTE
    assert teams.loc["council:F1", "fte_source"] == "modelled"
    assert teams.loc["council:F1", "fte"] == teams.loc["council:F2", "fte"] > 0


@pytest.mark.parametrize(
    ("columns", "values", "problem"),
    [
        ("FTE,Workstations", "201,50", "201 FTE is more than 4 per workstation (50 workstations)"),
        ("FTE,GIA", "501,1000", "501 FTE is more than one per 2 m² of its 1000 m² floor area"),
    ],
)
def test_more_staff_than_the_building_can_seat_is_warned(tmp_path, columns, values, problem):
    path = write(
        tmp_path,
        "fte.csv",
        f"Site Name,Easting,Northing,Use Class,Occupancy,{columns}\nOffice,378000,392000,office,Occupied,{values}\n",
    )
    result = load_file(path, COUNCIL)
    assert result.report.loc[result.report["field"] == "fte", "problem"].tolist() == [problem]
    assert result.teams["fte"].tolist() == [float(values.split(",")[0])]  # kept as supplied
    within = write(tmp_path, "ok.csv", "Site Name,Easting,Northing,FTE,Workstations\nOffice,378000,392000,200,50\n")
    assert not load_file(within, COUNCIL).report["field"].eq("fte").any()


@pytest.mark.parametrize("text", ["Dec-30", "March", "jan", "today", "now", "1066-10-14", "2301-01-01"])
def test_text_that_is_not_a_date_is_left_blank_with_a_warning(tmp_path, text):
    header = "Site Name,Easting,Northing,Tenure,Lease Break,Lease Expiry"
    path = write(tmp_path, "d.csv", f"{header}\nA,378000,392000,Leasehold,,{text}\n")
    result = load_file(path, COUNCIL)
    assert pd.isna(result.holdings["lease_expiry"].iloc[0])
    line = result.report[result.report["field"] == "lease_expiry"].iloc[0]
    assert line["problem"].startswith(f"{text!r} is not a date")
    assert line["action"].startswith("left blank")


def test_an_expired_lease_and_a_break_after_the_expiry_are_warned(tmp_path):
    path = write(
        tmp_path,
        "d.csv",
        "Site Name,Easting,Northing,Tenure,Lease Break,Lease Expiry\n"
        "Old,378000,392000,Leasehold,,2001-03-31\n"
        "Muddled,378100,392000,Leasehold,2035-01-01,2030-12-31\n"
        "Fine,378200,392000,Leasehold,2028-01-01,2030-12-31\n",
    )
    result = load_file(path, COUNCIL)
    lines = result.report.set_index("row")
    assert lines.loc[2, "problem"] == "the lease expired on 2001-03-31, before today"
    assert lines.loc[3, "problem"] == "the break 2035-01-01 is after the lease expiry 2030-12-31"
    assert lines.loc[3, "field"] == "lease_break"
    assert row_outcomes(result.report).set_index("row")["outcome"].to_dict() == {
        2: "loaded with warnings",
        3: "loaded with warnings",
        4: "loaded",
    }
    assert result.holdings["lease_expiry"].iloc[0] == pd.Timestamp("2001-03-31")  # kept as supplied


def test_a_repeated_id_in_one_file_is_renamed_with_a_warning_naming_the_first_row(tmp_path):
    path = write(
        tmp_path,
        "ids.csv",
        "AssetCode,PropertyName,Easting,Northing\nA1,Town Hall,378000,392000\nB2,Depot,378100,392000\n"
        "A1,Library,378200,392000\n",
    )
    result = load_file(path, COUNCIL)
    assert list(result.holdings["holding_id"]) == ["council:A1", "council:B2", "council:A1@r4"]
    line = result.report[result.report["row"] == 4].iloc[0]
    assert (line["outcome"], line["field"]) == ("loaded with warnings", "local_id")
    assert line["problem"] == "id 'A1' is also on row 2 of this file"
    assert "council:A1@r4" in line["action"]


def test_a_row_without_an_id_gives_way_to_a_register_id_that_reads_like_its_row_number(tmp_path):
    # row 2 has no id, so it would be 'council:r2'; row 3's own asset code is 'r2'
    path = write(
        tmp_path,
        "ids.csv",
        "AssetCode,PropertyName,Easting,Northing\n,Depot,378000,392000\nr2,Town Hall,378100,392000\n",
    )
    result = load_file(path, COUNCIL)
    assert list(result.holdings["holding_id"]) == ["council:r2@r2", "council:r2"]
    assert list(result.holdings["register_id"].isna()) == [True, False]
    line = result.report[result.report["row"] == 2].iloc[0]
    assert (line["outcome"], line["field"]) == ("loaded with warnings", "local_id")
    assert line["problem"] == "no id; its row-number name 'r2' is the register's own id on row 3"
    assert "council:r2@r2" in line["action"]
    assert result.report[result.report["row"] == 3]["outcome"].tolist() == ["loaded"]


@pytest.mark.parametrize(
    ("tenure_type", "detail", "tenure", "problem"),
    [
        # the partner lets out a lease it holds: it is still a leaseholder
        ("Leasehold", "Leasehold Out", "leasehold", None),
        ("Leasehold", "Sublet out", "leasehold", None),
        ("Leasehold", "Tenant without break", "leasehold", None),
        ("Freehold", "Leasehold Out", "freehold", None),
        ("FH", "", "freehold", None),
        ("LH", "", "leasehold", None),
        ("Long leasehold", "", "leasehold", None),
        (
            "Freehold",
            "Leasehold In",
            "freehold",
            "TenureType 'Freehold' (the partner owns it) and TenureDetail 'Leasehold In' (the partner rents it) "
            "disagree",
        ),
        ("Licence", "", "unknown", "TenureType 'Licence' is not freehold or leasehold"),
        ("", "Leasehold In", "leasehold", None),
    ],
)
def test_tenure_is_the_partners_own_interest_as_tenure_type_says(tmp_path, tenure_type, detail, tenure, problem):
    path = write(
        tmp_path,
        "tenure.csv",
        "PropertyName,Easting,Northing,TenureType,TenureDetail,Lease Expiry\n"
        f"Depot,378000,392000,{tenure_type},{detail},2035-03-31\n",
    )
    result = load_file(path, COUNCIL)
    assert result.holdings["tenure"].tolist() == [tenure]
    lines = result.report[result.report["field"] == "tenure"]
    assert lines["problem"].tolist() == ([problem] if problem else [])
    if problem:
        assert lines["outcome"].tolist() == ["loaded with warnings"]


def test_tenure_of_the_real_register_rows_the_audit_found(tmp_path):
    real = pd.read_csv(SAMPLE / "council_land_and_buildings.csv", dtype=str, keep_default_na=False)
    rows = real[real["AssetCode"].isin(["TMBC0304/J0000179", "TMBC0398/B0000067", "TMBC0511"])].copy()
    rows.loc[rows["AssetCode"] == "TMBC0511", ["GeoX", "GeoY"]] = ["-2.3", "53.42"]  # it has none: give it a point
    path = tmp_path / "register.csv"
    rows.to_csv(path, index=False)
    result = load_file(path, COUNCIL)
    h = result.holdings.set_index("holding_id")
    # TenureType Leasehold, TenureDetail Leasehold Out: a lease the council holds and lets
    assert h.loc["council:TMBC0511", "tenure"] == "leasehold"
    # TenureType Freehold, TenureDetail Leasehold In: TenureType kept, and the row says both
    freeholds = ["council:TMBC0304/J0000179", "council:TMBC0398/B0000067"]
    assert h.loc[freeholds, "tenure"].tolist() == ["freehold", "freehold"]
    lines = result.report[result.report["field"] == "tenure"]
    assert lines["name"].tolist() == ["Hereford St (Leased)", "Lostock Youth Centre"]
    assert lines["problem"].str.contains("TenureType 'Freehold'").all()
    assert lines["problem"].str.contains("TenureDetail 'Leasehold In'").all()
    assert lines["action"].str.startswith("read as freehold, as TenureType says").all()


def test_swapped_easting_and_northing_are_found_by_the_postcode(tmp_path, lookup):
    path = write(
        tmp_path,
        "swapped.csv",
        "PropertyName,PostCode,CoordinateReferenceSystem,GeoX,GeoY\n"
        "Swapped,M33 7DZ,OSGB36,392100,378050\n"  # M33 7DZ is at E 378000, N 392000
        "Far,WA15 0AB,OSGB36,395000,378000\n"  # WA15 0AB is at E 379000, N 386000: 17.9 km, swapped 9.8 km
        "Near,M33 7DZ,OSGB36,378500,392500\n",
    )
    result = load_file(path, COUNCIL, postcodes=lookup)
    h = result.holdings.set_index("name")
    assert (h.loc["Swapped"].geometry.x, h.loc["Swapped"].geometry.y) == (378050, 392100)
    assert h.loc["Swapped", "location_source"] == "derived"
    assert (h.loc["Far"].geometry.x, h.loc["Far"].geometry.y) == (395000, 378000)  # kept, with a warning
    lines = result.report.set_index("name")
    assert lines.loc["Swapped", "problem"] == (
        "easting and northing swapped: E 392100, N 378050 is 19.8 km from postcode M33 7DZ "
        "(E 378000, N 392000 in lookup.csv), swapped 0.1 km: read as E 378050, N 392100"
    )
    assert lines.loc["Far", "problem"].startswith(
        "the coordinates (E 395000, N 378000) are 17.9 km from postcode WA15 0AB (E 379000, N 386000 in lookup.csv)"
    )
    assert lines.loc["Far", "outcome"] == "loaded with warnings"
    assert lines.loc["Near", "outcome"] == "loaded"


def test_a_month_first_date_is_read_as_its_only_valid_day_with_a_warning(tmp_path):
    path = write(
        tmp_path,
        "d.csv",
        "Site Name,Easting,Northing,Tenure,Lease Break,Lease Expiry\nA,378000,392000,Leasehold,01/02/2029,12/31/2030\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing leaks onto stderr
        result = load_file(path, COUNCIL)
    h = result.holdings.iloc[0]
    assert (h["lease_break"], h["lease_expiry"]) == (pd.Timestamp("2029-02-01"), pd.Timestamp("2030-12-31"))
    line = result.report[result.report["field"] == "lease_expiry"].iloc[0]
    assert line["problem"] == "'12/31/2030' is written month first: read as 31 December 2030, the only valid date"
    assert line["outcome"] == "loaded with warnings" and line["action"].startswith("kept")
    assert (result.report["field"] == "lease_break").sum() == 0  # day first, as UK registers write it


@pytest.mark.parametrize("total", ["TOTAL", "Total", "Grand total"])
def test_a_totals_row_is_excluded_as_totals(tmp_path, total):
    path = write(
        tmp_path,
        "totals.csv",
        f"AssetCode,PropertyName,GeoX,GeoY,BuildingSize\nA1,Hall,378000,392000,400\n,{total},,,400\n",
    )
    result = load_file(path, COUNCIL)
    line = result.report[result.report["row"] == 3].iloc[0]
    assert (line["outcome"], line["field"]) == ("excluded", "name")
    assert line["problem"] == f"a totals row ({total!r}), not a holding"
    assert "add coordinates" not in line["action"]
    assert len(result.holdings) == 1


@pytest.mark.parametrize(
    ("header", "total"),
    [("UPRN", "TOTAL"), ("UPRN", "Total"), ("AssetCode", "Grand total")],
)
def test_a_totals_row_with_total_in_the_uprn_or_id_column_is_excluded_as_totals(tmp_path, header, total):
    # Before: "UPRN 'TOTAL' is not 1-12 digits", then excluded for "no coordinates and no postcode".
    path = write(
        tmp_path,
        "totals.csv",
        f"{header},PropertyName,GeoX,GeoY,BuildingSize,MarketValue\n"
        f'1001,Hall,378000,392000,400,"£1,000"\n'
        f'{total},,,,400,"£1,000"\n',
    )
    result = load_file(path, COUNCIL)
    lines = result.report[result.report["row"] == 3]
    assert len(lines) == 1
    line = lines.iloc[0]
    field = "uprn" if header == "UPRN" else "local_id"
    assert (line["outcome"], line["field"], line["name"]) == ("excluded", field, total)
    assert line["problem"] == f"a totals row ({total!r}), not a holding"
    assert line["action"] == "no action: totals are not loaded"


def test_a_row_with_total_in_its_uprn_and_a_name_and_location_is_a_holding_not_a_totals_row(tmp_path):
    path = write(tmp_path, "slip.csv", "UPRN,PropertyName,GeoX,GeoY\nTOTAL,Town Hall,378000,392000\n")
    result = load_file(path, COUNCIL)
    assert result.holdings["name"].tolist() == ["Town Hall"]
    assert "UPRN 'TOTAL' is not 1-12 digits: left blank" in result.report["problem"].tolist()


def test_an_xlsx_with_a_cover_sheet_loads_its_register_sheet(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(
        _xlsx_bytes(
            {
                "Cover": [["Trafford Council"], ["Land and building assets"], ["Contact", "estates@example.org"]],
                "Register": [
                    ["Land and Building Assets", "Trafford Council"],
                    ["UPRN", "PropertyName", "GeoX", "GeoY"],
                    [100012797623, "Town Hall", 378000, 392000],
                ],
            }
        )
    )
    result = load_file(path, COUNCIL)
    assert result.holdings["name"].tolist() == ["Town Hall"] and result.holdings["source_row"].tolist() == [3]
    notes = result.report.loc[result.report["field"] == "(whole file)", "problem"].tolist()
    assert notes == [
        "the file has 2 sheets ('Cover', 'Register'); read 'Register', whose header (row 2) has the most "
        "recognised columns",
        "the column names are in row 2; the text above them (row 1) is skipped",
    ]


def test_every_line_of_an_excluded_row_says_excluded(tmp_path):
    # row 2 has a lease warning and no location: a filter on "loaded with warnings" must not find it
    path = write(
        tmp_path,
        "d.csv",
        "Site Name,Easting,Northing,Tenure\nNowhere,,,Leasehold\nFine,378200,392000,Freehold\n",
    )
    result = load_file(path, COUNCIL)
    row_2 = result.report[result.report["row"] == 2]
    assert row_2["field"].tolist()[0] == "location" and "lease_expiry" in set(row_2["field"])  # the reason first
    assert set(row_2["outcome"]) == {"excluded"}
    assert row_2["holding_id"].isna().all()


@pytest.mark.parametrize("heading", ["Site", "Building"])
def test_a_register_naming_its_holdings_by_site_or_building_reads_without_a_mapping(tmp_path, heading):
    path = write(
        tmp_path,
        "police.csv",
        f"{heading},Easting,Northing,Annual cost\nStretford Police Station,378000,392000,12000\n",
    )
    result = load_file(path, COUNCIL)
    assert result.holdings["name"].tolist() == ["Stretford Police Station"]
    assert result.holdings["running_cost_gbp"].tolist() == [12000]


def test_each_report_line_names_the_files_own_heading_for_its_field(tmp_path):
    # an estates officer finds the cell by the register's heading, not the planner's field name
    path = write(
        tmp_path,
        "rep.csv",
        "AssetCode,PropertyName,Easting,Northing,GIA,Lease Expiry,Tenure\n"
        "A1,Depot,9999999,392000,lots,soon,Leasehold\nA2,Store,378000,392000,100,2030-01-01,Freehold\n",
    )
    report = load_file(path, COUNCIL).report.set_index(["row", "field"])
    assert report.loc[(2, "location"), "column"] == "Easting/Northing"
    assert report.loc[(2, "gia_m2"), "column"] == "GIA"
    assert set(report.loc[(2, "lease_expiry"), "column"]) == {"Lease Expiry"}
    assert report.loc[(3, ""), "column"] == ""
    # the coordinates as written, not rounded to six figures (1e+07)
    assert report.loc[(2, "location"), "problem"].startswith("coordinates (9999999, 392000) are not in Great Britain")

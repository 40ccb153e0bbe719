"""Loading one partner file end to end, on tiny hand-made registers with one defect each."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from estate.errors import ColumnMappingError, InputFileError
from estate.load import PartnerFile, load_file, outcome_counts, row_outcomes
from estate.locate import PostcodeLookup
from estate.place import combine

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
    assert "'lots' is not a number" in problems and "-5 is negative" in problems


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


def test_polygons_become_representative_points(tmp_path):
    outline = box(378000, 392000, 378100, 392100)
    path = tmp_path / "sites.geojson"
    gpd.GeoDataFrame({"name": ["Hospital"]}, geometry=[outline], crs=27700).to_crs(4326).to_file(path)
    result = load_file(path, PartnerFile("NHS", "nhs", defaults={"use_class": "hospital"}))
    point = result.holdings.geometry.iloc[0]
    assert outline.buffer(1).contains(point)
    assert result.holdings.iloc[0]["use_class"] == "hospital"


def test_user_mapping_overrides_aliases(tmp_path):
    path = write(tmp_path, "odd.csv", "Building,E,N\nHQ,378000,392000\n")
    with pytest.raises(ColumnMappingError, match="no recognisable register columns"):
        load_file(path, COUNCIL)
    result = load_file(path, PartnerFile("Council", "council", columns={"Building": "name", "E": "x", "N": "y"}))
    assert result.holdings.iloc[0]["name"] == "HQ"
    warned = result.report[result.report["field"] == "location"]
    assert "British National Grid" in warned.iloc[0]["problem"]


def test_mapping_naming_a_missing_column_is_refused(tmp_path):
    path = write(tmp_path, "odd.csv", "Building,Easting,Northing\nHQ,378000,392000\n")
    with pytest.raises(ColumnMappingError, match="'Site' that the file does not have"):
        load_file(path, PartnerFile("Council", "council", columns={"Site": "name"}))


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

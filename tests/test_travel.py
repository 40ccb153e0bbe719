"""Travel cost: sparse straight-line tables, site-to-site distances and travel-time matrices."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from estate import travel
from estate.travel import (
    TravelCostError,
    load_matrix,
    nearest_site,
    site_site_distances,
    zone_site_costs,
)

DATA = Path(__file__).parent / "data" / "access"
STROKE = DATA / "stroke_lsoa11_to_gm_stroke_units_travel_minutes.csv"
X0, Y0 = 400_000.0, 300_000.0  # somewhere in England, EPSG:27700


def points(ids, xy, id_column="zone_id", crs="EPSG:27700", **columns):
    geometry = [Point(X0 + x, Y0 + y) for x, y in xy]
    return gpd.GeoDataFrame({id_column: ids, **columns}, geometry=geometry, crs=crs)


@pytest.fixture
def zones():
    # z1 on site A; z2 5 km from A and 5 km from B (a 3-4-5 triangle each way); z3 10 km east.
    return points(["z1", "z2", "z3"], [(0, 0), (3000, 4000), (10_000, 0)])


@pytest.fixture
def sites():
    return points(["A", "B"], [(0, 0), (6000, 8000)], id_column="holding_id")


def as_dict(table, site="holding_id"):
    return {(str(z), str(s)): c for z, s, c in zip(table["zone_id"], table[site], table["cost"], strict=True)}


def test_straight_line_hand_computed(zones, sites):
    table = zone_site_costs(zones, sites, max_cost=6)
    assert as_dict(table) == pytest.approx({("z1", "A"): 0.0, ("z2", "A"): 5.0, ("z2", "B"): 5.0})
    assert table.attrs["measure"] == "straight-line km (circuity 1.0)"
    assert table.attrs["unit"] == "km"
    assert set(table["measure"]) == {"straight-line km (circuity 1.0)"}
    assert list(table.columns) == ["zone_id", "holding_id", "cost", "measure"]


def test_cutoff_is_inclusive_and_sparse(zones, sites):
    table = zone_site_costs(zones, sites, max_cost=10)
    expected = {
        ("z1", "A"): 0.0,
        ("z1", "B"): 10.0,
        ("z2", "A"): 5.0,
        ("z2", "B"): 5.0,
        ("z3", "A"): 10.0,
        ("z3", "B"): math.hypot(4, 8),
    }
    assert as_dict(table) == pytest.approx(expected)
    assert len(zone_site_costs(zones, sites, max_cost=9)) == 4  # the two 10 km pairs drop out
    # sorted by zone, then nearest first
    assert table["zone_id"].astype(str).tolist() == ["z1", "z1", "z2", "z2", "z3", "z3"]
    assert table.loc[table["zone_id"] == "z3", "holding_id"].astype(str).tolist() == ["B", "A"]


def test_circuity_multiplies_distance_and_the_cutoff_applies_after(zones, sites):
    table = zone_site_costs(zones, sites, max_cost=6.5, circuity=1.3)
    assert as_dict(table) == pytest.approx({("z1", "A"): 0.0, ("z2", "A"): 6.5, ("z2", "B"): 6.5})
    assert table.attrs["measure"] == "straight-line km (circuity 1.3)"
    with pytest.raises(TravelCostError, match="at least 1"):
        zone_site_costs(zones, sites, max_cost=5, circuity=0.8)


def test_degrees_are_refused(zones, sites):
    with pytest.raises(TravelCostError, match="degrees"):
        zone_site_costs(zones.to_crs(4326), sites.to_crs(4326), max_cost=5)
    with pytest.raises(TravelCostError, match="no coordinate reference system"):
        zone_site_costs(zones.set_crs(None, allow_override=True), sites, max_cost=5)
    with pytest.raises(TravelCostError, match="reproject both"):
        zone_site_costs(zones, sites.to_crs(3857), max_cost=5)


def test_missing_or_non_point_geometry_and_duplicate_ids_are_named(zones, sites):
    holes = sites.copy()
    holes.loc[1, "geometry"] = None
    with pytest.raises(TravelCostError, match="have no location.*B"):
        zone_site_costs(zones, holes, max_cost=5)
    areas = sites.copy()
    areas.loc[0, "geometry"] = box(X0, Y0, X0 + 10, Y0 + 10)
    with pytest.raises(TravelCostError, match="not points.*A"):
        zone_site_costs(zones, areas, max_cost=5)
    twice = sites.assign(holding_id=["A", "A"])
    with pytest.raises(TravelCostError, match="repeat holding_id A"):
        zone_site_costs(zones, twice, max_cost=5)


def test_cached_by_input_hash(zones, sites):
    travel.clear_cache()
    first = zone_site_costs(zones, sites, max_cost=10)
    first.loc[0, "cost"] = 999.0  # the caller's copy; the cache is untouched
    second = zone_site_costs(zones, sites, max_cost=10)
    assert len(travel._cache) == 1
    assert second["cost"].iloc[0] == 0.0
    moved = sites.copy()
    moved.loc[0, "geometry"] = Point(X0 + 1, Y0)
    zone_site_costs(zones, moved, max_cost=10)
    assert len(travel._cache) == 2


def test_a_matrix_file_is_read_once_per_content(tmp_path, named_zones, named_sites, monkeypatch):
    travel.clear_cache()
    reads = []
    real = travel.read_table
    monkeypatch.setattr(travel, "read_table", lambda path, **options: reads.append(path) or real(path, **options))
    path = tmp_path / "long.csv"
    path.write_text("origin,destination,minutes\nz1,A,3\nz2,B,7\n")
    first = load_matrix(path, zones=named_zones, sites=named_sites)
    first.attrs["notes"].append("a caller's note")  # the caller's copy; the cache is untouched
    again = load_matrix(path, zones=named_zones, sites=named_sites)
    assert len(reads) == 1
    assert as_dict(again) == as_dict(first) and "a caller's note" not in again.attrs["notes"]
    path.write_text("origin,destination,minutes\nz1,A,4\nz2,B,7\n")
    assert as_dict(load_matrix(path, zones=named_zones, sites=named_sites))[("z1", "A")] == 4.0
    assert len(reads) == 2


def test_other_site_id_column(zones):
    sites = points(["S1"], [(0, 0)], id_column="site_code")
    table = zone_site_costs(zones, sites, max_cost=1, site_id="site_code")
    assert list(table.columns) == ["zone_id", "site_code", "cost", "measure"]


def test_nearest_site_ignores_any_cutoff(zones, sites):
    nearest = nearest_site(zones, sites, circuity=1.2)
    assert nearest["holding_id"].tolist() == ["A", "A", "B"]
    assert nearest["cost"].tolist() == pytest.approx([0.0, 6.0, math.hypot(4, 8) * 1.2])
    empty = nearest_site(zones, sites.iloc[0:0])
    assert empty["cost"].isna().all()


def test_site_site_distances():
    sites = points(["A", "B", "C", "D"], [(0, 0), (0, 0), (3000, 4000), (50_000, 0)], id_column="holding_id")
    table = site_site_distances(sites, max_km=5)
    pairs = {(str(a), str(b)): km for a, b, km in zip(table["from_id"], table["to_id"], table["km"], strict=True)}
    assert pairs == pytest.approx(
        {
            ("A", "B"): 0.0,  # co-located partners: 0 km, and kept
            ("B", "A"): 0.0,
            ("A", "C"): 5.0,
            ("C", "A"): 5.0,
            ("B", "C"): 5.0,
            ("C", "B"): 5.0,
        }
    )
    assert not (table["from_id"].astype(str) == table["to_id"].astype(str)).any()


# --- travel-time matrices ------------------------------------------------------------


@pytest.fixture
def named_zones(zones):
    east = points(["z4"], [(20_000, 0)])
    zones = pd.concat([zones, east], ignore_index=True)
    return zones.assign(zone_name=["North", "Middle", "South", "East"], lsoa_id=["L1", "L1", "L2", "L3"])


@pytest.fixture
def named_sites(sites):
    return sites.assign(name=["Town Hall", "Library"], postcode=["M6 8HD", "BL9 7TD"])


def test_long_matrix_by_ids(tmp_path, named_zones, named_sites):
    path = tmp_path / "long.csv"
    path.write_text("origin,destination,minutes\nz1,A,3\nz2,A,12.5\nz2,B,7\nz3,B,25\n")
    matrix = load_matrix(path, zones=named_zones, sites=named_sites)
    assert as_dict(matrix) == {("z1", "A"): 3.0, ("z2", "A"): 12.5, ("z2", "B"): 7.0, ("z3", "B"): 25.0}
    assert matrix.attrs["measure"] == "travel time, minutes (from long.csv)"
    assert matrix.attrs["unit"] == "min"
    within = zone_site_costs(named_zones, named_sites, max_cost=10, matrix=matrix)
    assert as_dict(within) == {("z1", "A"): 3.0, ("z2", "B"): 7.0}
    assert within.attrs["measure"] == "travel time, minutes (from long.csv)"


def test_a_semicolon_matrix_with_decimal_commas_reads_its_minutes(tmp_path, named_zones, named_sites):
    path = tmp_path / "eu.csv"
    path.write_text("origin;destination;minutes\nz1;A;3\nz2;A;12,5\nz2;B;7,25\nz3;B;25\n")
    matrix = load_matrix(path, zones=named_zones, sites=named_sites)
    # 12,5 minutes, not 125: a comma is the decimal mark of a semicolon export
    assert as_dict(matrix) == {("z1", "A"): 3.0, ("z2", "A"): 12.5, ("z2", "B"): 7.25, ("z3", "B"): 25.0}


def test_a_site_named_by_a_name_several_holdings_share_is_refused(tmp_path, named_zones, named_sites):
    # a jobcentre and a fire station both called Altrincham: one's times must not become the other's
    shared = named_sites.assign(name=["Altrincham", "Altrincham"])
    path = tmp_path / "wide.csv"
    path.write_text("Zone,Altrincham\nnorth,9.4\n")
    with pytest.raises(TravelCostError, match="named by a name several holdings share") as caught:
        load_matrix(path, zones=named_zones, sites=shared)
    assert caught.value.problems["problem"].tolist() == ["'Altrincham' is the name of 2 holdings (A, B)"]


def test_a_matrix_of_seconds_is_not_read_as_minutes(tmp_path, named_zones, named_sites):
    path = tmp_path / "osrm.csv"
    path.write_text("origin,destination,duration\nz1,A,564\nz2,A,1200\nz2,B,840\nz3,B,1500\n")
    with pytest.raises(TravelCostError, match="Are the times in seconds"):
        load_matrix(path, zones=named_zones, sites=named_sites)


def test_a_long_matrix_may_name_its_sites_by_uprn(tmp_path, named_zones, named_sites):
    sites = named_sites.assign(uprn=["100012797623", "100012800714"])
    path = tmp_path / "by_uprn.csv"
    path.write_text("zone_id,uprn,minutes\nz1,100012797623,3\nz2,100012800714,7\n")
    assert as_dict(load_matrix(path, zones=named_zones, sites=sites)) == {("z1", "A"): 3.0, ("z2", "B"): 7.0}


def test_wide_matrix_by_names_and_postcodes(tmp_path, named_zones, named_sites):
    path = tmp_path / "wide.csv"
    path.write_text("Zone,M6  8HD,bl97td\nnorth,1,2\nMIDDLE,3,4\nSouth,5,6\n")
    matrix = load_matrix(path, zones=named_zones, sites=named_sites)
    assert as_dict(matrix) == {
        ("z1", "A"): 1.0,
        ("z1", "B"): 2.0,
        ("z2", "A"): 3.0,
        ("z2", "B"): 4.0,
        ("z3", "A"): 5.0,
        ("z3", "B"): 6.0,
    }


def test_lsoa_rows_apply_to_every_zone_in_the_lsoa(tmp_path, named_zones, named_sites):
    path = tmp_path / "lsoa.csv"
    path.write_text("LSOA,A,B\nL1,10,20\nL2,30,40\n")
    matrix = load_matrix(path, zones=named_zones, sites=named_sites)
    assert as_dict(matrix)[("z1", "A")] == 10.0
    assert as_dict(matrix)[("z2", "B")] == 20.0
    assert as_dict(matrix)[("z3", "A")] == 30.0


def test_real_wide_matrix_of_lsoa_names_and_postcodes():
    """The published stroke-unit matrix: LSOA 2011 names by three unit postcodes."""
    pwc = pd.read_csv(DATA / "lsoa11_pwc_gm.csv")
    zones = gpd.GeoDataFrame(
        {"zone_id": pwc["LSOA11CD"], "zone_name": pwc["LSOA11NM"]},
        geometry=gpd.points_from_xy(pwc["x"], pwc["y"]),
        crs=27700,
    )
    sites = gpd.GeoDataFrame(
        {
            "holding_id": ["fairfield", "salford", "stepping_hill"],
            "name": ["Fairfield General", "Salford Royal", "Stepping Hill"],
            "postcode": ["BL9 7TD", "M6 8HD", "SK2 7JE"],
        },
        geometry=gpd.points_from_xy([383181, 378637, 391316], [411570, 399030, 387445]),
        crs=27700,
    )
    matrix = load_matrix(STROKE, zones=zones, sites=sites)
    assert len(matrix) == 1673 * 3
    trafford_001a = matrix[matrix["zone_id"] == "E01006109"].set_index("holding_id")["cost"]
    assert trafford_001a.to_dict() == {"fairfield": 26.2, "salford": 13.3, "stepping_hill": 25.1}
    assert matrix["cost"].between(5, 60).all()
    assert matrix.attrs["measure"].endswith(f"(from {STROKE.name})")
    # Used as a cost table: only pairs within 20 minutes.
    within = zone_site_costs(zones, sites, max_cost=20, matrix=matrix)
    assert (within["cost"] <= 20).all() and 0 < len(within) < len(matrix)


def test_matrix_ids_matching_nothing_are_named(tmp_path, named_zones, named_sites):
    unknown = [f"Nowhere {i:02d}" for i in range(12)]
    rows = "\n".join(f"{name},1,2" for name in unknown)
    path = tmp_path / "extra.csv"
    path.write_text(f"zone,A,B\nNorth,1,2\n{rows}\n")
    with pytest.raises(TravelCostError) as err:
        load_matrix(path, zones=named_zones, sites=named_sites)
    message = str(err.value)
    assert "12 zones in the matrix match none of ours" in message
    assert "Nowhere 00 (column 'zone', row 3)" in message and "Nowhere 09 (column 'zone', row 12)" in message
    assert "and 2 more" in message
    assert len(err.value.problems) == 12
    assert err.value.problems["row"].tolist() == list(range(3, 15))
    kept = load_matrix(path, zones=named_zones, sites=named_sites, unmatched="drop")
    assert set(kept["zone_id"]) == {"z1"}
    assert kept.attrs["dropped_zones"] == unknown
    assert any("left out 12 zones" in note for note in kept.attrs["notes"])
    assert any("3 of 4 zones have no travel times" in note for note in kept.attrs["notes"])


def test_matrix_sites_matching_nothing_are_named(tmp_path, named_zones, named_sites):
    path = tmp_path / "sites.csv"
    path.write_text("zone,A,ZZ1 1ZZ\nNorth,1,2\n")
    with pytest.raises(TravelCostError, match="1 sites in the matrix match none of ours: ZZ1 1ZZ") as err:
        load_matrix(path, zones=named_zones, sites=named_sites)
    # a wide matrix's site is a column heading: that is where to look
    assert "ZZ1 1ZZ (a column heading)" in str(err.value)
    assert err.value.problems[["field", "problem"]].values.tolist() == [["column 'ZZ1 1ZZ'", "ZZ1 1ZZ matches no site"]]


def test_unmatched_ids_in_a_long_matrix_are_named_by_their_rows(tmp_path, named_zones, named_sites):
    # rows as a spreadsheet numbers them: a title in row 1, the header in row 2, the first pair in row 3
    far = "".join(f"Far 9,A,{minutes}\n" for minutes in range(40))  # an id on many rows: the first few, counted
    path = tmp_path / "long.csv"
    path.write_text(f"Travel times 2024\norigin,destination,minutes\nz1,A,3\nz9,A,4\nz2,B,5\nz9,B,6\n,A,2\n{far}")
    with pytest.raises(TravelCostError) as err:
        load_matrix(path, zones=named_zones, sites=named_sites)
    message = str(err.value)
    assert "3 zones in the matrix match none of ours" in message
    assert "z9 (column 'origin', rows 4 and 6)" in message
    assert "(blank) (column 'origin', row 7)" in message
    assert "Far 9 (column 'origin', on 40 rows: 8, 9, 10 and 37 more)" in message
    assert "--drop-unmatched" in message
    problems = err.value.problems
    assert problems["row"].tolist() == [4, 7, 8] and set(problems["field"]) == {"origin"}
    # the same for a site, and for what --drop-unmatched leaves out
    path.write_text("origin,destination,minutes\nz1,A,3\nz1,Nowhere,4\n")
    with pytest.raises(
        TravelCostError, match=r"1 sites in the matrix match none of ours: Nowhere \(column 'destination', row 3\)"
    ):
        load_matrix(path, zones=named_zones, sites=named_sites)
    kept = load_matrix(path, zones=named_zones, sites=named_sites, unmatched="drop")
    assert any(
        "left out 1 sites that match none of ours (Nowhere (column 'destination', row 3))" in note
        for note in kept.attrs["notes"]
    )


def test_a_matrix_too_large_is_refused_with_advice_one_file_can_follow(tmp_path, named_zones, named_sites):
    """--matrix takes one file: a matrix cannot be split into parts as a register can."""
    from estate.errors import InputFileError
    from estate.readers import MAX_FILE_BYTES, read_table

    path = tmp_path / "region.csv"
    with path.open("wb") as sparse:  # the size on disk, without writing 100 MB
        sparse.truncate(MAX_FILE_BYTES + 5 * 1024 * 1024)
    with pytest.raises(InputFileError) as err:
        load_matrix(path, zones=named_zones, sites=named_sites)
    message = str(err.value)
    assert message.startswith("'region.csv' is 105.0 MB, more than the 100.0 MB the planner reads from one file")
    assert "one file per partner" not in message and "upload the parts" not in message
    for advice in ("--matrix takes one", "zones and sites of this place", "long form", "threshold_minutes"):
        assert advice in message
    # a register may still be split: the place takes several files
    with pytest.raises(InputFileError, match=r"split it \(for example one file per partner or per area\)"):
        read_table(path)


def test_matrix_matching_nothing_at_all(tmp_path, named_zones, named_sites):
    path = tmp_path / "other.csv"
    path.write_text("zone,A\nElsewhere,1\nAnywhere,2\n")
    with pytest.raises(TravelCostError, match="none of the 2 zones in the matrix match ours"):
        load_matrix(path, zones=named_zones, sites=named_sites, unmatched="drop")


def test_negative_missing_and_non_numeric_times_are_named(tmp_path, named_zones, named_sites):
    path = tmp_path / "bad.csv"
    path.write_text("zone,A,B\nNorth,-4,2\nMiddle,,3\nSouth,5,n/a\nEast,1,fast\n")
    with pytest.raises(TravelCostError) as err:
        load_matrix(path, zones=named_zones, sites=named_sites)
    message = str(err.value)
    assert "4 problems" in message
    assert "row 5, East -> B: time not a number ('fast')" in message
    assert "row 2, North -> A: time negative ('-4')" in message
    assert "row 3, Middle -> A: time missing" in message
    assert "row 4, South -> B: time missing ('n/a')" in message
    assert "never read as zero" in message


def test_a_matrix_with_no_usable_time_is_refused(tmp_path, named_zones, named_sites):
    header = tmp_path / "header.csv"
    header.write_text("zone_id,site,minutes\n")
    with pytest.raises(TravelCostError, match="header.csv: the travel-time matrix gives no time"):
        load_matrix(header, zones=named_zones, sites=named_sites)
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("zone_id,site,minutes\nz1,Z,3\nz9,A,2\n")
    with pytest.raises(TravelCostError, match="gives no time for any of our zones and sites"):
        load_matrix(elsewhere, zones=named_zones, sites=named_sites, unmatched="drop")


def test_a_table_built_in_code_with_bad_costs_is_refused(named_zones, named_sites):
    table = pd.DataFrame({"zone_id": ["z1", "z2", "z3"], "holding_id": ["A", "A", "B"], "cost": [-5.0, None, 4.0]})
    with pytest.raises(TravelCostError) as err:
        zone_site_costs(named_zones, named_sites, max_cost=10, matrix=table, site_id="holding_id")
    message = str(err.value)
    assert "row 1, z1 -> A: cost -5" in message
    assert "row 2, z2 -> A: cost missing" in message
    assert "never read as zero" in message


def test_conflicting_times_for_one_pair_are_refused(tmp_path, named_zones, named_sites):
    path = tmp_path / "twice.csv"
    path.write_text("zone_id,site,minutes\nz1,A,3\nNorth,A,4\n")
    with pytest.raises(TravelCostError, match=r"z1 -> A \(3 and 4\)"):
        load_matrix(path, zones=named_zones, sites=named_sites)


def test_a_wide_matrix_keyed_by_lsoa_names_matches_the_sample_place(tmp_path):
    from estate.demand import load_demand
    from tests.conftest import SAMPLE

    demand = load_demand(SAMPLE / "demand_oa.csv")
    in_025d = demand[demand["lsoa_name"] == "Trafford 025D"]
    assert len(in_025d) > 1  # an LSOA holds several Output Areas
    sites = points(["A", "B"], [(0, 0), (6000, 8000)], id_column="holding_id")
    path = tmp_path / "by_lsoa_name.csv"
    path.write_text("LSOA name,A,B\nTrafford 025D,12,30\n")
    matrix = load_matrix(path, zones=demand, sites=sites, unmatched="drop")
    assert set(matrix["zone_id"]) == set(in_025d["zone_id"])
    assert set(matrix.loc[matrix["holding_id"] == "A", "cost"]) == {12.0}


def test_a_semicolon_matrix_reads_its_decimal_comma_minutes_beside_a_column_written_with_points(tmp_path):
    zones = gpd.GeoDataFrame(
        {"zone_id": [f"Z{i}" for i in range(3)], "population": 1}, geometry=[Point(i, 0) for i in range(3)], crs=27700
    )
    sites = gpd.GeoDataFrame({"holding_id": ["A"], "name": ["A"]}, geometry=[Point(0, 0)], crs=27700)
    path = tmp_path / "times.csv"
    path.write_text("zone;site;minutes;distance_km\nZ0;A;10;1.5\nZ1;A;9,5;1\nZ2;A;12;2\n")
    table = load_matrix(path, zones=zones, sites=sites).set_index("zone_id")["cost"]
    assert table.to_dict() == {"Z0": 10.0, "Z1": 9.5, "Z2": 12.0}  # not 95 minutes

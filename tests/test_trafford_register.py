"""The real Trafford Council register: every one of its 608 rows is accounted for."""

from __future__ import annotations

import pandas as pd
import pytest

from estate.load import PartnerFile, exclusion_reasons, load_file, outcome_counts, row_outcomes
from tests.conftest import SAMPLE

REGISTER = SAMPLE / "council_land_and_buildings.csv"


@pytest.fixture(scope="module")
def council(postcodes, boundary):
    return load_file(REGISTER, PartnerFile("Trafford Council", "council"), postcodes=postcodes, boundary=boundary)


@pytest.fixture(scope="module")
def raw_register():
    return pd.read_csv(REGISTER, dtype=str, keep_default_na=False)


def test_every_row_is_accounted_for(council, raw_register):
    rows = row_outcomes(council.report)
    assert len(raw_register) == 608
    assert sorted(rows["row"]) == list(range(2, 610))
    counts = outcome_counts(council.report)
    assert sum(counts.values()) == 608
    assert counts["excluded"] + len(council.holdings) == 608


def test_rows_with_a_full_postcode_are_geocoded(council, raw_register, postcodes):
    no_coords = raw_register[raw_register["GeoX"].eq("")]
    full = no_coords[no_coords["PostCode"].str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")]
    found = full[full["PostCode"].map(lambda p: postcodes.find(p) is not None)]
    by_postcode = council.report[council.report["problem"].str.startswith("located by postcode")]
    assert len(no_coords) == 235
    assert len(found) == 22
    assert set(by_postcode["row"]) == {i + 2 for i in found.index}
    located = council.holdings[council.holdings["source_row"].isin(by_postcode["row"])]
    assert (located["location_source"] == "derived").all()


def test_the_swapped_row_is_corrected(council):
    swapped = council.report[council.report["problem"].str.contains("latitude and longitude swapped")]
    assert len(swapped) == 1
    row = swapped.iloc[0]
    assert row["name"] == "Davyhulme Youth Centre"
    holding = council.holdings.set_index("holding_id").loc[row["holding_id"]]
    assert holding["in_boundary"]
    # Davyhulme lies at about 53.457 N, 2.366 W: easting ~375,900, northing ~395,300.
    assert holding.geometry.x == pytest.approx(375_900, abs=500)
    assert holding.geometry.y == pytest.approx(395_300, abs=500)


def test_every_exclusion_is_explained(council):
    excluded = exclusion_reasons(council.report)
    assert len(excluded) == 213
    # every line of an excluded row says so, its reason first (six rows have a lease warning too)
    lines = council.report[council.report["row"].isin(excluded["row"])]
    assert set(lines["outcome"]) == {"excluded"} and len(lines) == 219
    assert excluded["problem"].str.len().gt(0).all() and excluded["action"].str.len().gt(0).all()
    reasons = excluded["problem"].str.replace(r"'[^']*'", "'…'", regex=True).value_counts().to_dict()
    assert reasons == {
        "no coordinates and postcode '…' is only an outward code": 206,
        "no coordinates and postcode '…' is not in the postcode lookup": 3,
        "no coordinates and no postcode": 3,
        "no coordinates and postcode '…' is not a complete postcode": 1,
    }
    moss_view = excluded[excluded["name"] == "Moss View Centre"].iloc[0]
    assert moss_view["problem"] == "no coordinates and postcode 'M31' is only an outward code"
    assert moss_view["row"] == 5


def test_shared_uprns_in_the_register_are_reported(council):
    repeated = council.report[council.report["problem"].str.contains("is also on row")]
    assert repeated["row"].nunique() >= 40
    assert (repeated["outcome"] == "loaded with warnings").all()


def test_modelled_values_are_marked(council):
    h = council.holdings
    assert h["running_cost_gbp"].notna().all() and h["market_value_gbp"].notna().all()
    assert (h["running_cost_gbp_source"] == "modelled").all()
    supplied_gia = h["gia_m2_source"] == "supplied"
    assert supplied_gia.sum() > 100
    assert set(h.loc[~supplied_gia, "gia_m2_source"]) == {"modelled"}


def test_holdings_are_in_british_national_grid(council):
    assert council.holdings.crs.to_epsg() == 27700
    # Greater Manchester's extent in metres: every point was placed on the grid, none in degrees.
    assert council.holdings.geometry.x.between(350_000, 410_000).all()
    assert council.holdings.geometry.y.between(380_000, 420_000).all()
    outside = council.holdings[~council.holdings["in_boundary"]]
    assert len(outside) == 3

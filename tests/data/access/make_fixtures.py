"""Rebuild the access test fixtures from the raw public files.

Run from the project root::

    .venv/bin/python tests/data/access/make_fixtures.py --raw ../shared/data/trafford

The tests read only the files written here, so the suite runs from a clean clone.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).parent
SAMPLE_LSOAS = ["E01006074", "E01006075", "E01006076", "E01006077", "E01006078"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, required=True)
    raw = parser.parse_args().raw

    # Copied unchanged.
    for name in (
        "stroke_lsoa11_to_gm_stroke_units_travel_minutes.csv",
        "lsoa11_pwc_gm.csv",
        "gm_jobcentreplus.csv",
    ):
        shutil.copyfile(raw / name, HERE / name)

    # Trafford rows of the IMD 2019 file.
    iod = pd.read_csv(raw / "iod2019_gm_lsoa11.csv", dtype=str)
    iod[iod["lad19_name"] == "Trafford"].to_csv(HERE / "iod2019_trafford_lsoa11.csv", index=False)

    # A few LSOAs in the ONS mid-year-estimate layout (three rows per area) and their polygons.
    mye = pd.read_csv(raw / "mid-year_2024_population_estimates_lsoa.csv", dtype=str)
    mye[mye["area_code"].isin(SAMPLE_LSOAS)].to_csv(HERE / "ons_mye_lsoa_sample.csv", index=False)
    lsoa = json.loads((raw / "lsoa.geojson").read_text())
    lsoa["features"] = [f for f in lsoa["features"] if f["properties"]["area_code"] in SAMPLE_LSOAS]
    (HERE / "lsoa_sample.geojson").write_text(json.dumps(lsoa))

    # Output-area demand in the sample place's layout: Persons rows, the OA's representative
    # point (not population-weighted), its LSOA by point-in-polygon, and the LSOA's IMD decile.
    oa_pop = pd.read_csv(raw / "mid-year_2024_population_estimates_oa.csv", dtype={"area_code": str})
    oa_pop = oa_pop[oa_pop["sex"] == "Persons"]
    # oa.geojson repeats some features; dissolve so each output area appears once.
    oa = gpd.read_file(raw / "oa.geojson").dissolve("area_code", as_index=False)
    oa = oa.to_crs("EPSG:27700")
    oa["geometry"] = oa.geometry.representative_point()
    lsoas = gpd.read_file(raw / "lsoa.geojson").to_crs("EPSG:27700")[["area_code", "geometry"]]
    oa = gpd.sjoin(oa, lsoas.rename(columns={"area_code": "lsoa_id"}), predicate="within")
    demand = oa_pop.merge(oa[["area_code", "lsoa_id", "geometry"]], on="area_code", how="left")
    points = gpd.GeoSeries(demand["geometry"], crs=oa.crs)
    deciles = iod.set_index("lsoa11_code")["index_of_multiple_deprivation_imd_decile"]
    out = pd.DataFrame(
        {
            "zone_id": demand["area_code"],
            "zone_name": demand["area_name"],
            "lsoa_id": demand["lsoa_id"],
            "population": demand["all_ages"],
            "aged_0_15": demand["aged_0_to_15"],
            "aged_16_64": demand["aged_16_to_64"],
            "aged_65_plus": demand["aged_65_and_over"],
            "imd_decile": demand["lsoa_id"].map(deciles).astype(float).astype("Int64"),
            "x": points.x.round(1),
            "y": points.y.round(1),
        }
    )
    out.to_csv(HERE / "trafford_demand_oa.csv", index=False)
    print(f"{len(out)} output areas, {out['imd_decile'].isna().sum()} without an IMD decile")


if __name__ == "__main__":
    main()

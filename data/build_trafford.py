"""Rebuild the bundled sample place, Trafford, from the raw public files.

Usage::

    python data/build_trafford.py --raw PATH/TO/raw/trafford --out data/trafford

The raw folder holds the published files listed in ``data/README.md``. Registers are
copied unchanged (their defects are what the loader is tested on); the other files
are cut to Trafford and reshaped as a partner would send them. Each step says why.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd

TRAFFORD = "E08000009"
BNG = "EPSG:27700"


def _csv(raw: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(raw / name, dtype=str, keep_default_na=False)


def build(raw: Path, out: Path) -> None:
    """Write every file of the sample place into ``out``."""
    out.mkdir(parents=True, exist_ok=True)

    # The council's statutory register, unchanged: 608 rows with their real defects.
    shutil.copyfile(raw / "trafford_land_and_building_assets.csv", out / "council_land_and_buildings.csv")
    shutil.copyfile(raw / "local_authority_district.geojson", out / "boundary.geojson")
    # The postcode directory extract (GM), only the columns the lookup reads.
    _csv(raw, "nspd_2025_postcodes_gm.csv")[["pcd", "oseast1m", "osnrth1m"]].to_csv(out / "postcodes.csv", index=False)

    boundary = gpd.read_file(raw / "local_authority_district.geojson").to_crs(BNG).union_all()

    # GP practices with their registered patients (NHS), joined on name and postcode.
    gps = _csv(raw, "trafford_general_practices.csv")
    regs = _csv(raw, "trafford_gp_patient_registrations.csv")
    gps = gps.merge(
        regs[["practice_code", "practice_name", "practice_postcode", "registered_patients"]],
        left_on=["name", "postcode"],
        right_on=["practice_name", "practice_postcode"],
        how="left",
    ).drop(columns=["practice_name", "practice_postcode", "telephone"])
    gps.to_csv(out / "nhs_gp_practices.csv", index=False)

    # NHS hospital sites: outlines dissolved to one polygon per site; the Priory is a
    # private hospital, not public estate, so it is left out.
    hospitals = gpd.read_file(raw / "gm_hospitals.geojson")
    hospitals = hospitals[(hospitals["area_code"] == TRAFFORD) & ~hospitals["DISTNAME"].str.contains("Priory")]
    hospitals = hospitals.dissolve(by="DISTNAME", as_index=False)[["DISTNAME", "geometry"]]
    hospitals = hospitals.rename(columns={"DISTNAME": "name"})
    hospitals.to_file(out / "nhs_hospitals.geojson", driver="GeoJSON")

    for source, target in (
        ("gm_jobcentreplus.csv", "dwp_jobcentres.csv"),
        ("gm_probation_offices.csv", "probation_offices.csv"),
    ):
        table = _csv(raw, source)
        table[table["area_code"] == TRAFFORD].to_csv(out / target, index=False)

    # Fire stations: the Home Office list (OSGB points) cut to the borough.
    fire = _csv(raw, "homeoffice_fire_stations_gm.csv")
    points = gpd.points_from_xy(fire["STATION_EASTING"].astype(float), fire["STATION_NORTHING"].astype(float), crs=BNG)
    fire[points.within(boundary.buffer(250))].to_csv(out / "fire_stations.csv", index=False)

    # Service points: lists of where the public gets a service, matched to holdings.
    shutil.copyfile(raw / "trafford_libraries.csv", out / "service_points_libraries.csv")
    shutil.copyfile(raw / "trafford_childrens_centres.csv", out / "service_points_childrens_centres.csv")
    shutil.copyfile(raw / "trafford_community_hubs.csv", out / "community_hubs.csv")

    _demand(raw, out)


def _demand(raw: Path, out: Path) -> None:
    """Output Areas with 2024 population by age band, a point, LSOA and IMD decile."""
    # The published outline file repeats some areas' features; one outline per code.
    oa = gpd.read_file(raw / "oa.geojson").to_crs(BNG).dissolve(by="area_code", as_index=False)
    pop = _csv(raw, "mid-year_2024_population_estimates_oa.csv")
    pop = pop[pop["sex"] == "Persons"][["area_code", "all_ages", "aged_0_to_15", "aged_16_to_64", "aged_65_and_over"]]
    zones = oa.merge(pop, on="area_code", how="left", validate="one_to_one")
    missing = zones["all_ages"].isna().sum()
    if missing:
        raise SystemExit(f"{missing} Output Areas have no population row")
    # The OA's representative point: inside the area, but not population-weighted.
    points = zones.geometry.representative_point()
    lsoa = gpd.read_file(raw / "lsoa.geojson").to_crs(BNG)[["area_code", "area_name", "geometry"]]
    joined = gpd.sjoin(
        gpd.GeoDataFrame(zones[["area_code"]], geometry=points, crs=BNG), lsoa, predicate="within", how="left"
    )
    joined = joined[~joined.index.duplicated()]
    # IMD 2019 is published for 2011 LSOAs; most 2021 codes are unchanged. Where a code
    # changed, the 2011 LSOA whose population-weighted centroid is nearest is used.
    imd = _csv(raw, "iod2019_gm_lsoa11.csv")[["lsoa11_code", "index_of_multiple_deprivation_imd_decile"]]
    imd_by_code = dict(zip(imd["lsoa11_code"], imd["index_of_multiple_deprivation_imd_decile"], strict=True))
    pwc = _csv(raw, "lsoa11_pwc_gm.csv")
    pwc = gpd.GeoDataFrame(pwc, geometry=gpd.points_from_xy(pwc["x"].astype(float), pwc["y"].astype(float)), crs=BNG)
    nearest = gpd.sjoin_nearest(gpd.GeoDataFrame(geometry=points, crs=BNG), pwc[["LSOA11CD", "geometry"]], how="left")
    nearest = nearest[~nearest.index.duplicated()]
    lsoa_code = joined["area_code_right"]
    imd_decile = [
        imd_by_code.get(code) or imd_by_code.get(fallback)
        for code, fallback in zip(lsoa_code, nearest["LSOA11CD"], strict=True)
    ]
    demand = pd.DataFrame(
        {
            "zone_id": zones["area_code"],
            "zone_name": zones["area_code"],
            "lsoa_id": lsoa_code.to_numpy(),
            "lsoa_name": joined["area_name"].to_numpy(),
            "population": zones["all_ages"].astype(int),
            "aged_0_15": zones["aged_0_to_15"].astype(int),
            "aged_16_64": zones["aged_16_to_64"].astype(int),
            "aged_65_plus": zones["aged_65_and_over"].astype(int),
            "imd_decile": pd.Series(imd_decile).astype(float).astype("Int64"),
            "x": points.x.round(1),
            "y": points.y.round(1),
        }
    )
    demand.to_csv(out / "demand_oa.csv", index=False)
    zones[["area_code", "geometry"]].rename(columns={"area_code": "zone_id"}).to_crs("EPSG:4326").to_file(
        out / "zones.geojson", driver="GeoJSON", COORDINATE_PRECISION=6
    )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True, help="folder of the raw public files")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "trafford")
    args = parser.parse_args()
    build(args.raw, args.out)
    print(f"sample place written to {args.out}")


if __name__ == "__main__":
    main()

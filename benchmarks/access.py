"""Benchmark: the sparse zone-site cost table at England scale, and an access report on it.

    .venv/bin/python benchmarks/access.py [--quick]

Synthetic, seeded inputs: 35,000 zones (about England's number of LSOAs) and 20,000 sites
in a 500 km x 600 km box in EPSG:27700, clustered around towns of varied size with a
rural scatter. Builds every zone-site pair within 10 km straight line, then scores an
access report for nine services. Prints the time and the process's peak memory, and a
final ``RESULT`` line. Targets: under 30 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from estate.access import access_report  # noqa: E402
from estate.schema import CRS  # noqa: E402
from estate.services import SERVICES, load_standards  # noqa: E402
from estate.travel import zone_site_costs  # noqa: E402

SEED = 20_240_601
BOX = (100_000.0, 50_000.0, 600_000.0, 650_000.0)  # xmin, ymin, xmax, ymax (metres)
TOWNS = 600
MAX_KM = 10.0
TARGET_S = 30.0
TARGET_MB = 2048.0


def _clustered(
    rng: np.random.Generator, n: int, towns: np.ndarray, weight: np.ndarray, rural_share: float
) -> np.ndarray:
    """Points around towns (spread growing with town size) plus a uniform rural share."""
    xmin, ymin, xmax, ymax = BOX
    rural = int(n * rural_share)
    town = rng.choice(len(towns), size=n - rural, p=weight / weight.sum())
    spread = 1_500.0 + 6_000.0 * np.sqrt(weight[town] / weight.max())
    urban = towns[town] + rng.normal(size=(n - rural, 2)) * spread[:, None]
    scatter = np.column_stack([rng.uniform(xmin, xmax, rural), rng.uniform(ymin, ymax, rural)])
    points = np.vstack([urban, scatter])
    points[:, 0] = points[:, 0].clip(xmin, xmax)
    points[:, 1] = points[:, 1].clip(ymin, ymax)
    return points


def synthetic(n_zones: int, n_sites: int) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Seeded zones (with population) and sites (with services)."""
    rng = np.random.default_rng(SEED)
    xmin, ymin, xmax, ymax = BOX
    towns = np.column_stack([rng.uniform(xmin, xmax, TOWNS), rng.uniform(ymin, ymax, TOWNS)])
    weight = rng.lognormal(mean=0.0, sigma=1.2, size=TOWNS)
    zone_xy = _clustered(rng, n_zones, towns, weight, rural_share=0.15)
    site_xy = _clustered(rng, n_sites, towns, weight, rural_share=0.25)
    population = rng.integers(1_000, 3_000, n_zones).astype(float)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"Z{i:06d}" for i in range(n_zones)],
            "population": population,
            "aged_0_15": np.round(population * 0.19),
            "aged_16_64": np.round(population * 0.62),
            "aged_65_plus": np.round(population * 0.19),
            "imd_decile": pd.array(rng.integers(1, 11, n_zones), dtype="Int64"),
        },
        geometry=gpd.points_from_xy(zone_xy[:, 0], zone_xy[:, 1]),
        crs=CRS,
    )
    offered = rng.choice(np.array(SERVICES, dtype=object), size=n_sites)
    sites = gpd.GeoDataFrame(
        {
            "holding_id": [f"H{i:06d}" for i in range(n_sites)],
            "name": [f"Site {i}" for i in range(n_sites)],
            "services": offered,
        },
        geometry=gpd.points_from_xy(site_xy[:, 0], site_xy[:, 1]),
        crs=CRS,
    )
    return zones, sites


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the size")
    args = parser.parse_args()
    n_zones, n_sites = (3_500, 2_000) if args.quick else (35_000, 20_000)

    start = time.perf_counter()
    zones, sites = synthetic(n_zones, n_sites)
    setup_s = time.perf_counter() - start
    print(
        f"inputs: {n_zones:,} zones x {n_sites:,} sites, built in {setup_s:.1f} s "
        f"(process peak so far {_rss_mb():.0f} MB)"
    )

    start = time.perf_counter()
    costs = zone_site_costs(zones, sites, max_cost=MAX_KM)
    matrix_s = time.perf_counter() - start
    pairs = len(costs)
    table_mb = costs.memory_usage(deep=True).sum() / 2**20
    print(
        f"sparse cost table: {pairs:,} pairs within {MAX_KM:g} km "
        f"({pairs / n_zones:.0f} sites per zone on average, {table_mb:.0f} MB) "
        f"in {matrix_s:.2f} s"
    )
    dense_mb = n_zones * n_sites * 8 / 2**20
    print(f"  (a dense float64 zones x sites array would need {dense_mb:,.0f} MB)")

    start = time.perf_counter()
    report = access_report(zones, sites, load_standards(), costs=costs)
    report_s = time.perf_counter() - start
    print(f"access report for {len(report.by_service)} services using the table: {report_s:.2f} s")
    start = time.perf_counter()
    access_report(zones, sites, load_standards())
    direct_s = time.perf_counter() - start
    print(f"access report by nearest-provider queries: {direct_s:.2f} s")

    seconds = matrix_s
    peak_mb = _rss_mb()
    print(f"peak memory (process maximum resident set): {peak_mb:.0f} MB")
    ok = seconds < TARGET_S and peak_mb < TARGET_MB
    print("within targets" if ok else "OUTSIDE TARGETS")
    print(
        f"RESULT case=access zones={n_zones} sites={n_sites} pairs={pairs} "
        f"seconds={seconds:.2f} peak_mb={peak_mb:.0f} target_s={TARGET_S:g} "
        f"target_mb={TARGET_MB:g}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Write a seeded synthetic place folder: many partners' holdings, zones, a boundary.

Used by the browser benchmark to load the pages with county-scale data. Holdings are
clustered round towns like a real estate; zones are Voronoi cells of seeded points,
clipped to the boundary. Every value is synthetic and says so in its name.

    python benchmarks/synthetic_place.py OUT_DIR [--holdings 5000] [--zones 1700] [--seed 7]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

PARTNERS = (
    ("Synthetic County Council", "council", "office"),
    ("Synthetic District Council A", "council", "community_centre"),
    ("Synthetic District Council B", "council", "library"),
    ("Synthetic NHS Trust", "nhs", "clinic"),
    ("Synthetic GP practices", "nhs", "gp_surgery"),
    ("Synthetic Police", "police", "office"),
    ("Synthetic Fire and Rescue", "fire", "fire_station"),
    ("Synthetic DWP", "dwp", "jobcentre"),
    ("Synthetic Probation", "probation", "probation_office"),
    ("Synthetic Voluntary Sector", "other", "community_centre"),
)
SERVICE_OF = {
    "library": "library",
    "gp_surgery": "gp",
    "jobcentre": "jobcentre",
    "fire_station": "fire",
    "probation_office": "probation",
}


def write_place(out: Path, *, holdings: int = 5000, zones: int = 1700, seed: int = 7) -> Path:
    """Write the place folder and return it."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    west, south, size = 350_000.0, 380_000.0, 40_000.0
    outline = box(west, south, west + size, south + size)
    towns = rng.uniform([west + 3000, south + 3000], [west + size - 3000, south + size - 3000], size=(25, 2))

    def clustered(n: int) -> np.ndarray:
        centre = towns[rng.integers(0, len(towns), n)]
        points = centre + rng.normal(0, 2500, size=(n, 2))
        return np.clip(points, [west + 50, south + 50], [west + size - 50, south + size - 50])

    per_partner = np.full(len(PARTNERS), holdings // len(PARTNERS))
    per_partner[: holdings - per_partner.sum()] += 1
    manifest = [
        'name = "Synthetic county"',
        'boundary = "boundary.geojson"',
        "",
        "[demand]",
        'file = "demand.csv"',
        'zones = "zones.geojson"',
        'points = "synthetic zone points"',
        "",
    ]
    for (partner, kind, use_class), n in zip(PARTNERS, per_partner, strict=True):
        xy = clustered(int(n))
        slug = partner.lower().replace(" ", "_")
        table = pd.DataFrame(
            {
                "Property Reference": [f"{slug[:12]}-{i:05d}" for i in range(n)],
                "Site Name": [f"{partner} site {i + 1}" for i in range(n)],
                "Easting": xy[:, 0].round(1),
                "Northing": xy[:, 1].round(1),
                "Tenure": rng.choice(["Freehold", "Leasehold"], n, p=[0.8, 0.2]),
                "Lease Expiry": [f"{rng.integers(2027, 2040)}-03-31" for _ in range(n)],
                "GIA": rng.lognormal(6.3, 0.7, n).round(0),
            }
        )
        table.to_csv(out / f"{slug}.csv", index=False)
        service = SERVICE_OF.get(use_class, "")
        manifest += [
            "[[partners]]",
            f'name = "{partner}"',
            f'type = "{kind}"',
            "[[partners.files]]",
            f'path = "{slug}.csv"',
            f'defaults = {{ use_class = "{use_class}", services = "{service}", occupied = true }}',
            "",
        ]
    (out / "place.toml").write_text("\n".join(manifest), encoding="utf-8")

    points = clustered(zones)
    population = rng.integers(150, 450, zones)
    pd.DataFrame(
        {
            "zone_id": [f"Z{i:05d}" for i in range(zones)],
            "population": population,
            "aged_16_64": (population * 0.62).round(0).astype(int),
            "aged_65_plus": (population * 0.18).round(0).astype(int),
            "aged_0_15": (population * 0.2).round(0).astype(int),
            "imd_decile": rng.integers(1, 11, zones),
            "x": points[:, 0].round(1),
            "y": points[:, 1].round(1),
        }
    ).to_csv(out / "demand.csv", index=False)
    cells = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline)
    cells = gpd.GeoSeries(list(cells.geoms), crs="EPSG:27700").intersection(outline)
    located = gpd.GeoDataFrame(geometry=gpd.points_from_xy(points[:, 0], points[:, 1]), crs="EPSG:27700")
    owner = gpd.sjoin(located, gpd.GeoDataFrame(geometry=cells, crs="EPSG:27700"), predicate="within", how="left")
    owner = owner[~owner.index.duplicated()]
    zones_frame = gpd.GeoDataFrame(
        {"zone_id": [f"Z{i:05d}" for i in range(zones)]},
        geometry=cells.iloc[owner["index_right"].fillna(0).astype(int).to_numpy()].to_numpy(),
        crs="EPSG:27700",
    )
    zones_frame.to_crs("EPSG:4326").to_file(out / "zones.geojson", driver="GeoJSON")
    gpd.GeoDataFrame(geometry=[outline], crs="EPSG:27700").to_crs("EPSG:4326").to_file(
        out / "boundary.geojson", driver="GeoJSON"
    )
    return out


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--holdings", type=int, default=5000)
    parser.add_argument("--zones", type=int, default=1700)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(write_place(args.out, holdings=args.holdings, zones=args.zones, seed=args.seed))


if __name__ == "__main__":
    main()

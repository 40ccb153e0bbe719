"""Small hand-built estates and seeded synthetic ones, in the canonical schema.

Used by the tests (estates of three to six holdings whose optimum can be worked out by
hand) and by the benchmarks (a county-sized estate; a capacitated p-median written as an
estate). Every frame is in EPSG:27700 with the full holding and team schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from estate.schema import CRS, HOLDING_DTYPES, TEAM_DTYPES
from optimiser.inputs import AccessInputs
from optimiser.scenario import Scenario

_HOLDING_DEFAULTS: dict[str, Any] = {
    "partner": "Council",
    "partner_type": "council",
    "use_class": "office",
    "tenure": "freehold",
    "running_cost_gbp": 0.0,
    "market_value_gbp": 0.0,
    "backlog_gbp": 0.0,
    "tco2e": 0.0,
    "gia_m2": 0.0,
    "workstations": 0.0,
    "can_host": True,
    "locked_retain": False,
    "locked_dispose": False,
    "in_boundary": True,
}


def estate(
    holdings: Sequence[dict[str, Any]], teams: Sequence[dict[str, Any]] = ()
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Build holdings and teams from short dicts.

    Each holding dict needs ``holding_id`` and ``x``, ``y`` in metres (or ``x=None`` for no
    location); anything else defaults to a freehold council office that can host, with no
    costs. Each team dict needs ``team_id``, ``holding_id`` and ``fte``; ``partner``
    defaults to its holding's partner and ``service`` to ``"office"``.
    """
    rows = []
    geometry = []
    for spec in holdings:
        row = {**_HOLDING_DEFAULTS, **{k: v for k, v in spec.items() if k not in ("x", "y")}}
        row.setdefault("name", f"Holding {spec['holding_id']}")
        row.setdefault("uprn", f"U{spec['holding_id']}")
        row.setdefault("address", f"{row['name']}, Testtown")
        rows.append(row)
        x, y = spec.get("x"), spec.get("y")
        geometry.append(Point(x, y) if x is not None and y is not None else None)
    frame = pd.DataFrame(rows)
    for column, dtype in HOLDING_DTYPES.items():
        frame[column] = _typed(frame[column] if column in frame.columns else pd.Series([None] * len(frame)), dtype)
    held = gpd.GeoDataFrame(frame[list(HOLDING_DTYPES)], geometry=geometry, crs=CRS)
    partner_of = dict(zip(held["holding_id"], held["partner"], strict=True))
    team_rows = []
    for spec in teams:
        row = {
            "partner": partner_of.get(spec["holding_id"], "Council"),
            "service": "office",
            "fte_source": "supplied",
            **spec,
        }
        row.setdefault("space_m2", float(row["fte"]) * 6.0 if row.get("fte") is not None else None)
        team_rows.append(row)
    team_frame = pd.DataFrame(team_rows, columns=list(TEAM_DTYPES))
    for column, dtype in TEAM_DTYPES.items():
        team_frame[column] = _typed(team_frame[column], dtype)
    return held, team_frame


def _typed(values: pd.Series, dtype: str) -> pd.Series:
    values = values.astype(object).where(values.notna(), None)
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if dtype.startswith("datetime64"):
        return pd.to_datetime(values, errors="coerce").astype(dtype)
    return values.astype(dtype)


def zones(points: Sequence[tuple[str, float, float, float]], **weights: Sequence[float]) -> gpd.GeoDataFrame:
    """Zones from ``(zone_id, x, y, population)`` with extra weight columns if given."""
    frame = pd.DataFrame(
        {
            "zone_id": [p[0] for p in points],
            "population": [float(p[3]) for p in points],
            **{k: list(v) for k, v in weights.items()},
        }
    )
    return gpd.GeoDataFrame(frame, geometry=[Point(p[1], p[2]) for p in points], crs=CRS)


def straight_line_costs(zone_frame: gpd.GeoDataFrame, holdings: gpd.GeoDataFrame, max_km: float) -> pd.DataFrame:
    """Zone -> holding straight-line km up to ``max_km`` (the access module's long format)."""
    zx = zone_frame.geometry.x.to_numpy()
    zy = zone_frame.geometry.y.to_numpy()
    located = holdings[holdings.geometry.notna()]
    hx = located.geometry.x.to_numpy()
    hy = located.geometry.y.to_numpy()
    km = np.hypot(zx[:, None] - hx[None, :], zy[:, None] - hy[None, :]) / 1000.0
    zi, hi = np.nonzero(km <= max_km)
    table = pd.DataFrame(
        {
            "zone_id": zone_frame["zone_id"].to_numpy()[zi],
            "holding_id": located["holding_id"].astype(str).to_numpy()[hi],
            "cost": km[zi, hi],
        }
    )
    table.attrs = {"measure": "straight-line km (circuity 1.0)", "unit": "km", "max_cost": max_km, "circuity": 1.0}
    return table


def standards(rows: Sequence[tuple[str, float, float]], population: str = "population") -> pd.DataFrame:
    """Access standards from ``(service, threshold_km, share)``."""
    return pd.DataFrame(
        {
            "service": [r[0] for r in rows],
            "label": [r[0].replace("_", " ").capitalize() for r in rows],
            "threshold": [float(r[1]) for r in rows],
            "unit": "km",
            "threshold_minutes": np.nan,
            "share": [float(r[2]) for r in rows],
            "population": population,
            "source": "test",
        }
    )


# --- seeded synthetic instances for the benchmarks ------------------------------------------------


def pmedian_instance(
    n_demand: int, n_sites: int, p: int, *, seed: int = 0, capacity_factor: float = 1.5, extent_m: float = 10_000.0
) -> dict[str, Any]:
    """A capacitated p-median instance: points, integer weights, equal capacities.

    Demand points and candidate sites are uniform in a square; weights are integers 1-99;
    each site's capacity is ``capacity_factor`` x the average need per facility (total
    weight / p), rounded up.
    """
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, extent_m, (n_demand, 2))
    sites = rng.uniform(0, extent_m, (n_sites, 2))
    weights = rng.integers(1, 100, n_demand)
    capacity = float(np.ceil(capacity_factor * weights.sum() / p))
    cost = np.hypot(demand[:, None, 0] - sites[None, :, 0], demand[:, None, 1] - sites[None, :, 1]) / 1000.0
    return {"demand": demand, "sites": sites, "weights": weights, "capacity": capacity, "cost_km": cost, "p": p}


def pmedian_estate(instance: dict[str, Any]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The p-median instance as an estate.

    Each demand group is a team (FTE = its weight) in a holding locked for disposal that
    cannot host; each candidate site is an empty office hub with room for ``capacity``
    FTE (workstations = capacity at a desk ratio of 1). Least travel with ``p`` hubs is
    then exactly the capacitated p-median with single-source assignment.
    """
    demand, sites = instance["demand"], instance["sites"]
    holdings = [
        {
            "holding_id": f"D{i:05d}",
            "x": float(x),
            "y": float(y),
            "can_host": False,
            "locked_dispose": True,
            "use_class": "other",
        }
        for i, (x, y) in enumerate(demand)
    ]
    holdings += [
        {"holding_id": f"S{j:04d}", "x": float(x), "y": float(y), "workstations": instance["capacity"], "gia_m2": 0.0}
        for j, (x, y) in enumerate(sites)
    ]
    teams = [
        {"team_id": f"T{i:05d}", "holding_id": f"D{i:05d}", "fte": float(w)} for i, w in enumerate(instance["weights"])
    ]
    return estate(holdings, teams)


def county(
    n_holdings: int = 2000,
    n_zones: int = 1500,
    n_services: int = 5,
    n_partners: int = 10,
    *,
    seed: int = 0,
    extent_m: float = 60_000.0,
) -> dict[str, Any]:
    """A seeded county-scale multi-partner estate with zones and access standards.

    The mix of holdings follows the bundled Trafford register: about a third bare land,
    schools and fire stations locked to be kept, community centres, offices, clinics,
    libraries, depots, a few customer-access points, jobcentres and police stations.
    Holdings cluster around a dozen towns; a tenth of buildings are leasehold with a
    break; about a quarter of holdings house a team (FTE from the workstations, as the
    loader models them); a team in a service building delivers that service.
    """
    rng = np.random.default_rng(seed)
    partner_names = [
        ("County Council", "council"),
        ("District Council North", "council"),
        ("District Council South", "council"),
        ("NHS Integrated Care Board", "nhs"),
        ("NHS Community Trust", "nhs"),
        ("Police", "police"),
        ("Fire and Rescue", "fire"),
        ("DWP Jobcentre Plus", "dwp"),
        ("Probation Service", "probation"),
        ("Voluntary sector", "other"),
    ][:n_partners]
    by_type: dict[str, list[str]] = {}
    for name, kind in partner_names:
        by_type.setdefault(kind, []).append(name)
    all_services = ["library", "gp", "customer_access", "jobcentre", "community_hub", "police_front_counter"]
    services = all_services[:n_services]
    # use class: (share, partner type, m2 range, host, team share, service, locked)
    mix = {
        "land": (0.30, "council", (0, 0), False, 0.0, None, False),
        "school": (0.12, "council", (1500, 6000), False, 0.0, None, True),
        "community_centre": (0.13, "council", (200, 900), True, 0.5, "community_hub", False),
        "other": (0.07, "council", (100, 800), False, 0.3, None, False),
        "leisure": (0.06, "council", (800, 4000), False, 0.3, None, False),
        "office": (0.07, "council", (800, 8000), True, 0.9, None, False),
        "clinic": (0.07, "nhs", (300, 1500), True, 1.0, "gp", False),
        "depot": (0.04, "council", (500, 3000), False, 0.5, None, False),
        "library": (0.04, "council", (300, 1500), True, 0.8, "library", False),
        "customer_access": (0.02, "council", (400, 1200), True, 1.0, "customer_access", False),
        "fire_station": (0.03, "fire", (400, 1200), False, 1.0, None, True),
        "police_station": (0.02, "police", (600, 3000), False, 1.0, "police_front_counter", False),
        "jobcentre": (0.02, "dwp", (500, 1500), True, 1.0, "jobcentre", False),
        "probation_office": (0.01, "probation", (300, 900), True, 1.0, None, False),
    }
    names = list(mix)
    shares = np.array([mix[n][0] for n in names])
    towns = rng.uniform(0.1 * extent_m, 0.9 * extent_m, (12, 2))
    town_size = rng.uniform(0.5, 2.0, len(towns))
    town_of = rng.choice(len(towns), n_holdings, p=town_size / town_size.sum())
    xy = towns[town_of] + rng.normal(0, 2_500, (n_holdings, 2))
    start = pd.Timestamp("2025-04-01")
    rows, teams = [], []
    for i in range(n_holdings):
        use = names[rng.choice(len(names), p=shares / shares.sum())]
        _, kind, (low, high), host, team_share, service, locked = mix[use]
        partners = by_type.get(kind) or by_type.get("council") or [partner_names[0][0]]
        if use in ("community_centre", "other") and "other" in by_type and rng.random() < 0.2:
            partners = by_type["other"]
        partner = partners[rng.integers(0, len(partners))]
        gia = float(rng.uniform(low, high)) if high else 0.0
        lease = gia > 0 and rng.random() < 0.1
        office_share = 1.0 if use == "office" else 0.3
        workstations = round(gia * 0.8 * office_share / 6.0)
        row = {
            "holding_id": f"H{i:05d}",
            "x": float(xy[i, 0]),
            "y": float(xy[i, 1]),
            "partner": partner,
            "partner_type": dict(partner_names)[partner],
            "use_class": use,
            "tenure": "leasehold" if lease else "freehold",
            "gia_m2": gia,
            "workstations": workstations,
            "running_cost_gbp": gia * float(rng.uniform(150, 560)) if gia else float(rng.uniform(500, 5000)),
            "market_value_gbp": 0.0
            if lease
            else (gia * float(rng.uniform(400, 2000)) if gia else float(rng.uniform(2e4, 5e5))),
            "backlog_gbp": gia * float(rng.uniform(0, 100)),
            "tco2e": gia * 0.03,
            "can_host": host,
            "locked_retain": locked,
            "services": service if service in services else None,
        }
        if lease:
            row["lease_break"] = start + pd.Timedelta(days=int(rng.integers(200, 3000)))
            row["lease_expiry"] = start + pd.Timedelta(days=int(rng.integers(3000, 6000)))
        rows.append(row)
        if workstations > 0 and rng.random() < team_share:
            teams.append(
                {
                    "team_id": f"T{i:05d}",
                    "holding_id": row["holding_id"],
                    "partner": partner,
                    "service": row["services"] or use,
                    "fte": round(workstations * 0.8 * float(rng.uniform(0.5, 0.95)), 1),
                }
            )
    holdings, team_frame = estate(rows, teams)
    zxy = towns[rng.choice(len(towns), n_zones, p=town_size / town_size.sum())] + rng.normal(0, 3_500, (n_zones, 2))
    zone_frame = zones(
        [(f"Z{k:05d}", float(x), float(y), float(rng.integers(100, 600))) for k, (x, y) in enumerate(zxy)],
        aged_16_64=list(rng.integers(60, 400, n_zones).astype(float)),
    )
    thresholds = {
        "library": 3.0,
        "gp": 2.0,
        "customer_access": 8.0,
        "jobcentre": 10.0,
        "community_hub": 3.0,
        "police_front_counter": 10.0,
    }
    standard = standards([(s, thresholds[s], 0.9) for s in services])
    return {
        "holdings": holdings,
        "teams": team_frame,
        "zones": zone_frame,
        "standards": standard,
        "start": start.date(),
    }


def county_benchmark(
    n_holdings: int = 2000, n_zones: int = 1500, time_limit_s: float = 60.0
) -> tuple[dict[str, Any], AccessInputs, Scenario]:
    """The county benchmark's case: its estate (:func:`county`, seed 0), access inputs and scenario.

    Five services and ten partners; access by straight-line km (to 10 km); teams may move
    5 km; a 0.5 % gap. Returns ``(instance, access, scenario)``. ``benchmarks/optimiser.py``
    times it, and a test replays one of its areas.
    """
    instance = county(n_holdings=n_holdings, n_zones=n_zones, n_services=5, n_partners=10, seed=0)
    costs = straight_line_costs(instance["zones"], instance["holdings"], 10.0)
    access = AccessInputs(instance["zones"], costs, instance["standards"], measure="straight-line km")
    scenario = Scenario(start_date=instance["start"], relocation_limit_km=5.0, mip_gap=0.005, time_limit_s=time_limit_s)
    return instance, access, scenario

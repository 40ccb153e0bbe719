"""An independent check of a plan against the rules, before anyone sees it.

This module shares no code with the model: it re-reads the holdings, teams, scenario and
access tables itself and recomputes, from the plan's decisions and assignments alone,

- that every holding has one decision and every team one home, in a kept holding;
- the locks (the registers' and the scenario's);
- capacity (its own formula: workstations / desk ratio, else floor area / space standard,
  never less than the staff a holding houses today);
- that hosts can host, and the partner type x use class compatibility table;
- the relocation limit (its own straight-line distances between holdings' points);
- the budget (its own one-off costs: moves, fit-out, lease fees, dilapidations, running
  costs after exit);
- the number of hubs (``max_hubs``, ``p``);
- lease timing (a break or expiry exit on the lease's own date, every exit within the
  horizon);
- the access standards (its own distances from zone points to the plan's providers,
  straight line times the circuity of the cost table; with a travel-time table, the
  table's times).

:func:`check_plan` returns the violations as a table; :func:`verify_plan` raises
:class:`optimiser.errors.PlanViolation` if there is any.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from estate.schema import services_of
from optimiser.errors import VIOLATION_COLUMNS, PlanViolation

_TOL = 1e-6
_COMPATIBILITY = Path(__file__).resolve().parent.parent / "data" / "compatibility.csv"


def verify_plan(plan: Any, holdings: pd.DataFrame, teams: pd.DataFrame, scenario: Any, **kwargs: Any) -> None:
    """Raise :class:`PlanViolation` if :func:`check_plan` finds anything."""
    violations = check_plan(plan, holdings, teams, scenario, **kwargs)
    if len(violations):
        raise PlanViolation(violations)


def check_plan(
    plan: Any,
    holdings: pd.DataFrame,
    teams: pd.DataFrame,
    scenario: Any,
    *,
    access: Any = None,
    compatibility: pd.DataFrame | str | Path | None = None,
) -> pd.DataFrame:
    """Every rule the plan breaks, recomputed from the raw inputs.

    Parameters
    ----------
    plan
        A :class:`optimiser.plan.Plan` (its ``decisions``, ``assignments`` and
        ``disposals`` are read).
    holdings, teams
        The inputs the plan was made from.
    scenario
        The scenario it was made for.
    access
        The access inputs (zones, costs, standards), if the plan was held to standards.
    compatibility
        The partner type x use class table (a DataFrame or CSV path); by default the
        scenario's, or the bundled one.

    Returns
    -------
    pandas.DataFrame
        One row per breach (:data:`optimiser.errors.VIOLATION_COLUMNS`); empty if none.

    """
    out: list[dict[str, object]] = []
    h = _holdings(holdings)
    t = _teams(teams)
    decision = plan.decisions.set_index(plan.decisions["holding_id"].astype(str))["decision"]
    _check_decisions(h, decision, out)
    decision = decision[~decision.index.duplicated()]
    kept = decision.reindex(h.index) != "dispose"
    home_after = plan.assignments.set_index(plan.assignments["team_id"].astype(str))["holding_id"].astype(object)
    home_after = home_after[~home_after.index.duplicated()]
    _check_assignments(h, t, plan.assignments, kept, out)
    _check_locks(h, kept, scenario, out)
    moved = t.assign(to=home_after.reindex(t.index).to_numpy(dtype=object))
    moved = moved[moved["to"].notna() & (moved["to"] != moved["home"])]
    _check_capacity(h, t, home_after, kept, moved, scenario, out)
    _check_hosts(h, t, moved, scenario, compatibility, out)
    _check_distance(h, moved, scenario, out)
    _check_budget(h, t, plan, moved, scenario, out)
    _check_hub_count(h, kept, scenario, out)
    _check_lease_timing(h, plan, scenario, out)
    if access is not None and scenario.enforce_access and scenario.objective != "max_coverage":
        _check_access(h, t, home_after, kept, access, out)
    return pd.DataFrame(out, columns=list(VIOLATION_COLUMNS))


# --- reading the inputs (own rules for missing values) ------------------------------------------


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(0.0, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(0.0)


def _yes(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].astype("boolean").fillna(False).astype(bool)


def _holdings(holdings: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(holdings).copy()
    frame.index = frame["holding_id"].astype(str).to_numpy()
    # a point stands for itself, a polygon for its representative point; none or empty: no location
    points = shapely.point_on_surface(np.asarray(frame["geometry"].to_numpy(), dtype=object))
    points[shapely.is_empty(points)] = None
    xs, ys = shapely.get_x(points), shapely.get_y(points)
    out = pd.DataFrame(index=frame.index)
    out["name"] = frame["name"].astype(str)
    out["partner"] = frame["partner"].astype(str)
    out["partner_type"] = (
        frame.get("partner_type", pd.Series("other", index=frame.index)).astype("string").fillna("other").str.lower()
    )
    out["use_class"] = (
        frame.get("use_class", pd.Series("other", index=frame.index)).astype("string").fillna("other").str.lower()
    )
    out["tenure"] = (
        frame.get("tenure", pd.Series("unknown", index=frame.index)).astype("string").fillna("unknown").str.lower()
    )
    # a holding without a location can host nobody: no move to it can be measured
    out["can_host"] = _yes(frame, "can_host") & ~np.isnan(xs)
    out["locked_retain"] = _yes(frame, "locked_retain")
    out["locked_dispose"] = _yes(frame, "locked_dispose")
    out["workstations"] = _number(frame, "workstations")
    out["gia"] = _number(frame, "gia_m2")
    out["running"] = _number(frame, "running_cost_gbp")
    out["rent"] = _number(frame, "rent_gbp")
    out["lease_break"] = pd.to_datetime(frame["lease_break"], errors="coerce") if "lease_break" in frame else pd.NaT
    out["lease_expiry"] = pd.to_datetime(frame["lease_expiry"], errors="coerce") if "lease_expiry" in frame else pd.NaT
    out["services"] = [services_of(v) for v in frame.get("services", pd.Series(None, index=frame.index))]
    out["x"] = xs
    out["y"] = ys
    return out


def _teams(teams: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=teams["team_id"].astype(str).to_numpy())
    out["home"] = teams["holding_id"].astype(str).to_numpy()
    out["partner"] = teams["partner"].astype(str).to_numpy()
    out["service"] = teams["service"].astype("string").fillna("").to_numpy(dtype=object)
    out["fte"] = pd.to_numeric(teams["fte"], errors="coerce").astype("float64").fillna(0.0).to_numpy()
    return out


def _add(
    out: list[dict[str, object]],
    check: str,
    id_: object,
    name: object,
    detail: str,
    value: object = None,
    limit: object = None,
) -> None:
    out.append({"check": check, "id": id_, "name": name, "detail": detail, "value": value, "limit": limit})


# --- the checks ---------------------------------------------------------------------------------


def _check_decisions(h: pd.DataFrame, decision: pd.Series, out: list[dict[str, object]]) -> None:
    for hid in h.index.difference(decision.index):
        _add(out, "decision", hid, h.at[hid, "name"], "holding has no decision in the plan")
    for hid in decision.index.difference(h.index):
        _add(out, "decision", hid, None, "the plan decides on a holding that is not in the inputs")
    repeated = decision.index[decision.index.duplicated()]
    for hid in sorted(set(repeated)):
        _add(out, "decision", hid, None, "holding decided more than once")


def _check_assignments(
    h: pd.DataFrame, t: pd.DataFrame, assignments: pd.DataFrame, kept: pd.Series, out: list[dict[str, object]]
) -> None:
    counts = Counter(assignments["team_id"].astype(str).tolist())
    for tid in t.index:
        n = counts.get(tid, 0)
        if n != 1:
            _add(out, "assignment", tid, None, f"team has {n} homes after the plan", n, 1)
    is_kept = dict(zip(kept.index, kept.to_numpy(bool), strict=True))
    for tid, holding in zip(assignments["team_id"].tolist(), assignments["holding_id"].tolist(), strict=True):
        hid = str(holding)
        if hid not in is_kept:
            _add(out, "assignment", tid, None, f"housed in unknown holding {hid}")
        elif not is_kept[hid]:
            _add(out, "assignment", tid, h.at[hid, "name"], "housed in a holding the plan disposes of")


def _check_locks(h: pd.DataFrame, kept: pd.Series, scenario: Any, out: list[dict[str, object]]) -> None:
    freed = set(scenario.unlock)
    keep = set(h.index[h["locked_retain"].to_numpy()]) - freed - set(scenario.lock_dispose) | set(scenario.lock_retain)
    drop = set(h.index[h["locked_dispose"].to_numpy()]) - freed - set(scenario.lock_retain) | set(scenario.lock_dispose)
    is_kept = dict(zip(kept.index, kept.to_numpy(bool), strict=True))
    for hid in sorted(keep & set(h.index)):
        if not is_kept.get(hid, False):
            _add(out, "lock", hid, h.at[hid, "name"], "locked to be kept, but disposed of")
    for hid in sorted(drop & set(h.index)):
        if is_kept.get(hid, True):
            _add(out, "lock", hid, h.at[hid, "name"], "locked to be disposed of, but kept")


def _check_capacity(
    h: pd.DataFrame,
    t: pd.DataFrame,
    home_after: pd.Series,
    kept: pd.Series,
    moved: pd.DataFrame,
    scenario: Any,
    out: list[dict[str, object]],
) -> None:
    receiving = set(moved["to"])
    after = t.assign(to=home_after.reindex(t.index).to_numpy(dtype=object)).groupby("to")["fte"].sum()
    today = t.groupby("home")["fte"].sum()
    for hid in sorted(receiving & set(h.index)):
        ws = h.at[hid, "workstations"]
        room = ws / scenario.desk_ratio if ws > 0 else h.at[hid, "gia"] / scenario.space_per_fte_m2
        room = max(room, float(today.get(hid, 0.0)))
        used = float(after.get(hid, 0.0))
        if used > room * (1 + 1e-9) + _TOL:
            _add(out, "capacity", hid, h.at[hid, "name"], f"houses {used:,.1f} FTE, room for {room:,.1f}", used, room)


def _compatibility(table: pd.DataFrame | str | Path | None, scenario: Any) -> set[tuple[str, str]]:
    if table is None:
        table = scenario.compatibility or _COMPATIBILITY
    if not isinstance(table, pd.DataFrame):
        table = pd.read_csv(table, comment="#", dtype=str, keep_default_na=False)
    allowed = table["allowed"]
    if allowed.dtype != bool:
        allowed = allowed.astype(str).str.strip().str.lower().isin(["yes", "true", "1", "y"])
    rows = table[allowed.to_numpy(bool)]
    return {
        (str(a).strip().lower(), str(b).strip().lower())
        for a, b in zip(rows["partner_type"], rows["use_class"], strict=True)
    }


def _check_hosts(
    h: pd.DataFrame,
    t: pd.DataFrame,
    moved: pd.DataFrame,
    scenario: Any,
    compatibility: Any,
    out: list[dict[str, object]],
) -> None:
    allowed = _compatibility(compatibility, scenario)
    partner_type = h.groupby("partner")["partner_type"].agg(lambda v: v.value_counts().index[0])
    known = moved[_among(moved["to"], h.index)]
    hosts = known["to"].to_numpy(dtype=object)
    can_host = h["can_host"].reindex(hosts).to_numpy(bool)
    use = h["use_class"].reindex(hosts).to_numpy(dtype=object)
    home_type = h["partner_type"].reindex(known["home"]).fillna("other").to_numpy(dtype=object)
    type_of = partner_type.to_dict()
    kind = [type_of.get(p, ht) for p, ht in zip(known["partner"].tolist(), home_type, strict=True)]
    names = h["name"].reindex(hosts).to_numpy(dtype=object)
    for tid, name, ok, k, u in zip(known.index, names, can_host, kind, use, strict=True):
        if not ok:
            _add(out, "host", tid, name, "moved into a holding that cannot host other teams")
        if (k, u) not in allowed:
            _add(out, "compatibility", tid, name, f"{k} team moved into a {u}, which the table does not allow")


def _among(values: pd.Series, ids: pd.Index) -> np.ndarray:
    """Whether each value is one of the ids (a set lookup: fast on text of any dtype)."""
    known = set(ids)
    return np.array([v in known for v in values.tolist()], dtype=bool)


def _check_distance(h: pd.DataFrame, moved: pd.DataFrame, scenario: Any, out: list[dict[str, object]]) -> None:
    limit = scenario.relocation_limit_km
    known = moved[_among(moved["to"], h.index) & _among(moved["home"], h.index)]
    a = h.loc[known["home"], ["x", "y"]].to_numpy(float)
    b = h.loc[known["to"], ["x", "y"]].to_numpy(float)
    km = np.sqrt(((a - b) ** 2).sum(axis=1)) / 1000.0
    names = h["name"].reindex(known["to"]).to_numpy(dtype=object)
    for tid, name, distance in zip(known.index, names, km, strict=True):
        if np.isnan(distance):
            _add(out, "relocation", tid, name, "moved to or from a holding without a location")
        elif limit is not None and distance > limit + 1e-6:
            _add(
                out, "relocation", tid, name, f"moves {distance:.2f} km, beyond the {limit:g} km limit", distance, limit
            )


def _years(start: dt.date, when: object) -> float:
    """Plan years from ``start``: whole years to the last anniversary, then that year's share of days."""
    if when is None or pd.isna(when):
        return np.nan
    day = pd.Timestamp(when).date()

    def on(year: int) -> dt.date:  # the start's anniversary in a year (28 February for 29 February)
        return dt.date(year, start.month, min(start.day, calendar.monthrange(year, start.month)[1]))

    year = day.year if on(day.year) <= day else day.year - 1
    last, following = on(year), on(year + 1)
    return (year - start.year) + (day - last).days / (following - last).days


def _check_budget(
    h: pd.DataFrame, t: pd.DataFrame, plan: Any, moved: pd.DataFrame, scenario: Any, out: list[dict[str, object]]
) -> None:
    fte = moved["fte"].to_numpy(float)
    moves = float(
        (fte * scenario.relocation_cost_per_fte + fte * scenario.space_per_fte_m2 * scenario.fitout_cost_per_m2).sum()
    )
    start = _start(plan, scenario)
    horizon = float(scenario.horizon_years)
    exits = 0.0
    disposals = plan.disposals
    ids = disposals["holding_id"].astype(str).to_numpy(dtype=object)
    known = h.index.get_indexer(ids) >= 0
    # plain Python rows: one lookup per column, not per holding
    rows = h.reindex(ids[known])[["running", "tenure", "gia", "rent", "lease_break", "lease_expiry"]]
    options = disposals["exit_option"].to_numpy(dtype=object)[known]
    dates = disposals["earliest_exit_date"].to_numpy(dtype=object)[known]
    for (running, tenure, gia, rent, lease_break, lease_expiry), option, earliest in zip(
        rows.itertuples(index=False, name=None), options, dates, strict=True
    ):
        cost = running * scenario.double_running_months / 12.0
        if tenure == "leasehold":
            cost += gia * scenario.dilapidations_per_m2
            if option == "early":
                leave = _years(start, earliest)
                ends = [_years(start, lease_break), _years(start, lease_expiry)]
                later = [d for d in ends if not np.isnan(d) and d > leave]
                until = min(later) if later else horizon
                rent = rent if rent > 0 else running
                cost += scenario.lease_exit_fee_rate * rent * max(until - leave, 0.0)
        exits += cost
    total = moves + exits
    reported = plan.summary.get("one_off_costs_gbp", {}).get("total") if isinstance(plan.summary, dict) else None
    if reported is not None and abs(reported - total) > max(1.0, 1e-6 * abs(total)):
        _add(
            out,
            "money",
            "one_off_costs",
            None,
            f"the plan reports one-off costs of {reported:,.0f}, the check finds {total:,.0f}",
            reported,
            total,
        )
    if scenario.budget_gbp is not None and total > scenario.budget_gbp * (1 + 1e-9) + 1.0:
        _add(out, "budget", "budget", None, f"one-off costs {total:,.0f} exceed the budget", total, scenario.budget_gbp)


def _start(plan: Any, scenario: Any) -> dt.date:
    text = plan.summary.get("start_date") if isinstance(plan.summary, dict) else None
    if text:
        return dt.date.fromisoformat(text)
    return scenario.start_date or dt.date.today()


def _check_hub_count(h: pd.DataFrame, kept: pd.Series, scenario: Any, out: list[dict[str, object]]) -> None:
    hubs = int((kept.reindex(h.index).fillna(False).to_numpy(bool) & h["can_host"].to_numpy(bool)).sum())
    if scenario.max_hubs is not None and hubs > scenario.max_hubs:
        _add(out, "hubs", "max_hubs", None, f"{hubs} hubs kept, more than max_hubs", hubs, scenario.max_hubs)
    if scenario.objective in ("max_coverage", "least_travel") and scenario.p is not None and hubs != scenario.p:
        _add(out, "hubs", "p", None, f"{hubs} hubs kept, not p", hubs, scenario.p)


def _check_lease_timing(h: pd.DataFrame, plan: Any, scenario: Any, out: list[dict[str, object]]) -> None:
    start = _start(plan, scenario)
    listed = set(h.index)
    disposals = plan.disposals
    for holding, exit_date, exit_option in zip(
        disposals["holding_id"].tolist(),
        disposals["earliest_exit_date"].tolist(),
        disposals["exit_option"].tolist(),
        strict=True,
    ):
        hid = str(holding)
        if hid not in listed:
            continue
        when = _years(start, exit_date)
        if np.isnan(when) or when < -1e-9 or when >= scenario.horizon_years:
            _add(
                out,
                "lease timing",
                hid,
                h.at[hid, "name"],
                f"exit date {exit_date} is outside the horizon",
            )
            continue
        if exit_option in ("break", "expiry"):
            date = h.at[hid, "lease_break" if exit_option == "break" else "lease_expiry"]
            if exit_option == "expiry" and not pd.isna(date) and _years(start, date) < 0:
                continue  # holding over: ends after the lead time
            if pd.isna(date) or abs((pd.Timestamp(date).date() - pd.Timestamp(exit_date).date()).days) > 2:
                _add(
                    out,
                    "lease timing",
                    hid,
                    h.at[hid, "name"],
                    f"leaves at {exit_option} on {exit_date}, not on the lease's date {date}",
                )
        if exit_option in ("break", "expiry", "early") and h.at[hid, "tenure"] != "leasehold":
            _add(
                out,
                "lease timing",
                hid,
                h.at[hid, "name"],
                f"{exit_option} exit for a holding that is not leasehold",
            )


def _check_access(
    h: pd.DataFrame, t: pd.DataFrame, home_after: pd.Series, kept: pd.Series, access: Any, out: list[dict[str, object]]
) -> None:
    """Each standard's share after the plan, measured here, against its share today.

    A standard is measured in minutes when the costs are a travel-time matrix, the
    standard has minutes and the matrix times every one of today's providers; else in km,
    by this module's own straight-line distances (zone points, with the circuity of the
    km table), or by the km table when the zones have no points.
    """
    zones = pd.DataFrame(access.zones)
    zone_ids = zones["zone_id"].astype(str).to_numpy()
    unit = str(access.costs.attrs.get("unit", "km"))
    km_table = access.costs if unit == "km" else getattr(access, "straight_line", None)
    circuity = float((km_table.attrs.get("circuity", 1.0) if km_table is not None else 1.0) or 1.0)
    has_points = "geometry" in zones.columns
    if has_points:
        zx = np.array([g.x if g is not None and not g.is_empty else np.nan for g in zones["geometry"]])
        zy = np.array([g.y if g is not None and not g.is_empty else np.nan for g in zones["geometry"]])
    matrix = _plain(access.costs) if unit == "min" else None
    # the sites a matrix gives any time to (a table that does not say times every site it names)
    timed = (
        set() if matrix is None else set(map(str, access.costs.attrs.get("sites_with_times") or matrix["holding_id"]))
    )
    after = t.assign(to=home_after.reindex(t.index).to_numpy(dtype=object))
    for standard in access.standards.itertuples(index=False):
        service = str(standard.service)
        in_km = str(getattr(standard, "unit", "km")) == "km"
        km = float(standard.threshold) if in_km else None
        minutes = getattr(standard, "threshold_minutes", None) if in_km else standard.threshold
        minutes = float(minutes) if minutes is not None and pd.notna(minutes) else None
        column = str(getattr(standard, "population", "population") or "population")
        if column not in zones.columns:
            column = "population"
        weight = pd.to_numeric(zones[column], errors="coerce").fillna(0.0).to_numpy(float)
        building = {hid for hid, offered in h["services"].items() if service in offered}
        # a team delivers the service only from a building that offers it today, when the
        # team is that service's or the building's own staff (named after its use class)
        own_staff = t["service"].to_numpy(dtype=object) == h["use_class"].reindex(t["home"]).to_numpy(dtype=object)
        delivering = ((t["service"] == service) | own_staff) & t["home"].isin(building)
        team_homes = set(t.loc[delivering, "home"])
        before = building & set(h.index)
        now = {hid for hid in building - team_homes if bool(kept.get(hid, False))}
        now |= set(after.loc[delivering, "to"].dropna())
        # minutes when the matrix times every provider today (one it leaves out would reach nobody)
        if matrix is not None and minutes is not None and before <= timed:
            threshold, shown = minutes, "min"
            share_before = _share_table(matrix, zone_ids, weight, before, threshold)
            share_after = _share_table(matrix, zone_ids, weight, now, threshold)
        elif km is not None and km_table is not None:
            threshold, shown = km, "km"
            if has_points:
                share_before = _share(zx, zy, weight, h, before, threshold / circuity * 1000.0)
                share_after = _share(zx, zy, weight, h, now, threshold / circuity * 1000.0)
            else:
                table = _plain(km_table)
                share_before = _share_table(table, zone_ids, weight, before, threshold)
                share_after = _share_table(table, zone_ids, weight, now, threshold)
        else:
            continue  # cannot be measured in the costs given: the model refuses such a standard
        need = min(float(standard.share), share_before)
        if share_after < need - 1e-6:
            _add(
                out,
                "access",
                service,
                str(getattr(standard, "label", service)),
                f"{share_after:.2%} of residents within {threshold:g} {shown}; needs {need:.2%}",
                share_after,
                need,
            )


def _plain(costs: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone_id": costs["zone_id"].astype(str).to_numpy(),
            "holding_id": costs["holding_id"].astype(str).to_numpy(),
            "cost": pd.to_numeric(costs["cost"], errors="coerce").to_numpy(float),
        }
    )


def _share(
    zx: np.ndarray, zy: np.ndarray, weight: np.ndarray, h: pd.DataFrame, providers: set[str], radius_m: float
) -> float:
    total = weight.sum()
    if total <= 0:
        return 1.0
    located = [p for p in providers if p in h.index and not np.isnan(h.at[p, "x"])]
    if not located:
        return 0.0
    px = h.loc[located, "x"].to_numpy(float)
    py = h.loc[located, "y"].to_numpy(float)
    covered = np.zeros(len(zx), dtype=bool)
    for start in range(0, len(zx), 2048):
        block = slice(start, start + 2048)
        d2 = (zx[block, None] - px[None, :]) ** 2 + (zy[block, None] - py[None, :]) ** 2
        covered[block] = (d2 <= radius_m * radius_m * (1 + 1e-12) + 1e-6).any(axis=1)
    return float(weight[covered].sum() / total)


def _share_table(
    table: pd.DataFrame, zone_ids: np.ndarray, weight: np.ndarray, providers: set[str], threshold: float
) -> float:
    total = weight.sum()
    if total <= 0:
        return 1.0
    near = table[table["holding_id"].isin(providers) & (table["cost"] <= threshold + 1e-9)]
    covered = np.isin(zone_ids, near["zone_id"].unique())
    return float(weight[covered].sum() / total)

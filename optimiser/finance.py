"""Money over the appraisal period: exit options, discounting and cash flows.

Conventions (HM Treasury Green Book):

- Year ``y`` (0, 1, ..., horizon - 1) runs from the ``y``-th anniversary of the start to
  the next (plan year ``y + 1``); its cash is discounted by ``(1 + r) ** -y`` (year 0 is
  not discounted). A date is ``tau`` years after the start: the anniversaries passed, plus
  the share of the days of the year it falls in (:func:`years_after`), so an exit on the
  first anniversary is at ``tau = 1`` exactly and falls in year 1, never in year 0.
- A holding exited at ``tau`` years after the start saves its running cost (and the value
  of its carbon, if a carbon price is set) for the part of each year after ``tau``; its
  receipt and one-off exit costs fall in year ``floor(tau)``. An exit at or after the end
  of the horizon is not an option.
- Team moves happen in year 0: relocation and fit-out are paid then, and the hub's added
  running cost (hosting) runs every year from year 0.

Exit options per holding:

``sale``
    a freehold sold ``disposal_lead_months`` (calendar months) after the decision; receipt = market value
    less ``disposal_cost_rate``.
``vacate``
    tenure unknown: vacated after the lead time; no receipt is counted (nobody knows
    whether the partner owns it).
``break`` / ``expiry``
    a lease left at its first break, or expiry, at least the lead time away and within
    the horizon; dilapidations are paid. A lease already expired (holding over) ends
    after the lead time.
``early``
    a lease surrendered after the lead time, before its break or expiry, for a fee of
    ``lease_exit_fee_rate`` x the rent still due up to that date (up to the horizon when
    no date is known); dilapidations are paid. Rent is ``rent_gbp`` or, where unknown,
    the running cost.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from optimiser.scenario import Scenario

DAYS_PER_MONTH = 365.25 / 12
"""Days in the part of a month left over when a lead time is not a whole number of months."""

CASHFLOW_COLUMNS: tuple[str, ...] = (
    "running_cost_avoided",
    "carbon_value",
    "receipts",
    "backlog_avoided",
    "lease_exit_fees",
    "dilapidations",
    "running_after_exit",
    "relocation",
    "fitout",
    "hosting",
)
"""Cash-flow categories per year; the last six are costs (reported as positive numbers)."""

COST_CATEGORIES: tuple[str, ...] = CASHFLOW_COLUMNS[4:]
"""The categories that are costs."""

EXIT_COLUMNS: tuple[str, ...] = (
    "holding_id",
    "option",
    "exit_date",
    "tau",
    "year",
    "saving_per_year",
    "carbon_value_per_year",
    "receipt_gross",
    "receipt_net",
    "backlog_avoided",
    "lease_exit_fee",
    "dilapidations",
    "running_after_exit",
    "one_off",
    "npv",
)
"""Columns of :func:`exit_options`; ``one_off`` counts against the budget, ``npv`` is the
option's discounted value to the partner."""


def discount_factors(scenario: Scenario) -> np.ndarray:
    """``(1 + r) ** -y`` for each year ``y`` of the horizon."""
    years = np.arange(scenario.horizon_years)
    return (1.0 + scenario.discount_rate) ** -years


def year_fractions(tau: float | np.ndarray, horizon: int) -> np.ndarray:
    """Share of each year after time ``tau`` (years): 0 before, 1 after, part in between.

    For an array of times, one row per time.
    """
    return np.clip(np.arange(horizon) + 1 - np.asarray(tau, dtype=float)[..., None], 0.0, 1.0)


def anniversary(start: dt.date, years: int) -> dt.date:
    """The ``years``-th anniversary of ``start`` (28 February for a 29 February start in other years)."""
    try:
        return start.replace(year=start.year + int(years))
    except ValueError:  # 29 February in a year without one
        return start.replace(year=start.year + int(years), day=28)


def years_after(start: dt.date, when: object) -> float:
    """Years from ``start`` to a date: anniversaries passed plus the share of the year begun.

    ``nan`` when the date is missing.
    """
    if when is None or when is pd.NaT or (not isinstance(when, dt.date) and pd.isna(when)):
        return math.nan
    day = pd.Timestamp(when).date()
    whole = day.year - start.year
    if anniversary(start, whole) > day:
        whole -= 1
    begun, ends = anniversary(start, whole), anniversary(start, whole + 1)
    return whole + (day - begun).days / (ends - begun).days


def date_after(start: dt.date, tau: float) -> dt.date:
    """The date ``tau`` years after ``start`` (the inverse of :func:`years_after`, to the day)."""
    whole = math.floor(tau)
    begun, ends = anniversary(start, whole), anniversary(start, whole + 1)
    return begun + dt.timedelta(days=round((tau - whole) * (ends - begun).days))


def months_after(start: dt.date, months: float) -> dt.date:
    """The date ``months`` calendar months after ``start`` (a part month in days)."""
    whole = math.floor(months)
    day = (pd.Timestamp(start) + pd.DateOffset(months=whole)).date()
    return day + dt.timedelta(days=round((months - whole) * DAYS_PER_MONTH))


def exit_options(holdings: pd.DataFrame, scenario: Scenario, start: dt.date) -> pd.DataFrame:
    """Every way each holding could be exited within the horizon, with its money.

    Parameters
    ----------
    holdings
        Prepared holdings indexed by ``holding_id`` with ``tenure``, ``lease_break``,
        ``lease_expiry``, ``running_cost``, ``rent``, ``market_value``, ``backlog``,
        ``gia``, ``tco2e`` (missing numbers already 0).
    scenario, start
        Settings and day 0.

    Returns
    -------
    pandas.DataFrame
        :data:`EXIT_COLUMNS`, one row per option.

    """
    s = scenario
    horizon = s.horizon_years
    # exits fall on whole days, so every figure can be recomputed from the exit date
    lead = years_after(start, months_after(start, s.disposal_lead_months))
    ids = holdings.index.to_numpy(dtype=object)
    tenure = holdings["tenure"].to_numpy(dtype=object)
    brk = _years_of(holdings["lease_break"], start)
    exp = _years_of(holdings["lease_expiry"], start)
    # a lease's natural end: its first break or expiry at least the lead time away;
    # an expired lease (holding over) ends after the lead time
    brk_ok = np.where(brk >= lead, brk, np.inf)
    exp_ok = np.where(exp >= lead, exp, np.inf)
    natural = np.minimum(brk_ok, exp_ok)
    natural_name = np.where(brk_ok <= exp_ok, "break", "expiry")
    expired = exp < 0
    natural = np.where(expired, lead, natural)
    natural_name = np.where(expired, "expiry", natural_name)
    lease = tenure == "leasehold"
    rent = np.where(
        holdings["rent"].to_numpy(float) > 0, holdings["rent"].to_numpy(float), holdings["running_cost"].to_numpy(float)
    )
    known = np.isfinite(natural)
    frames = []
    # freehold sale, or vacating a holding of unknown tenure
    plain = ~lease
    frames.append(
        (
            np.flatnonzero(plain),
            np.where(tenure[plain] == "freehold", "sale", "vacate"),
            np.full(plain.sum(), lead),
            np.zeros(plain.sum()),
        )
    )
    # a lease at its break or expiry
    nat = lease & known
    frames.append((np.flatnonzero(nat), natural_name[nat], natural[nat], np.zeros(nat.sum())))
    # a lease surrendered early, for a share of the rent up to its natural end (or the horizon)
    early = lease & (~known | (natural > lead))
    until = np.where(known, natural, float(horizon))[early]
    fee = s.lease_exit_fee_rate * rent[early] * np.maximum(until - lead, 0.0)
    frames.append((np.flatnonzero(early), np.full(early.sum(), "early", dtype=object), np.full(early.sum(), lead), fee))
    position = np.concatenate([f[0] for f in frames])
    option = np.concatenate([np.asarray(f[1], dtype=object) for f in frames])
    tau = np.concatenate([f[2] for f in frames]).astype(float)
    fee = np.concatenate([f[3] for f in frames]).astype(float)
    inside = tau < horizon
    position, option, tau, fee = position[inside], option[inside], tau[inside], fee[inside]
    order = np.lexsort((tau, position))
    position, option, tau, fee = position[order], option[order], tau[order], fee[order]
    return _option_rows(holdings, ids, position, option, tau, fee, s, start)


def _years_of(dates: pd.Series, start: dt.date) -> np.ndarray:
    """Years from ``start`` to each date (NaN where missing), by :func:`years_after`."""
    values = pd.Series(pd.to_datetime(pd.Series(dates.to_numpy()), errors="coerce"))
    years = {day: years_after(start, day) for day in values.dropna().unique()}
    return values.map(years).to_numpy(dtype=float, na_value=np.nan)


def _option_rows(
    holdings: pd.DataFrame,
    ids: np.ndarray,
    position: np.ndarray,
    option: np.ndarray,
    tau: np.ndarray,
    fee: np.ndarray,
    s: Scenario,
    start: dt.date,
) -> pd.DataFrame:
    df = discount_factors(s)
    year = np.floor(tau).astype(int)
    fractions = year_fractions(tau, s.horizon_years)
    annuity = fractions @ df
    saving = holdings["running_cost"].to_numpy(float)[position]
    carbon = holdings["tco2e"].to_numpy(float)[position] * s.carbon_price_gbp_per_tco2e
    receipt_gross = np.where(option == "sale", holdings["market_value"].to_numpy(float)[position], 0.0)
    receipt_net = receipt_gross * (1.0 - s.disposal_cost_rate)
    backlog = holdings["backlog"].to_numpy(float)[position] if s.backlog_avoided else np.zeros(len(position))
    lease_exit = np.isin(option, ["break", "expiry", "early"])
    dilapidations = np.where(lease_exit, holdings["gia"].to_numpy(float)[position] * s.dilapidations_per_m2, 0.0)
    after = saving * s.double_running_months / 12.0
    one_off = fee + dilapidations + after
    npv = (saving + carbon) * annuity + df[np.minimum(year, s.horizon_years - 1)] * (receipt_net + backlog - one_off)
    return pd.DataFrame(
        {
            "holding_id": pd.Series(ids[position], dtype=object),
            "option": pd.Series(option, dtype=object),
            "exit_date": pd.Series(tau).map({t: date_after(start, t) for t in np.unique(tau)}).to_numpy(dtype=object),
            "tau": tau,
            "year": year,
            "saving_per_year": saving,
            "carbon_value_per_year": carbon,
            "receipt_gross": receipt_gross,
            "receipt_net": receipt_net,
            "backlog_avoided": backlog,
            "lease_exit_fee": fee,
            "dilapidations": dilapidations,
            "running_after_exit": after,
            "one_off": one_off,
            "npv": npv,
        },
        columns=list(EXIT_COLUMNS),
    )


def exits_cashflow(options: pd.DataFrame, horizon: int) -> dict[str, np.ndarray]:
    """Cash per year of chosen exit options, summed, by :data:`CASHFLOW_COLUMNS` category."""
    flows = {name: np.zeros(horizon) for name in CASHFLOW_COLUMNS}
    if not len(options):
        return flows
    tau = options["tau"].to_numpy(float)
    fractions = year_fractions(tau, horizon)
    flows["running_cost_avoided"] = options["saving_per_year"].to_numpy(float) @ fractions
    flows["carbon_value"] = options["carbon_value_per_year"].to_numpy(float) @ fractions
    year = options["year"].to_numpy(int)
    for name, column in (
        ("receipts", "receipt_net"),
        ("backlog_avoided", "backlog_avoided"),
        ("lease_exit_fees", "lease_exit_fee"),
        ("dilapidations", "dilapidations"),
        ("running_after_exit", "running_after_exit"),
    ):
        flows[name] = np.bincount(year, weights=options[column].to_numpy(float), minlength=horizon)[:horizon]
    return flows


def move_costs(fte: np.ndarray, scenario: Scenario) -> dict[str, np.ndarray]:
    """One-off and yearly costs of moving teams of ``fte`` into a hub.

    Returns ``relocation`` and ``fitout`` (year 0), ``hosting_per_year`` (every year),
    ``one_off`` (relocation + fit-out, against the budget) and ``npv_cost`` (all of it,
    discounted).
    """
    s = scenario
    area = fte * s.space_per_fte_m2
    relocation = fte * s.relocation_cost_per_fte
    fitout = area * s.fitout_cost_per_m2
    hosting = area * s.hosting_cost_per_m2
    annuity = float(discount_factors(s).sum())
    return {
        "relocation": relocation,
        "fitout": fitout,
        "hosting_per_year": hosting,
        "one_off": relocation + fitout,
        "npv_cost": relocation + fitout + hosting * annuity,
    }


def payback_year(net_by_year: np.ndarray) -> int | None:
    """First plan year (1-based) by whose end the cumulative net cash is not negative.

    ``None`` when the cumulative cash is still negative at the end of the horizon.
    """
    cumulative = np.cumsum(net_by_year)
    for year, value in enumerate(cumulative, start=1):
        if value >= -1e-6:
            if (cumulative[year - 1 :] >= -1e-6).all():
                return year
    return None

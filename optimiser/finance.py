"""Money over the appraisal period: exit options, discounting and cash flows.

Conventions (HM Treasury Green Book):

- Year ``y`` (0, 1, ..., horizon - 1) runs from ``start + y`` years to ``start + y + 1``
  years; its cash is discounted by ``(1 + r) ** -y`` (year 0 is not discounted).
- A holding exited at ``tau`` years after the start saves its running cost (and the value
  of its carbon, if a carbon price is set) for the part of each year after ``tau``; its
  receipt and one-off exit costs fall in year ``floor(tau)``. An exit at or after the end
  of the horizon is not an option.
- Team moves happen in year 0: relocation and fit-out are paid then, and the hub's added
  running cost (hosting) runs every year from year 0.

Exit options per holding:

``sale``
    a freehold sold ``disposal_lead_months`` after the decision; receipt = market value
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

DAYS_PER_YEAR = 365.25

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


def year_fractions(tau: float, horizon: int) -> np.ndarray:
    """Share of each year after time ``tau`` (years): 0 before, 1 after, part in between."""
    years = np.arange(horizon)
    return np.clip(years + 1 - tau, 0.0, 1.0)


def years_after(start: dt.date, when: object) -> float:
    """Years from ``start`` to a date (``nan`` when the date is missing)."""
    if when is None or when is pd.NaT or (not isinstance(when, dt.date) and pd.isna(when)):
        return math.nan
    day = pd.Timestamp(when).date()
    return (day - start).days / DAYS_PER_YEAR


def date_after(start: dt.date, tau: float) -> dt.date:
    """The date ``tau`` years after ``start``."""
    return start + dt.timedelta(days=round(tau * DAYS_PER_YEAR))


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
    lead = years_after(start, date_after(start, s.disposal_lead_months / 12.0))
    df = discount_factors(s)
    rows: list[dict[str, object]] = []
    for holding_id, h in holdings.iterrows():
        options: list[tuple[str, float, float]] = []  # (option, tau, fee)
        tenure = h["tenure"]
        if tenure == "leasehold":
            natural, name = _natural_lease_exit(h, start, lead)
            if natural is not None and natural < horizon:
                options.append((name, natural, 0.0))
            if natural is None or natural > lead:
                rent = h["rent"] if h["rent"] > 0 else h["running_cost"]
                until = natural if natural is not None else float(horizon)
                fee = s.lease_exit_fee_rate * rent * max(until - lead, 0.0)
                options.append(("early", lead, fee))
        elif tenure == "freehold":
            options.append(("sale", lead, 0.0))
        else:
            options.append(("vacate", lead, 0.0))
        for option, tau, fee in options:
            if tau >= horizon:
                continue
            rows.append(_option_row(holding_id, h, option, tau, fee, s, start, df))
    frame = pd.DataFrame(rows, columns=list(EXIT_COLUMNS))
    return frame


def _natural_lease_exit(h: pd.Series, start: dt.date, lead: float) -> tuple[float | None, str]:
    """The first break or expiry at least ``lead`` years away (expired leases end after ``lead``)."""
    brk = years_after(start, h["lease_break"])
    exp = years_after(start, h["lease_expiry"])
    if not math.isnan(exp) and exp < 0:
        return lead, "expiry"
    candidates = [(t, n) for t, n in ((brk, "break"), (exp, "expiry")) if not math.isnan(t) and t >= lead]
    if not candidates:
        return None, ""
    tau, name = min(candidates)
    return tau, name


def _option_row(
    holding_id: object,
    h: pd.Series,
    option: str,
    tau: float,
    fee: float,
    s: Scenario,
    start: dt.date,
    df: np.ndarray,
) -> dict[str, object]:
    year = int(math.floor(tau))
    fractions = year_fractions(tau, s.horizon_years)
    saving = float(h["running_cost"])
    carbon = float(h["tco2e"]) * s.carbon_price_gbp_per_tco2e
    receipt_gross = float(h["market_value"]) if option == "sale" else 0.0
    receipt_net = receipt_gross * (1.0 - s.disposal_cost_rate)
    backlog = float(h["backlog"]) if s.backlog_avoided else 0.0
    dilapidations = float(h["gia"]) * s.dilapidations_per_m2 if option in ("break", "expiry", "early") else 0.0
    after = saving * s.double_running_months / 12.0
    one_off = fee + dilapidations + after
    npv = float((saving + carbon) * (fractions * df).sum()) + df[year] * (receipt_net + backlog - one_off)
    return {
        "holding_id": holding_id,
        "option": option,
        "exit_date": date_after(start, tau),
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
    }


def exit_cashflow(option: pd.Series, horizon: int) -> dict[str, np.ndarray]:
    """Cash per year of one chosen exit option, by :data:`CASHFLOW_COLUMNS` category."""
    fractions = year_fractions(float(option["tau"]), horizon)
    flows = {name: np.zeros(horizon) for name in CASHFLOW_COLUMNS}
    flows["running_cost_avoided"] = option["saving_per_year"] * fractions
    flows["carbon_value"] = option["carbon_value_per_year"] * fractions
    year = int(option["year"])
    flows["receipts"][year] = option["receipt_net"]
    flows["backlog_avoided"][year] = option["backlog_avoided"]
    flows["lease_exit_fees"][year] = option["lease_exit_fee"]
    flows["dilapidations"][year] = option["dilapidations"]
    flows["running_after_exit"][year] = option["running_after_exit"]
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

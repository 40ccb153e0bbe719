"""Plan years run anniversary to anniversary: an exit on one falls in the year it opens."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optimiser import optimise
from optimiser.finance import anniversary, date_after, exit_options, exits_cashflow, months_after, years_after
from optimiser.inputs import prepare
from optimiser.synthetic import estate
from tests.test_model import scenario

START = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("day", "years"),
    [
        (dt.date(2026, 12, 4), 0.0),
        (dt.date(2027, 12, 4), 1.0),
        (dt.date(2028, 12, 4), 2.0),  # across 29 February 2028: still two whole years
        (dt.date(2027, 6, 4), 182 / 365),
        (dt.date(2026, 11, 4), -30 / 365),
    ],
)
def test_a_date_is_the_anniversaries_passed_plus_the_share_of_the_year_begun(day, years):
    assert years_after(START, day) == pytest.approx(years, abs=1e-12)
    assert date_after(START, years_after(START, day)) == day


def test_a_start_on_29_february_has_its_anniversary_on_28_february():
    leap = dt.date(2024, 2, 29)
    assert anniversary(leap, 1) == dt.date(2025, 2, 28)
    assert anniversary(leap, 4) == dt.date(2028, 2, 29)
    assert years_after(leap, dt.date(2025, 2, 28)) == 1.0


def test_lead_times_are_calendar_months():
    assert months_after(START, 12) == dt.date(2027, 12, 4)
    assert months_after(START, 3) == dt.date(2027, 3, 4)
    assert months_after(START, 0.5) == START + dt.timedelta(days=15)


def sale_after_a_year():
    return estate(
        [
            {"holding_id": "H", "x": 0, "y": 0, "workstations": 100},
            {"holding_id": "E", "x": 100, "y": 0, "running_cost_gbp": 10_000, "market_value_gbp": 1_000_000},
        ],
        [{"team_id": "T", "holding_id": "E", "fte": 5}],
    )


def test_a_sale_on_the_first_anniversary_brings_its_receipt_in_plan_year_two():
    holdings, teams = sale_after_a_year()
    s = scenario(start_date=START, disposal_lead_months=12.0)
    data = prepare(holdings, teams, s)
    sale = exit_options(data.holdings.loc[["E"]], s, START).iloc[0]
    assert sale["exit_date"] == dt.date(2027, 12, 4)
    assert (sale["tau"], sale["year"]) == (1.0, 1)
    flows = exits_cashflow(exit_options(data.holdings.loc[["E"]], s, START), 10)
    receipt = 1_000_000 * (1 - s.disposal_cost_rate)
    assert list(np.flatnonzero(flows["receipts"])) == [1]
    assert flows["receipts"][1] == pytest.approx(receipt)
    assert flows["running_cost_avoided"][0] == 0.0 and flows["running_cost_avoided"][1] == pytest.approx(10_000)
    # the team moves out in plan year 1, paid then; the receipt pays it back in plan year 2
    plan = optimise(holdings, teams, s)
    assert plan.disposals["holding_id"].tolist() == ["E"]
    cash = plan.cashflow.set_index("year")
    assert cash.loc[1, "receipts"] == 0.0 and cash.loc[2, "receipts"] == pytest.approx(receipt)
    assert cash.loc[1, "net"] < 0
    assert plan.summary["payback_year"] == 2
    assert plan.summary["payback_by_date"] == "2028-12-04"

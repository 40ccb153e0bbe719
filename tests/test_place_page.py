"""The Place page: what a board member reads of the estate today, and which figures are modelled."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120


@pytest.fixture(scope="module")
def place_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def partners_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Partner" in d.value.columns).set_index("Partner")


def test_the_per_partner_table_marks_each_modelled_figure(place_page, trafford):
    table = partners_table(place_page)
    assert list(table.index) == list(dict.fromkeys(trafford.holdings["partner"]))
    council = table.loc["Trafford Council"]
    assert council["Holdings"] == 395
    # no register gives a running cost, a value or carbon: each is modelled throughout
    for column in ("Running cost (£/yr)", "Market value (£)", "Carbon (tCO2e/yr)", "Staff (FTE)"):
        assert table[column].str.endswith(" (modelled)").all(), table[column]
    # the council's register gives some floor areas: the share of its GIA that is modelled, weighted by area
    mine = trafford.holdings[trafford.holdings["partner"] == "Trafford Council"]
    share = mine.loc[mine["gia_m2_source"] == "modelled", "gia_m2"].sum() / mine["gia_m2"].sum()
    assert 0.01 < share < 0.99
    assert council["GIA (m²)"] == f"{mine['gia_m2'].sum():,.0f} ({share:.0%} modelled)"
    running = mine["running_cost_gbp"].sum()
    assert council["Running cost (£/yr)"] == f"£{running:,.0f} (modelled)"


def test_a_partner_s_total_is_marked_by_the_share_of_it_modelled_and_a_supplied_one_not_at_all():
    import pandas as pd

    from pages.common import marked_totals

    holdings = pd.DataFrame(
        {
            "partner": ["Council", "Council", "Police"],
            "gia_m2": [300.0, 100.0, 50.0],
            "gia_m2_source": ["modelled", "supplied", "supplied"],
        }
    )
    # weighted by area: a quarter of the council's 400 m2 is supplied
    assert marked_totals(holdings, "gia_m2", "{:,.0f}").to_dict() == {"Council": "400 (75% modelled)", "Police": "50"}


def test_modelled_words_say_how_much_of_a_figure_is_modelled():
    from pages.common import modelled_words

    assert [modelled_words(s) for s in (0.0, 0.004, 0.42, 0.996, 1.0)] == [
        "",
        " (under 1% modelled)",
        " (42% modelled)",
        " (over 99% modelled)",
        " (modelled)",
    ]


def test_the_deprivation_chart_names_the_service_it_shows(place_page):
    at = place_page
    at.selectbox(key="place_service").set_value("library").run()
    assert not at.exception, at.exception
    assert any(h.value == "Access by deprivation: Public library" for h in at.subheader)
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [c.get("title") for c in charts]
    assert "Public library: residents within the standard" in titles, titles


def test_the_top_figures_say_how_much_of_each_is_modelled(place_page, trafford):
    helps = {m.label: m.proto.help for m in place_page.metric}
    h = trafford.holdings
    share = h.loc[h["gia_m2_source"] == "modelled", "gia_m2"].sum() / h["gia_m2"].sum()
    assert helps["Floor area (GIA)"].startswith(f"{share:.0%} of it is modelled")
    assert helps["Running cost a year"] == "All of it is modelled from benchmark assumptions: no register gives it."

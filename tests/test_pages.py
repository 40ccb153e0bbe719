"""Every page runs in Streamlit's AppTest without an exception and shows its figures."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def test_portfolio_page_shows_the_sample_place():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Holdings on the map"] == "435"
    assert metrics["Partners"] == "7"
    assert metrics["Excluded (reason given)"] == "214"
    assert any("Totals per partner" == h.value for h in at.subheader)
    assert len(at.dataframe) >= 2


def test_portfolio_report_filter_changes_the_table():
    at = app().run()
    at.multiselect[0].set_value(["excluded"]).run()
    assert not at.exception
    table = at.dataframe[1].value
    assert set(table["outcome"]) == {"excluded"}
    assert len(table) >= 214

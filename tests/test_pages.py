"""Every page runs in Streamlit's AppTest without an exception and shows its figures."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def portfolio() -> AppTest:
    at = app().run()
    return at.switch_page("pages/portfolio.py").run()


def test_place_page_shows_the_estate_and_baseline_access():
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Trafford"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Partners"] == "7" and metrics["Holdings"] == "435"
    access = next(d.value for d in at.dataframe if "required_share" in d.value.columns)
    jobcentre = access.set_index("service").loc["jobcentre"]
    assert jobcentre["share"] == pytest.approx(0.9143, abs=1e-4) and not jobcentre["meets_standard"]
    at.selectbox(key="place_service").set_value("library").run()
    assert not at.exception


def test_portfolio_page_shows_the_sample_place():
    at = portfolio()
    assert not at.exception
    assert at.title[0].value == "Portfolio"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Holdings on the map"] == "435"
    assert metrics["Partners"] == "7"
    assert metrics["Excluded (reason given)"] == "214"
    assert any("Totals per partner" == h.value for h in at.subheader)
    assert len(at.dataframe) >= 2


def test_portfolio_report_filter_changes_the_table():
    at = portfolio()
    at.multiselect[0].set_value(["excluded"]).run()
    assert not at.exception
    table = at.dataframe[1].value
    assert set(table["outcome"]) == {"excluded"}
    assert len(table) >= 214


GOOD = b"Site Name,Easting,Northing,GIA\nNew police hub,378000,392000,900\nSecond base,378500,392500,400\n"


def upload(at: AppTest, name: str, content: bytes, partner: str = "Greater Manchester Police") -> AppTest:
    at.file_uploader(key="register_upload").set_value((name, content, "text/csv")).run()
    at.text_input(key="upload_partner").set_value(partner).run()
    return at


def holdings_shown(at: AppTest) -> int:
    return int({m.label: m.value for m in at.metric}["Holdings on the map"].replace(",", ""))


def test_uploading_a_register_adds_its_holdings():
    at = upload(portfolio(), "police.csv", GOOD)
    assert not at.exception
    at.button(key="load_register").click().run()
    assert not at.exception
    assert holdings_shown(at) == 437
    assert any("2 holdings loaded for Greater Manchester Police" in s.value for s in at.success)


def test_bad_uploads_are_refused_and_nothing_loaded_is_lost():
    at = upload(portfolio(), "police.csv", GOOD)
    at.button(key="load_register").click().run()
    assert holdings_shown(at) == 437
    for name, content, words in [
        ("photo.csv", bytes(range(256)) * 8, "photo.csv"),
        ("empty.csv", b"", "is empty"),
    ]:
        at.file_uploader(key="register_upload").set_value((name, content, "text/csv")).run()
        assert not at.exception
        assert any(words in e.value for e in at.error), [e.value for e in at.error]
        assert holdings_shown(at) == 437


def test_a_file_with_no_recognisable_columns_asks_for_a_mapping():
    at = upload(portfolio(), "odd.csv", b"Building,E,N\nHQ,378000,392000\n")
    assert not at.exception
    assert any("no recognisable register columns" in w.value for w in at.warning)
    assert holdings_shown(at) == 435

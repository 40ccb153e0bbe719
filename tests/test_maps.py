"""Maps survive whatever the registers call things: a name is shown as typed, never run as a template."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from pages.common import PointsLayer, add_legend

HOSTILE = "Police {% HQ {{ 7*7 }}"


def _html(fmap: folium.Map) -> str:
    # folium compiles each layer's script a second time as a template: a name with {% would stop here
    return fmap.get_root().render()


def test_point_tooltips_keep_a_name_that_looks_like_a_template_tag():
    points = gpd.GeoDataFrame(geometry=[Point(378000, 392000)], crs=27700)
    fmap = folium.Map(location=[53.42, -2.33])
    PointsLayer(points, pd.Series([f"{HOSTILE} <b>"]), {"radius": 5}).add_to(fmap)
    page = _html(fmap)
    assert "49" not in page.split("Police", 1)[1][:40]  # {{ 7*7 }} was not evaluated
    # the name arrives as JavaScript escapes that read back as the typed text, HTML-escaped
    assert "Police \\u007b% HQ \\u007b\\u007b 7*7 \\u007d\\u007d \\u0026lt;b\\u0026gt;" in page


def test_legend_labels_keep_a_name_that_looks_like_a_template_tag():
    fmap = folium.Map(location=[53.42, -2.33])
    add_legend(fmap, "Partner", [("#1f77b4", HOSTILE)])
    page = _html(fmap)
    # a zero-width space (written as the JSON escape \u200b) after each brace: invisible on the map
    shown = page.replace("\\u200b", "")
    assert HOSTILE in shown and "HQ 49" not in shown


def test_a_gap_reads_as_a_percentage_and_a_plan_worth_nothing_yet_as_far_off():
    from optimiser.boardpack import gap_words

    assert gap_words(0.0123) == "1.23%"
    assert gap_words(1.372) == "137.20%"
    # today's estate (NPV 0) against a bound of GBP 4.7bn: a gap in the trillions of per cent
    assert gap_words(4.7e12) == "over 1,000%"
    assert gap_words(None) == "not measured"  # today's estate, worth exactly nothing: no relative gap


def test_a_plan_stopped_near_its_start_is_not_called_good():
    from types import SimpleNamespace

    from pages.common import status_words

    start = SimpleNamespace(status="feasible", gap=None, bound=4.2e8, objective_value=0.0, objective="npv")
    start.summary = {"stopped": "time limit"}
    text, level = status_words(start)
    assert level == "warning" and "not one to rely on" in text and "at most GBP 420,000,000" in text
    close = SimpleNamespace(status="feasible", gap=0.004, bound=1.0, objective_value=1.0, objective="npv")
    close.summary = {"stopped": "gap tolerance"}
    assert status_words(close) == (
        "A good plan, proven within 0.40% of the best possible: the search stops at the gap the scenario asks for.",
        "success",
    )
    # 59 % from the bound when the time ran out: a plan, not a good one
    far = SimpleNamespace(status="feasible", gap=0.5915, bound=1.0, objective_value=1.0, objective="fewest_sites")
    far.summary = {"stopped": "time limit"}
    text, level = status_words(far)
    assert level == "warning" and text.startswith("A plan, but far from proven") and "59.15%" in text


def test_the_plan_map_names_the_shaded_service_in_words_not_by_its_key(tmp_path):
    import dataclasses

    from shapely.geometry import box

    from estate.place import load_place
    from optimiser import Scenario, optimise
    from optimiser.cli_optimise import access_inputs
    from pages.common import plan_map
    from tests.test_place import TIMES, matrix_place

    place = load_place(matrix_place(tmp_path, TIMES))
    # the tiny place's two zones, drawn as squares around their points, so the map shades them
    zones = gpd.GeoDataFrame(
        {"zone_id": ["E00000001", "E00000002"]},
        geometry=[box(377900, 391900, 378100, 392100), box(378400, 391900, 378600, 392100)],
        crs=27700,
    )
    place = dataclasses.replace(place, zones=zones)
    plan = optimise(place.holdings, place.teams, Scenario(time_limit_s=10), access=access_inputs(place))
    page = _html(plan_map(place, plan, "jobcentre")).replace("\\u200b", "")
    assert "zone within the standard: Jobcentre Plus office" in page
    assert "Access after the plan: Jobcentre Plus office" in page
    assert "jobcentre standard" not in page and "Access to jobcentre" not in page

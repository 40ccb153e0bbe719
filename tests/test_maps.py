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


def test_an_inlined_stylesheet_carries_its_images_so_the_layer_button_has_its_icon(tmp_path):
    """Inlined as a data URL, Leaflet's CSS has no folder: ``images/layers.png`` would 404 from the map's frame."""
    import base64

    from pages.common import _data_url

    (tmp_path / "images").mkdir()
    icon = b"\x89PNG\r\n\x1a\n an icon"
    (tmp_path / "images" / "layers.png").write_bytes(icon)
    (tmp_path / "leaflet.css").write_text(
        ".toggle { background-image: url(images/layers.png); }\n"
        ".retina { background-image: url('images/layers-2x.png'); }\n"  # not beside it: left as named
        ".vml { behavior: url(#default#VML); } .far { background: url(https://example.org/a.png); }\n",
        encoding="utf-8",
    )
    url = _data_url(tmp_path / "leaflet.css")
    assert url.startswith("data:text/css;base64,")
    css = base64.b64decode(url.split(",", 1)[1]).decode("utf-8")
    assert f"url(data:image/png;base64,{base64.b64encode(icon).decode('ascii')})" in css
    assert "images/layers.png" not in css
    assert "url('images/layers-2x.png')" in css
    assert "url(#default#VML)" in css and "url(https://example.org/a.png)" in css


def test_no_map_refers_to_leaflet_s_images_by_a_path_the_map_s_frame_cannot_serve():
    """The estate map as served: Leaflet's stylesheet, where installed locally, holds its layer icons itself."""
    import base64
    import re

    import pytest

    from pages.common import _LOCAL_ASSETS, estate_map

    if not _LOCAL_ASSETS["leaflet.css"].exists():
        pytest.skip("Leaflet is not installed in .cache/js (make installs it with npm): the map links its CDN")
    points = gpd.GeoDataFrame({"partner": ["Council"], "name": ["HQ"]}, geometry=[Point(378000, 392000)], crs=27700)
    page = _html(estate_map(points))
    sheets = [base64.b64decode(b).decode("utf-8") for b in re.findall(r"data:text/css;base64,([A-Za-z0-9+/=]+)", page)]
    leaflet = next(css for css in sheets if ".leaflet-control-layers-toggle" in css)
    assert "images/" not in leaflet
    assert leaflet.count("url(data:image/png;base64,") == 3  # layers, layers-2x and the marker icon

"""What every page shares: session-state keys, the cached place, maps and number formats."""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from folium.plugins import FastMarkerCluster

from estate.errors import EstateError
from estate.place import DEFAULT_PLACE, Place, load_place, read_manifest

# Session-state keys, in one place.
PLACE_DIR = "place_dir"
UPLOADS = "uploads"  # list of uploaded partner files' LoadResults, in upload order

PARTNER_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)


def place_dir() -> Path:
    """The folder of the place being planned (``ESTATE_PLACE`` or the sample place)."""
    if PLACE_DIR not in st.session_state:
        st.session_state[PLACE_DIR] = os.environ.get("ESTATE_PLACE") or str(DEFAULT_PLACE)
    return Path(st.session_state[PLACE_DIR])


def place_picker() -> None:
    """A sidebar box to open another place folder; a folder that is not a place is refused."""
    with st.sidebar:
        typed = st.text_input(
            "Place folder",
            value=str(place_dir()),
            help="A folder with a place.toml naming each partner's files (see the README). "
            "The sample place is data/trafford.",
        )
        if typed and Path(typed) != place_dir():
            try:
                read_manifest(typed)
            except EstateError as exc:
                st.error(str(exc))
            else:
                st.session_state[PLACE_DIR] = typed
                st.session_state.pop(UPLOADS, None)
                st.rerun()


@st.cache_data(show_spinner="Loading and validating every partner's register…", max_entries=4)
def _load(directory: str, digest: str) -> Place:
    return load_place(directory)


def current_place() -> Place | None:
    """The place, loaded once per content version; shows the error and returns ``None`` if it cannot load."""
    directory = place_dir()
    try:
        digest = read_manifest(directory).digest()
        return _load(str(directory), digest)
    except EstateError as exc:
        st.error(f"The place in {directory} could not be loaded: {exc}")
        return None


def partner_colours(partners: list[str]) -> dict[str, str]:
    """A stable colour per partner, in the order given."""
    return {p: PARTNER_COLOURS[i % len(PARTNER_COLOURS)] for i, p in enumerate(partners)}


def money(value: float) -> str:
    """£ with thousands separators, or £1.2m for millions."""
    if pd.isna(value):
        return "–"
    if abs(value) >= 1e6:
        return f"£{value / 1e6:,.1f}m"
    return f"£{value:,.0f}"


# One small JS function draws every point of a partner as a coloured circle; the
# cluster plugin keeps 5,000 holdings responsive.
_POINT_JS = """
function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 6, color: row[2], fillColor: row[2], fillOpacity: 0.8, weight: 1});
    marker.bindTooltip(row[3]);
    return marker;
}
"""


def estate_map(holdings: pd.DataFrame, boundary=None, *, height: int = 560) -> folium.Map:
    """A folium map of holdings coloured by partner, clustered, with the boundary and a legend."""
    points = holdings.to_crs("EPSG:4326")
    centre = [points.geometry.y.mean(), points.geometry.x.mean()] if len(points) else [53.42, -2.33]
    fmap = folium.Map(location=centre, zoom_start=12, tiles="OpenStreetMap", height=height, control_scale=True)
    if boundary is not None:
        import geopandas as gpd

        outline = gpd.GeoSeries([boundary], crs="EPSG:27700").to_crs("EPSG:4326")
        folium.GeoJson(
            outline.__geo_interface__,
            name="Boundary",
            style_function=lambda _: {"color": "#333", "weight": 2, "fill": False},
        ).add_to(fmap)
    colours = partner_colours(list(dict.fromkeys(holdings["partner"])))
    for partner, colour in colours.items():
        mine = points[points["partner"] == partner]
        rows = [
            [g.y, g.x, colour, f"{name} ({partner})"]
            for g, name in zip(mine.geometry, mine["name"].astype(str).str.replace("'", "’"), strict=True)
        ]
        chip = f'<span style="color:{colour};font-size:1.2em">&#9679;</span>'
        group = folium.FeatureGroup(name=f"{chip} {partner} ({len(rows)})")
        FastMarkerCluster(rows, callback=_POINT_JS, options={"disableClusteringAtZoom": 15}).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return with_local_assets(fmap)


# Leaflet and its cluster plugin, installed from the npm registry by `make` (see the
# Makefile's `js` target). Where present they are inlined into each map, so maps draw
# without reaching a CDN (offline machines, CI); otherwise the CDN links stay.
_JS_DIR = Path(__file__).resolve().parent.parent / ".cache" / "js" / "node_modules"
_LOCAL_ASSETS = {
    "leaflet.js": _JS_DIR / "leaflet" / "dist" / "leaflet.js",
    "leaflet.css": _JS_DIR / "leaflet" / "dist" / "leaflet.css",
    "leaflet.markercluster.js": _JS_DIR / "leaflet.markercluster" / "dist" / "leaflet.markercluster.js",
    "MarkerCluster.css": _JS_DIR / "leaflet.markercluster" / "dist" / "MarkerCluster.css",
    "MarkerCluster.Default.css": _JS_DIR / "leaflet.markercluster" / "dist" / "MarkerCluster.Default.css",
}
# The base map's extras that the planner's maps never use (they style popups and icons).
_UNUSED = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
           "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css"}


@functools.cache
def _data_url(path: Path) -> str:
    kind = "text/javascript" if path.suffix == ".js" else "text/css"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _local(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if name in _UNUSED:
            continue
        local = _LOCAL_ASSETS.get(url.rsplit("/", 1)[-1])
        out.append((name, _data_url(local) if local is not None and local.exists() else url))
    return out


def with_local_assets(fmap: folium.Map) -> folium.Map:
    """Point a map's scripts and styles at the local Leaflet copies where they are installed."""
    stack = [fmap]
    while stack:
        element = stack.pop()
        for attr in ("default_js", "default_css"):
            if hasattr(element, attr):
                setattr(element, attr, _local(list(getattr(element, attr))))
        stack.extend(getattr(element, "_children", {}).values())
    return fmap


def show_error(exc: Exception) -> None:
    """Show a domain error as the user needs it: what is wrong and what to do."""
    st.error(str(exc), icon=":material/error:")

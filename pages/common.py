"""What every page shares: session-state keys, the cached place, maps and number formats."""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path

import branca
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from estate.access import AccessReport, access_report
from estate.errors import EstateError
from estate.place import DEFAULT_PLACE, Place, load_place, read_manifest, service_labels
from estate.schema import services_of
from estate.services import providers_of
from optimiser.boardpack import standing, status_sentence
from optimiser.plan import standards_as_measured

# Session-state keys, in one place.
PLACE_DIR = "place_dir"
UPLOADS = "uploads"  # list of uploaded partner files' LoadResults, in upload order
SCENARIO_FORMS = "scenario_forms"  # the Scenario form's values by place (Streamlit forgets a page's widgets)
SCENARIO_FORM_PLACE = "scenario_form_place"  # the place whose values the form's widgets hold
EDITED_STANDARDS = "standards_editor"  # the Scenario page's table editors (their edits)
EDITED_COMPATIBILITY = "compat_editor"
RESULTS_CHOICE = "results_scenario"  # the scenario the Results page shows

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
_DECIMALS = 5  # coordinates on the estate map: about a metre
_SAMPLE_CENTRE = [53.42, -2.33]  # where a map with no holdings opens


_ROUTED = "routed_by_the_app"
_WANTED = "page_wanted"


def mark_routed() -> None:
    """Called by ``app.py`` on every run: the pages it runs have its navigation and page frame."""
    st.session_state[_ROUTED] = True


def wanted_page() -> str | None:
    """The page a visitor asked for before the app first ran (see :func:`routed_by_the_app`), once."""
    return st.session_state.pop(_WANTED, None)


def routed_by_the_app(page_file: str) -> None:
    """Send a visitor who opened a page's address directly, before the app has ever run, through it.

    Until ``app.py`` has run once in a fresh server, Streamlit serves ``/portfolio`` from the
    ``pages/`` folder on its own: no navigation of the app, every helper module listed as
    a page. The visitor is sent to ``app.py``, which opens the page they asked for.
    """
    if not st.session_state.get(_ROUTED):
        st.session_state[_WANTED] = f"pages/{Path(page_file).name}"
        st.switch_page("app.py")


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
                # loaded before switching, so a folder that cannot be opened loses nothing
                _load(typed, read_manifest(typed).digest())
            except EstateError as exc:
                st.error(f"{typed} could not be opened; the current place and its uploads are kept. {exc}")
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


@st.cache_data(show_spinner="Measuring access to every service…", max_entries=4)
def _baseline_access(directory: str, digest: str, _place: Place) -> AccessReport:
    return access_report(_place.demand, _place.holdings, _place.standards, matrix=_place.matrix)


def baseline_access(place: Place) -> AccessReport:
    """Access to every service from today's estate, measured once per place version."""
    return _baseline_access(str(place.directory), place.manifest.digest(), place)


def zones_map(place: Place, access: AccessReport, service: str, *, height: int = 420) -> folium.Map:
    """Zones shaded by distance (or time) to the nearest provider of ``service``, providers marked."""
    rows = access.zones[access.zones["service"] == service].set_index("zone_id")
    zones = place.zones.copy()
    zones["geometry"] = zones.geometry.simplify(10)
    zones = zones.join(rows[["cost", "unit", "within_standard", "population", "nearest_name"]], on="zone_id")
    zones = zones.to_crs("EPSG:4326")
    finite = zones["cost"].dropna()
    top = float(finite.quantile(0.98)) if len(finite) else 1.0
    scale = branca.colormap.LinearColormap(["#1a9850", "#fee08b", "#d73027"], vmin=0, vmax=max(top, 0.1))
    unit = rows["unit"].dropna().iloc[0] if rows["unit"].notna().any() else ""
    centre = zones.union_all().centroid
    fmap = folium.Map(location=[centre.y, centre.x], zoom_start=11, tiles="OpenStreetMap", height=height)
    folium.GeoJson(
        zones[["zone_id", "cost", "within_standard", "population", "nearest_name", "geometry"]].to_json(na="null"),
        name="Zones",
        style_function=lambda f: {
            "fillColor": "#777777" if f["properties"]["cost"] is None else scale(f["properties"]["cost"]),
            "color": "#555555",
            "weight": 0.3,
            "fillOpacity": 0.65,
        },
        tooltip=folium.GeoJsonTooltip(
            ["zone_id", "cost", "within_standard", "nearest_name", "population"],
            aliases=["Zone", f"Distance ({unit})", "Within standard", "Nearest", "Residents"],
        ),
    ).add_to(fmap)
    providers = providers_of(place.holdings, service).to_crs("EPSG:4326")
    for name, point in zip(providers["name"], providers.geometry, strict=True):
        folium.CircleMarker(
            [point.y, point.x], radius=6, color="#000", fill=True, fill_color="#fff", fill_opacity=1, tooltip=str(name)
        ).add_to(fmap)
    steps = [top * i / 4 for i in range(5)]
    add_legend(
        fmap,
        f"Nearest provider ({unit})",
        [(scale(v), f"{v:.1f}") for v in steps] + [("#777777", "none reachable"), ("#ffffff", "provider")],
    )
    return with_local_assets(fmap)


class _Legend(MacroElement):
    """A legend drawn as a plain Leaflet control (no extra scripts to load)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var legend = L.control({position: "bottomright"});
        legend.onAdd = function () {
            var div = L.DomUtil.create("div");
            div.style.cssText = "background:white;padding:6px 8px;border-radius:4px;font:12px sans-serif;"
                + "box-shadow:0 0 4px rgba(0,0,0,.3);line-height:18px";
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        legend.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html


class PointsLayer(MacroElement):
    """Circles drawn from compact rows ``[lat, lon, tooltip]`` into the layer it is added to.

    The same circles as a GeoJSON layer of points, in a fifth of the bytes and without
    writing GeoJSON feature by feature: on a map made with ``prefer_canvas`` the 5,000
    holdings of a county estate draw on one canvas. Tooltips are HTML-escaped here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var style = {{ this.style|tojson }};
            {{ this.rows_js }}.forEach(function (row) {
                L.circleMarker([row[0], row[1]], style).bindTooltip(row[2]).addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, points: gpd.GeoDataFrame, tooltips: pd.Series, style: dict[str, object]) -> None:
        super().__init__()
        lonlat = points.geometry.to_crs("EPSG:4326")
        rows = [
            [round(lat, 6), round(lon, 6), html.escape(str(tip))]
            for lat, lon, tip in zip(lonlat.y.tolist(), lonlat.x.tolist(), tooltips.tolist(), strict=True)
        ]
        self.rows_js = _js_literal(rows)  # safe inside the script and its second template pass
        self.style = style


def add_legend(fmap: folium.Map, title: str, entries: list[tuple[str, str]]) -> None:
    """Add a legend box of colour chips and labels to a map."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;background:{colour};'
        f'border:1px solid #555;margin-right:6px"></span>{_inert(html.escape(label))}</div>'
        for colour, label in entries
    )
    fmap.add_child(_Legend(f"<b>{_inert(html.escape(title))}</b>{rows}"))


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun``, plural unless one: "1 holding", "2 holdings"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def service_label(place: Place, service: str) -> str:
    """The words the place's standards give a service ("Children's centre" for ``childrens_centre``)."""
    return str(service_labels(place.standards).get(service, service.replace("_", " ")))


def services_in_words(place: Place, keys: pd.Series) -> pd.Series:
    """Lists of services as their keys are stored ("gp;library"), in words ("GP surgery, Public library")."""
    labels = service_labels(place.standards)
    return keys.map(lambda text: ", ".join(labels.get(key, key.replace("_", " ")) for key in services_of(text)))


def modelled_words(share: float) -> str:
    """How much of a figure is modelled, in words to follow it: "" for none, " (modelled)" for all of it."""
    if not share > 0:
        return ""
    if share >= 1:
        return " (modelled)"
    if share < 0.01:
        return " (under 1% modelled)"
    if share > 0.99:
        return " (over 99% modelled)"
    return f" ({share:.0%} modelled)"


def _modelled_part(table: pd.DataFrame, field: str) -> pd.Series:
    """Each row's ``field`` where it is modelled, else 0."""
    return table[field].where(table[f"{field}_source"] == "modelled", 0.0)


def modelled_help(table: pd.DataFrame, field: str) -> str:
    """How much of a total is modelled, for a figure's help: "87% of it is modelled from benchmarks ..."."""
    total = float(table[field].sum())
    share = float(_modelled_part(table, field).sum()) / total if total > 0 else 0.0
    if share <= 0:
        return "Every part of it is from the partners' registers."
    if share >= 1:
        return "All of it is modelled from benchmark assumptions: no register gives it."
    return f"{share:.0%} of it is modelled from benchmark assumptions, the rest is from the partners' registers."


def marked_totals(table: pd.DataFrame, field: str, number_format: str) -> pd.Series:
    """Each partner's total of ``field``, written with how much of it is modelled: "£1,200 (40% modelled)".

    The share is of the total, not of the rows: a large modelled office outweighs small supplied ones.
    """
    sums = (
        table.assign(_modelled=_modelled_part(table, field)).groupby("partner", sort=False)[[field, "_modelled"]].sum()
    )
    share = (sums["_modelled"] / sums[field]).where(sums[field] > 0, 0.0)
    return pd.Series(
        [number_format.format(total) + modelled_words(s) for total, s in zip(sums[field], share, strict=True)],
        index=sums.index,
    )


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


_BLANK_MEANS = {
    "Site area (ha)": "Blank where no site area is known (its source says unknown): not counted in land released.",
    "Utilisation (share)": "Blank where the holding's capacity is not known.",
}
"""What a blank cell of a plan table means, as the column's help."""


def sheet_columns(frame: pd.DataFrame) -> dict[str, object]:
    """Number formats for a plan table headed in words (:meth:`optimiser.plan.Plan.sheets`).

    Money in pounds with thousands separators, shares as percentages, and a help text
    saying what a blank cell means where one can be blank.
    """
    config: dict[str, object] = {}
    for heading in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[heading]) or pd.api.types.is_bool_dtype(frame[heading]):
            if heading in _BLANK_MEANS:
                config[heading] = st.column_config.Column(heading, help=_BLANK_MEANS[heading])
            continue
        if "£" in heading:
            number_format = "£%,.0f"
        elif "(share)" in heading:
            number_format = "percent"
        elif heading in ("Site area (ha)", "Distance (km)", "Discount factor"):
            number_format = "%.2f"
        elif "FTE" in heading:
            number_format = "%,.1f"
        elif heading == "UPRN" or heading == "Plan year":
            number_format = "%d"
        else:
            number_format = "%,.0f"
        config[heading] = st.column_config.NumberColumn(heading, format=number_format, help=_BLANK_MEANS.get(heading))
    return config


@dataclass(frozen=True)
class _PartnerLayer:
    """One partner's holdings as the map draws them: a colour and compact rows ``[lat, lon, name]``."""

    partner: str
    colour: str
    count: int
    rows_js: str  # a JavaScript array literal, safe inside a <script>


@dataclass(frozen=True)
class _EstateLayers:
    """What :func:`estate_map` draws, in WGS84: the partners' points, the boundary, and where the map opens."""

    partners: tuple[_PartnerLayer, ...]
    view: list[list[float]] | None  # [[south, west], [north, east]]: the boundary's, else the holdings'
    boundary: dict | None  # GeoJSON


def _js_literal(value: object) -> str:
    """``value`` (lists, strings, numbers) as JSON that can sit in a ``<script>`` and a Jinja template unchanged.

    Characters that could end the script or start markup or a template tag are written as
    JavaScript escapes, which read back as the same text.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("{", "\\u007b"), ("}", "\\u007d")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _inert(text: str) -> str:
    """``text`` with a zero-width space after each ``{``, so a partner's name never reads as a Jinja tag.

    folium renders a layer's script and then compiles the result as a template again: a
    name typed as ``Police {% HQ`` would otherwise stop the page.
    """
    return text.replace("{", "{\u200b")


def _estate_token(holdings: pd.DataFrame, boundary) -> str:
    """A digest of what the estate map shows: partners, names and locations, and the boundary."""
    token = hashlib.sha256()
    token.update(pd.util.hash_pandas_object(holdings[["partner", "name"]], index=False).to_numpy().tobytes())
    token.update(shapely.get_coordinates(holdings.geometry.to_numpy()).tobytes())
    token.update(str(holdings.crs).encode())
    token.update(b"" if boundary is None else shapely.to_wkb(boundary))
    return token.hexdigest()


@st.cache_data(show_spinner=False, max_entries=16)
def _estate_layers(token: str, _holdings: pd.DataFrame, _boundary) -> _EstateLayers:
    """The map's layers, converted once per estate (keyed by :func:`_estate_token`)."""
    lonlat = _holdings.geometry.to_crs("EPSG:4326")
    # 5 decimals is about a metre: finer than the registers' own grid references
    lat = np.round(lonlat.y.to_numpy(dtype=float), _DECIMALS)
    lon = np.round(lonlat.x.to_numpy(dtype=float), _DECIMALS)
    names = _holdings["name"].astype("string").fillna("unnamed holding").map(html.escape).to_numpy(dtype=object)
    partners = _holdings["partner"].astype("string").fillna("unknown partner").to_numpy(dtype=object)
    located = np.isfinite(lat) & np.isfinite(lon)  # a holding always has a location; never draw NaN
    colours = partner_colours(list(dict.fromkeys(partners)))
    layers = []
    for partner, colour in colours.items():
        mine = np.flatnonzero((partners == partner) & located)
        rows = list(zip(lat[mine].tolist(), lon[mine].tolist(), names[mine].tolist(), strict=True))
        layers.append(_PartnerLayer(partner, colour, len(mine), _js_literal(rows)))
    outline = view = None
    if _boundary is not None:
        shape = gpd.GeoSeries([_boundary], crs="EPSG:27700").to_crs("EPSG:4326")
        outline = shape.__geo_interface__
        west, south, east, north = shape.total_bounds.tolist()
        view = [[south, west], [north, east]]
    elif located.any():
        view = [[lat[located].min(), lon[located].min()], [lat[located].max(), lon[located].max()]]
        view = [[float(v) for v in corner] for corner in view]
    return _EstateLayers(tuple(layers), view, outline)


class _PartnerCluster(JSCSSMixin, MacroElement):
    """One partner's holdings as coloured circles in a marker cluster, drawn from compact rows.

    The rows arrive as a ready-made JavaScript literal and are written into the map's script
    as they are: folium's usual path compiles every layer's script as a Jinja template again
    on each render (st_folium renders twice), about 0.1 s a render for 5,000 holdings.
    Tooltips give the holding's name and partner (names are HTML-escaped).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var rows = {{ this.rows_js }};
            var style = {radius: 6, color: {{ this.colour_js }}, fillColor: {{ this.colour_js }},
                         fillOpacity: 0.8, weight: 1};
            var suffix = {{ this.suffix_js }};
            var markers = new Array(rows.length);
            for (var i = 0; i < rows.length; i++) {
                markers[i] = L.circleMarker([rows[i][0], rows[i][1]], style).bindTooltip(rows[i][2] + suffix);
            }
            var cluster = L.markerClusterGroup({disableClusteringAtZoom: 15});
            cluster.addLayers(markers);
            cluster.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )
    default_js = [
        (
            "markerclusterjs",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
        )
    ]
    default_css = [
        (
            "markerclustercss",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
        ),
        (
            "markerclusterdefault",
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
        ),
    ]

    def __init__(self, layer: _PartnerLayer) -> None:
        super().__init__()
        self._name = "PartnerCluster"
        self.rows_js = layer.rows_js
        self.colour_js = _js_literal(layer.colour)
        self.suffix_js = _js_literal(html.escape(f" ({layer.partner})"))

    def render(self, **kwargs) -> None:
        """Add the cluster's links and its script to the figure, without compiling the script as a template."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.script.add_child(_Text(self._template.module.script(self, kwargs)), name=self.get_name())


class _Text(Element):
    """Text rendered as it is (a plain :class:`branca.element.Element` compiles it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        """The text."""
        return self.text


def estate_map(holdings: pd.DataFrame, boundary=None, *, height: int = 560) -> folium.Map:
    """A folium map of the whole estate: holdings coloured by partner, clustered, the boundary and a legend.

    It opens on the place's boundary (on every holding when there is none), with a layer per
    partner to switch on and off and a tooltip naming each holding and its partner.
    Converting the holdings for the map is done once per estate (see :func:`_estate_layers`),
    so a rerun redraws without converting again.
    """
    layers = _estate_layers(_estate_token(holdings, boundary), holdings, boundary)
    fmap = folium.Map(location=_SAMPLE_CENTRE, zoom_start=12, tiles="OpenStreetMap", height=height, control_scale=True)
    if layers.view is not None:
        (south, west), (north, east) = layers.view
        fmap.location = [(south + north) / 2, (west + east) / 2]
        # without animation, and before the clusters are added: an animated fit lays every cluster out twice
        fit = folium.FitBounds(layers.view, padding=(12, 12))
        fit.options["animate"] = False
        fmap.add_child(fit)
    if layers.boundary is not None:
        folium.GeoJson(
            layers.boundary,
            name="Boundary",
            style_function=lambda _: {"color": "#333", "weight": 2, "fill": False},
        ).add_to(fmap)
    add_legend(fmap, "Partner", [(layer.colour, layer.partner) for layer in layers.partners])
    for layer in layers.partners:
        chip = f'<span style="color:{layer.colour};font-size:1.2em">&#9679;</span>'
        group = folium.FeatureGroup(name=f"{chip} {html.escape(_inert(layer.partner))} ({layer.count:,})")
        _PartnerCluster(layer).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
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
_UNUSED = {
    "jquery",
    "bootstrap",
    "awesome_markers",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
}


# A url(...) in a stylesheet naming a file beside it ("images/layers.png"), not an address or a fragment.
_RELATIVE_URL = re.compile(r"""url\((['"]?)(?![a-z]+:|/|#)([^'")]+)\1\)""", re.IGNORECASE)


def _with_inline_images(css: str, folder: Path) -> str:
    """``css`` with each image it names relative to ``folder`` written into it as a data URL.

    Inlined as a data URL, a stylesheet has no folder of its own: ``url(images/layers.png)``
    would be fetched from the page's address (the map's frame), where there is none, and
    Leaflet's layer control would show an empty square. A file not found is left as named.
    """

    def inline(match: re.Match) -> str:
        image = folder / match.group(2)
        kind = mimetypes.guess_type(image.name)[0]
        if kind is None or not image.is_file():
            return match.group(0)
        return f"url(data:{kind};base64,{base64.b64encode(image.read_bytes()).decode('ascii')})"

    return _RELATIVE_URL.sub(inline, css)


@functools.cache
def _data_url(path: Path) -> str:
    if path.suffix == ".js":
        return "data:text/javascript;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    css = _with_inline_images(path.read_text(encoding="utf-8"), path.parent)
    return "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii")


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


DECISION_STYLE = {
    "keep as hub": ("#1a7f37", 8, "Kept as a hub (receives teams)"),
    "keep": ("#6e7781", 5, "Kept"),
    "dispose": ("#cf222e", 6, "Disposed of"),
}


# Move arrows avoid the decision colours (green, grey, red) so the legend reads unambiguously.
MOVE_COLOURS = ("#1f77b4", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#393b79")


def status_words(plan) -> tuple[str, str]:
    """The solver's status as a sentence (the board pack's), and the Streamlit call to show it with."""
    where = standing(plan)
    level = "success" if where in ("optimal", "proven") else "warning" if plan.status == "feasible" else "error"
    return status_sentence(plan), level


def _arrow(start: tuple[float, float], end: tuple[float, float], size: float = 120.0) -> list[tuple[float, float]]:
    """A small triangle at ``end`` pointing away from ``start`` (metres, EPSG:27700)."""
    import math

    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    left = (end[0] - size * math.cos(angle - 0.4), end[1] - size * math.sin(angle - 0.4))
    right = (end[0] - size * math.cos(angle + 0.4), end[1] - size * math.sin(angle + 0.4))
    return [end, left, right, end]


def plan_map(place: Place, plan, shade_service: str | None = None, *, height: int = 560) -> folium.Map:
    """The co-location map: hubs, kept and disposed holdings, an arrow per team move coloured by partner."""
    from shapely.geometry import Polygon

    centroid = gpd.GeoSeries([plan.decisions.geometry.union_all().centroid], crs=plan.decisions.crs).to_crs("EPSG:4326")
    centre = [centroid.y.iloc[0], centroid.x.iloc[0]]
    # thousands of circles draw far faster on one canvas than as thousands of SVG elements
    fmap = folium.Map(
        location=centre,
        zoom_start=12,
        tiles="OpenStreetMap",
        height=height,
        control_scale=True,
        prefer_canvas=True,
    )
    shading = shade_service is not None and place.zones is not None
    if shading:
        _shade_zones(fmap, place, plan_access(place, plan), shade_service)
    for decision, (colour, radius, label) in DECISION_STYLE.items():
        layer = plan.decisions[plan.decisions["decision"] == decision]
        if layer.empty:
            continue
        group = folium.FeatureGroup(name=f"{label} ({len(layer)})")
        PointsLayer(
            layer,
            layer["name"].astype(str) + " (" + layer["partner"].astype(str) + "): " + decision,
            {"radius": radius, "color": "#222", "weight": 1, "fillColor": colour, "fillOpacity": 0.9},
        ).add_to(group)
        group.add_to(fmap)
    movers = sorted(set(plan.moves["partner"])) if len(plan.moves) else []
    colours = {p: MOVE_COLOURS[i % len(MOVE_COLOURS)] for i, p in enumerate(movers)}
    if len(plan.moves):
        moves = plan.moves
        heads = [Polygon(_arrow(line.coords[0], line.coords[-1])) for line in moves.geometry]
        shown = moves[["partner", "team_id", "fte", "from_name", "to_name"]].copy()
        for column in ("team_id", "from_name", "to_name"):
            shown[column] = shown[column].astype(str).map(_inert)
        arrows = gpd.GeoDataFrame(shown, geometry=moves.geometry, crs=moves.crs)
        tips = gpd.GeoDataFrame(moves[["partner"]], geometry=heads, crs=moves.crs)
        for partner, colour in colours.items():
            mine = arrows[arrows["partner"] == partner].to_crs("EPSG:4326")
            group = folium.FeatureGroup(name=_inert(f"Moves: {partner} ({len(mine)})"))
            folium.GeoJson(
                mine.to_json(),
                style_function=lambda _, c=colour: {"color": c, "weight": 3, "opacity": 0.85},
                tooltip=folium.GeoJsonTooltip(
                    ["team_id", "fte", "from_name", "to_name"], aliases=["Team", "FTE", "From", "To"]
                ),
            ).add_to(group)
            folium.GeoJson(
                tips[tips["partner"] == partner].to_crs("EPSG:4326").to_json(),
                style_function=lambda _, c=colour: {"color": c, "fillColor": c, "weight": 1, "fillOpacity": 1},
            ).add_to(group)
            group.add_to(fmap)
    entries = [(colour, label) for colour, _, label in DECISION_STYLE.values()]
    entries += [(colour, f"move: {partner}") for partner, colour in colours.items()]
    if shading:
        label = service_label(place, shade_service)
        entries += [("#a1d99b", f"zone within the standard: {label}"), ("#fc9272", "zone outside it")]
    add_legend(fmap, "Plan", entries)
    folium.LayerControl(collapsed=True).add_to(fmap)
    return with_local_assets(fmap)


def plan_access(place: Place, plan) -> AccessReport:
    """Access from the holdings a plan keeps, offering the services they offer after the moves.

    Measured once per place version and estate after the plan, so switching the shading
    or coming back to a scenario does not measure again.
    """
    kept = plan.decisions[plan.decisions["decision"] != "dispose"]["holding_id"]
    offered = plan.hubs.set_index("holding_id")["services"] if len(plan.hubs) else pd.Series(dtype=object)
    token = hashlib.sha256()
    token.update(place.manifest.digest().encode())
    token.update("\n".join(map(str, kept)).encode())
    token.update(offered.astype(str).to_csv().encode())
    token.update(plan.access[["service", "unit", "threshold"]].to_csv().encode())
    return _plan_access(token.hexdigest(), place, kept, offered, plan.access)


@st.cache_resource(show_spinner="Measuring access after the plan…", max_entries=32)
def _plan_access(
    token: str, _place: Place, _kept: pd.Series, _offered: pd.Series, _measured: pd.DataFrame
) -> AccessReport:
    after = _place.holdings[_place.holdings["holding_id"].isin(_kept)].copy()
    after["services"] = after["holding_id"].map(_offered).where(lambda v: v.notna(), after["services"])
    if not len(_measured):
        return access_report(_place.demand, after, _place.standards, matrix=_place.matrix)
    # each service in the measure and threshold the plan was held to (the scenario's, which may differ
    # from the place's; beside a matrix, minutes or straight-line km)
    held = standards_as_measured(_place.standards, _measured)
    standards = pd.concat([held, _place.standards[~_place.standards["service"].isin(held["service"])]])
    return access_report(_place.demand, after, standards, matrix=_place.matrix, untimed_by_straight_line=False)


def _shade_zones(fmap: folium.Map, place: Place, access: AccessReport, service: str) -> None:
    rows = access.zones[access.zones["service"] == service].set_index("zone_id")
    zones = place.zones.copy()
    zones["geometry"] = zones.geometry.simplify(10)
    zones = zones.join(rows[["cost", "within_standard"]], on="zone_id").to_crs("EPSG:4326")
    folium.GeoJson(
        zones[["zone_id", "cost", "within_standard", "geometry"]].to_json(na="null"),
        name=html.escape(_inert(f"Access after the plan: {service_label(place, service)}")),
        style_function=lambda f: {
            "fillColor": "#bbbbbb"
            if f["properties"]["within_standard"] is None
            else ("#a1d99b" if f["properties"]["within_standard"] else "#fc9272"),
            "color": "#999",
            "weight": 0.2,
            "fillOpacity": 0.45,
        },
        tooltip=folium.GeoJsonTooltip(["zone_id", "cost", "within_standard"], aliases=["Zone", "Distance", "Within"]),
    ).add_to(fmap)


def show_error(exc: Exception) -> None:
    """Show a domain error as the user needs it: what is wrong and what to do."""
    st.error(str(exc), icon=":material/error:")

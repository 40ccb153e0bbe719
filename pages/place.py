"""Place: the partnership's whole estate at a glance, and residents' access to each service today."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from estate.access import NOT_MEASURED
from estate.errors import EstateError
from estate.services import POPULATION_WORDS
from pages.common import (
    baseline_access,
    current_place,
    estate_map,
    marked_totals,
    modelled_help,
    money,
    place_picker,
    routed_by_the_app,
    zones_map,
)

routed_by_the_app(__file__)


place_picker()
place = current_place()
if place is None:
    st.stop()

st.title(place.name)
st.caption(
    "The partnership's estate today. Figures marked *modelled* come from the benchmark assumptions, "
    "not the partners' registers."
)

holdings, teams = place.holdings, place.teams
fte = teams.groupby("holding_id")["fte"].sum()
desks = holdings.set_index("holding_id")["workstations"]
occupied = desks[desks.index.isin(fte.index)]
utilisation = fte.sum() / occupied.sum() if occupied.sum() else float("nan")

cols = st.columns(6)
cols[0].metric("Partners", holdings["partner"].nunique())
cols[1].metric("Holdings", f"{len(holdings):,}")
cols[2].metric(
    "Floor area (GIA)", f"{holdings['gia_m2'].sum() / 1000:,.0f}k m²", help=modelled_help(holdings, "gia_m2")
)
cols[3].metric(
    "Running cost a year", money(holdings["running_cost_gbp"].sum()), help=modelled_help(holdings, "running_cost_gbp")
)
cols[4].metric(
    "Market value", money(holdings["market_value_gbp"].sum()), help=modelled_help(holdings, "market_value_gbp")
)
cols[5].metric(
    "Carbon a year", f"{holdings['tco2e'].sum() / 1000:,.1f}k t", help="tCO2e. " + modelled_help(holdings, "tco2e")
)
st.caption(
    f"{len(teams):,} occupying teams, {teams['fte'].sum():,.0f} FTE in {len(occupied):,} occupied holdings: "
    f"desk utilisation {utilisation:.0%} (occupants are modelled where registers give none)."
)

partners = holdings.groupby("partner", sort=False).size()
per_partner = pd.DataFrame(
    {
        "Holdings": partners,
        "GIA (m²)": marked_totals(holdings, "gia_m2", "{:,.0f}"),
        "Running cost (£/yr)": marked_totals(holdings, "running_cost_gbp", "£{:,.0f}"),
        "Market value (£)": marked_totals(holdings, "market_value_gbp", "£{:,.0f}"),
        "Carbon (tCO2e/yr)": marked_totals(holdings, "tco2e", "{:,.0f}"),
        "Staff (FTE)": marked_totals(teams, "fte", "{:,.0f}"),
    },
    index=partners.index,  # the partners holding the estate, in the registers' order
).fillna({"Staff (FTE)": "0"})  # no team occupies any of the partner's holdings
st.dataframe(per_partner.rename_axis("Partner").reset_index(), hide_index=True, width="stretch")
st.caption(
    "Each partner's totals, with how much of each is *modelled* (from the benchmark assumptions, not the "
    "partner's register): *modelled* where all of it is, a share where part of it is, nothing where none is."
)

left, right = st.columns([3, 2])
with left:
    st.subheader("The estate")
    st_folium(
        estate_map(holdings, place.boundary, height=480),
        height=480,
        use_container_width=True,
        returned_objects=[],
        key="place_map",
    )

st.subheader("Residents' access to services today")
if place.demand is None:
    st.info("This place names no demand file, so access cannot be measured. Add [demand] to its place.toml.")
    st.stop()
try:
    access = baseline_access(place)
except EstateError as exc:
    st.error(f"Access could not be measured: {exc}")
    st.stop()

table = access.by_service
st.dataframe(
    table.assign(weighted_by=table["weighted_by"].map(lambda w: POPULATION_WORDS.get(w, w))),
    hide_index=True,
    width="stretch",
    column_order=(
        "label",
        "share",
        "required_share",
        "meets_standard",
        "threshold",
        "unit",
        "providers",
        "weighted_by",
        "measure",
        "note",
    ),
    column_config={
        "label": "Service",
        "share": st.column_config.ProgressColumn(
            "Residents within the standard", format="percent", min_value=0.0, max_value=1.0
        ),
        "required_share": st.column_config.NumberColumn("Standard asks", format="percent"),
        "meets_standard": "Meets it",
        "threshold": "Within",
        "unit": "Unit",
        "providers": "Providers",
        "weighted_by": "Residents counted",
        "measure": "Measured as",
        "note": "Note",
    },
)
for note in access.notes:
    st.caption(note)

with right:
    st.subheader("Distance to the nearest provider")
    labels = dict(zip(table["service"], table["label"], strict=True))
    service = st.selectbox("Service", list(labels), format_func=labels.get, key="place_service")
    chosen = table.set_index("service").loc[service]
    if chosen["measure"] == NOT_MEASURED:
        # no zone is counted in or out of reach: a map would show every zone as unreached
        st.warning(f"{labels[service]}: {chosen['note']}.")
        st.stop()
    if place.zones is not None:
        st_folium(
            zones_map(place, access, service, height=420),
            height=420,
            use_container_width=True,
            returned_objects=[],
            key=f"place_zones_{service}",
        )
    worst = access.worst_zones(service, 5)
    st.caption("Worst-served zones")
    st.dataframe(
        worst[["zone_id", "nearest_name", "cost", "unit", "population", "imd_decile"]],
        hide_index=True,
        column_config={
            "zone_id": "Zone",
            "nearest_name": "Nearest provider",
            "cost": st.column_config.NumberColumn("Distance", format="%.2f"),
            "unit": "Unit",
            "population": "Residents",
            "imd_decile": "IMD decile",
        },
    )

st.subheader(f"Access by deprivation: {labels[service]}")
by_imd = access.by_imd[access.by_imd["service"] == service]
chart = (
    alt.Chart(by_imd.dropna(subset=["imd_decile"]), title=f"{labels[service]}: residents within the standard")
    .mark_bar()
    .encode(
        x=alt.X("imd_decile:O", title="IMD decile (1 = most deprived)"),
        y=alt.Y(
            "share:Q", title="Share within the standard", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
        ),
        tooltip=[
            alt.Tooltip("imd_decile:O", title="Decile"),
            alt.Tooltip("share:Q", format=".1%"),
            alt.Tooltip("population:Q", format=",.0f"),
        ],
    )
)
st.altair_chart(chart, width="stretch")
with st.expander("The same split as a table"):
    st.dataframe(
        by_imd[["imd_decile", "population", "population_within", "share", "measure"]],
        hide_index=True,
        column_config={
            "imd_decile": st.column_config.NumberColumn("IMD decile (1 = most deprived)", format="%d"),
            "population": st.column_config.NumberColumn("Residents", format="localized"),
            "population_within": st.column_config.NumberColumn("Within the standard", format="localized"),
            "share": st.column_config.NumberColumn("Share", format="percent"),
            "measure": "Measured by",
        },
    )

"""Compare: two or more scenarios side by side: the figures, the holdings they treat differently, the maps."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from optimiser.boardpack import aim_words, headline_figures, status_short
from pages.common import current_place, place_picker, plan_map, routed_by_the_app
from pages.runs import finished_plans

routed_by_the_app(__file__)

place_picker()
place = current_place()
if place is None:
    st.stop()

st.title("Compare scenarios")
plans, without = finished_plans(place)
left_out = (
    f" {', '.join(without)} ended with no plan, so there is nothing of it to compare: the Results page says what "
    "blocks it."
    if without
    else ""
)
if len(plans) < 2:
    st.info(f"Run at least two scenarios with a plan to compare them ({len(plans)} so far).{left_out}")
    st.page_link("pages/scenario.py", label="Go to Scenario", icon=":material/tune:")
    st.stop()
if without:
    st.caption(left_out.strip())

chosen = st.multiselect("Scenarios", list(plans), default=list(plans)[-2:], key="compare_scenarios")
if len(chosen) < 2:
    st.warning("Choose two or more scenarios.")
    st.stop()

figures = pd.DataFrame({name: {"Aim": aim_words(plans[name])} | dict(headline_figures(plans[name])) for name in chosen})
figures.loc["Solver status"] = [status_short(plans[n]) for n in chosen]
st.subheader("Figures")
st.dataframe(figures, width="stretch")

st.subheader("Holdings the scenarios treat differently")
decisions = pd.concat({name: plans[name].decisions.set_index("holding_id")["decision"] for name in chosen}, axis=1)
names = plans[chosen[0]].decisions.set_index("holding_id")[["name", "partner"]]
# kept by one and disposed of by another; "keep" and "keep as hub" are both kept
kept = decisions.replace({"keep as hub": "keep"})
differ = decisions[kept.nunique(axis=1) > 1]
st.caption(f"{len(differ)} of {len(decisions)} holdings are kept by one scenario and disposed of by another.")
st.dataframe(names.join(differ, how="inner").reset_index(), hide_index=True, width="stretch")

st.subheader("Maps")
columns = st.columns(min(len(chosen), 3))
for i, name in enumerate(chosen):
    with columns[i % len(columns)]:
        st.caption(name)
        st_folium(
            plan_map(place, plans[name], height=420),
            height=420,
            use_container_width=True,
            returned_objects=[],
            key=f"compare_map_{name}",
        )

"""Results: what the plan keeps, disposes of and moves; the money; access before and after."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from optimiser.boardpack import PARTNER_HEADINGS, aim_figure, aim_words
from optimiser.diagnose import TOGETHER
from optimiser.plan import HEADINGS, land_words, payback_words
from pages.common import (
    RESULTS_CHOICE,
    current_place,
    money,
    place_picker,
    plan_map,
    routed_by_the_app,
    services_in_words,
    sheet_columns,
    status_words,
)
from pages.runs import RESULTS_SCENARIO, plan_of, refusal_words, run_panel, saved_specs, status_of

routed_by_the_app(__file__)

PARTNER_COLUMNS = {**HEADINGS, **PARTNER_HEADINGS}
"""Headings of the table of who gains and who pays, in words with units, as a board reads them."""


def _anything(frame: pd.DataFrame, *columns: str) -> bool:
    """Whether the columns hold any figure but zero: a chart of nothing is left out."""
    return bool(len(frame)) and bool(frame[list(columns)].fillna(0).abs().to_numpy().any())


place_picker()
place = current_place()
if place is None:
    st.stop()

st.title("Results")
specs = saved_specs(place)
if not specs:
    st.info("No scenario has been run yet. Set one up and run it on the Scenario page.")
    st.page_link("pages/scenario.py", label="Go to Scenario", icon=":material/tune:")
    st.stop()

names = list(specs)[::-1]
wanted = st.query_params.pop(RESULTS_SCENARIO, None)  # once: the box keeps the user's choice after
if wanted in specs:  # opened by a run's "See the results" link: that scenario, not the newest
    st.session_state[RESULTS_CHOICE] = wanted
name = st.selectbox("Scenario", names, key=RESULTS_CHOICE)
spec = specs[name]
plan = plan_of(spec, place)
if plan is None:
    status = status_of(spec, place)
    if status and status["stage"] == "refused":
        st.error(f"No plan for {name}. {refusal_words(status)}")
        st.page_link("pages/scenario.py", label="Change it on the Scenario page", icon=":material/tune:")
    elif status and status["stage"] == "failed":
        st.error(f"The run of {name} failed: {status['error']}")
    elif status and status["stage"] != "cancelled":
        st.info(f"{name} is still running; this page shows it when it finishes.")
        run_panel(place)
    else:  # cancelled, or its plan is no longer kept: nothing will come unless it runs again
        st.warning(
            f"The run of {name} was cancelled, so it has no plan to show. Run it again, or pick another scenario above."
            if status
            else f"{name} has no plan kept on this server. Run it again, or pick another scenario above."
        )
        if st.button(f"Run {name} again", key="results_run_again", icon=":material/replay:"):
            spec.start(place)
            st.rerun()
        st.page_link("pages/scenario.py", label="Change it on the Scenario page", icon=":material/tune:")
    st.stop()

headline, level = status_words(plan)
getattr(st, level)(headline)
if not plan.has_plan:
    if plan.diagnosis is not None:
        st.subheader("What blocks this scenario")
        st.write(plan.diagnosis.headline)
        for message in plan.diagnosis.messages:
            st.markdown(f"- {message}")
        together = getattr(plan.diagnosis, "together", ())
        if together:
            heading = getattr(plan.diagnosis, "together_heading", TOGETHER)
            st.markdown(heading + "\n" + "\n".join(f"- {line}" for line in together))
        # the rules not enough alone (those that are, or are not known, have their line above)
        for words in plan.diagnosis.alone.values():
            if words.endswith("alone is not enough"):
                st.caption(words[0].upper() + words[1:] + ".")
        if len(plan.diagnosis.findings):
            findings = plan.diagnosis.findings.drop(columns="family", errors="ignore")
            st.dataframe(
                findings,
                hide_index=True,
                width="stretch",
                column_config={
                    "rule": "Rule",
                    "id": "Id",
                    "name": "Where",
                    "detail": "What",
                    "needed": "Needed",
                    "limit": "Limit",
                },
            )
    st.stop()

s = plan.summary
st.markdown(f"**Aim:** {aim_words(plan)}.")
aim = aim_figure(plan)
if aim is not None:
    st.metric(aim[0], aim[1], help="What this scenario's objective measures; the money below follows from the plan.")
cols = st.columns(6)
cols[0].metric(
    "Revenue savings a year",
    money(s["revenue_savings_gbp_per_year"]),
    help="Running costs avoided, less the added running costs of hubs that receive teams.",
)
cols[1].metric("Capital receipts", money(s["capital_receipts_gbp"]), help="Net of sale fees, over the horizon.")
cols[2].metric(
    "One-off costs",
    money(s["one_off_costs_gbp"]["total"]),
    help="Moves, fit-out, lease exit fees, dilapidations, running costs after exit.",
)
cols[3].metric(
    f"NPV over {s['horizon_years']} years",
    money(s["npv_gbp"]),
    help=f"Discounted at {s['discount_rate']:.1%} a year (HM Treasury Green Book).",
)
cols[4].metric(
    "Payback",
    payback_words(s, short=True),
    help=f"The plan year by whose end the cumulative net cash stops being negative. This plan: {payback_words(s)}.",
)
cols[5].metric(
    "Carbon saved a year",
    f"{s['carbon_saved_tco2e_per_year']:,.0f} t",
    help="tCO2e, from the energy benchmarks of disposed holdings (modelled).",
)
receiving = f", {s['hubs_receiving_teams']} receiving teams" if "hubs_receiving_teams" in s else ""
st.caption(
    f"{s['holdings_before']} holdings → {s['holdings_after']} kept ({s['hubs_after']} able to host{receiving}), "
    f"{len(plan.disposals)} disposals, {len(plan.moves)} team moves ({s['fte_moved']:,.0f} FTE). "
    f"Floor area {s['gia_m2_before']:,.0f} → {s['gia_m2_after']:,.0f} m². Costs, values and occupants are largely "
    "modelled from benchmarks (see the Portfolio page)."
)
if "land_released_ha" in s:
    st.caption(land_words(s))

st.subheader("Co-location map")
services = list(plan.access["service"]) if len(plan.access) else []
service_label = dict(zip(plan.access["service"], plan.access["label"], strict=True)) if len(plan.access) else {}
shade = st.selectbox(
    "Shade zones by access to",
    ["(none)", *services],
    format_func=lambda key: service_label.get(key, key),
    key="results_shade",
)
st_folium(
    plan_map(place, plan, None if shade == "(none)" else shade),
    height=560,
    use_container_width=True,
    returned_objects=[],
    key=f"results_map_{name}_{shade}",
)

left, right = st.columns(2)
cash = plan.cashflow
with left:
    st.subheader("Cumulative cash flow")
    if not _anything(cash, "cumulative_net", "cumulative_discounted"):  # a chart of zeros has axes reading NaN
        st.caption("No cash moves in any year: the plan sells, leaves and moves nothing.")
    else:
        flow = cash.melt(id_vars="year", value_vars=["cumulative_net", "cumulative_discounted"], var_name="series")
        flow["series"] = flow["series"].map({"cumulative_net": "cash", "cumulative_discounted": "discounted (NPV)"})
        st.altair_chart(
            alt.Chart(flow)
            .mark_line(point=True)
            .encode(
                x=alt.X("year:O", title="Plan year"),
                y=alt.Y("value:Q", title="£ cumulative", axis=alt.Axis(format="~s")),
                color=alt.Color("series:N", title=None),
                tooltip=["year", "series", alt.Tooltip("value:Q", format=",.0f")],
            ),
            width="stretch",
        )
with right:
    st.subheader("Capital receipts by year")
    if not _anything(cash, "receipts"):
        st.caption("No capital receipts: the plan sells nothing.")
    else:
        st.altair_chart(
            alt.Chart(cash)
            .mark_bar()
            .encode(
                x=alt.X("year:O", title="Plan year"),
                y=alt.Y("receipts:Q", title="£ receipts", axis=alt.Axis(format="~s")),
                tooltip=["year", alt.Tooltip("receipts:Q", format=",.0f")],
            ),
            width="stretch",
        )

st.subheader("Who gains and who pays")
partners = pd.DataFrame(s["partners"])
if len(partners) and not _anything(partners, "gains_npv_gbp", "costs_npv_gbp"):
    st.caption("No partner gains or pays anything under this plan.")
elif len(partners):
    long = partners.melt(id_vars="partner", value_vars=["gains_npv_gbp", "costs_npv_gbp"], var_name="side")
    long["side"] = long["side"].map({"gains_npv_gbp": "gains (NPV)", "costs_npv_gbp": "costs (NPV)"})
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("partner:N", title=None),
            x=alt.X("value:Q", title="£ over the horizon, discounted", axis=alt.Axis(format="~s")),
            color=alt.Color(
                "side:N",
                title=None,
                scale=alt.Scale(domain=["gains (NPV)", "costs (NPV)"], range=["#2ca02c", "#d62728"]),
            ),
            yOffset="side:N",
            tooltip=["partner", "side", alt.Tooltip("value:Q", format=",.0f")],
        ),
        width="stretch",
    )
if len(partners):
    table = partners.rename(columns=lambda c: PARTNER_COLUMNS.get(c, c.replace("_", " ").capitalize()))
    st.dataframe(table, hide_index=True, width="stretch", column_config=sheet_columns(table))

st.subheader("Access before and after")
st.dataframe(
    plan.access.drop(columns="service"),
    hide_index=True,
    width="stretch",
    column_config={
        "share_before": st.column_config.NumberColumn("Before", format="percent"),
        "share_after": st.column_config.NumberColumn("After", format="percent"),
        "standard_share": st.column_config.NumberColumn("Standard", format="percent"),
        "required_share": st.column_config.NumberColumn("Required of this plan", format="percent"),
        "label": "Service",
        "measure": "Measured as",
        "threshold": "Within",
        "unit": "Unit",
        "residents_counted": "Residents counted",
        "meets_standard": st.column_config.CheckboxColumn(
            "Meets the standard",
            help="After the plan, at least the standard's share is within reach. Where today falls short, a plan "
            "must only keep today's share (Required of this plan), so it may still not meet the standard.",
        ),
    },
)
st.caption(f"Measured as {s.get('access_measure', 'straight-line distance')}.")

tab1, tab2, tab3 = st.tabs(
    [f"Disposals ({len(plan.disposals)})", f"Moves ({len(plan.moves)})", f"Kept holdings and hubs ({len(plan.hubs)})"]
)
sheets = plan.sheets()  # headings in words, as the exports have them
if "Services" in sheets["Hubs"]:  # each service in words, as the standards name it ("GP surgery", not "gp")
    sheets["Hubs"]["Services"] = services_in_words(place, sheets["Hubs"]["Services"])
for tab, sheet in ((tab1, "Disposals"), (tab2, "Moves"), (tab3, "Hubs")):
    tab.dataframe(sheets[sheet], hide_index=True, width="stretch", column_config=sheet_columns(sheets[sheet]))
st.page_link("pages/export.py", label="Export the lists and the board pack", icon=":material/download:")

with st.expander("Solver and run details"):
    st.write(
        f"Solver: {'HiGHS' if s['solver'] == 'highs' else s['solver'].upper()} ({s['solver_status']}). "
        f"Build {plan.build_seconds:.1f} s, solve {plan.solve_seconds:.1f} s."
    )
    for note in plan.notes:
        st.caption(note)
    st.json(s["manifest"], expanded=False)

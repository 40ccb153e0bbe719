"""Scenario: every setting of the model, in plain words, with its default; then run it."""

from __future__ import annotations

import datetime as dt
import io

import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from estate.services import POPULATION_WORDS
from optimiser.errors import ScenarioError
from optimiser.inputs import load_compatibility
from optimiser.scenario import OBJECTIVES, SOLVERS, Scenario
from pages.common import (
    EDITED_COMPATIBILITY,
    EDITED_STANDARDS,
    SCENARIO_FORM_PLACE,
    SCENARIO_FORMS,
    current_place,
    estate_map,
    money,
    place_picker,
    routed_by_the_app,
    show_error,
)
from pages.runs import ScenarioSpec, run_panel, saved_specs

routed_by_the_app(__file__)

place_picker()
place = current_place()
if place is None:
    st.stop()

DEFAULT = Scenario.from_toml()
st.title("Scenario")
st.caption(
    "Every setting the optimiser takes, each starting at the planner's default; figures the "
    "planner assumes rather than knows are marked *modelled assumption*. Name the scenario and run it; "
    "runs continue in the background while you work elsewhere."
)

OBJECTIVE_WORDS = {
    "npv": "Best value for money: maximise net present value",
    "fewest_sites": "Fewest buildings that still meet every access standard",
    "max_coverage": "Most residents within reach, with a set number of hubs",
    "least_travel": "Least staff relocation, with a set number of hubs",
}

holdings = place.holdings


def _add_lock(widget: str, holding_id: str) -> None:
    """Add a holding picked on the map to a lock list (runs before the page redraws)."""
    other = "lock_dispose" if widget == "lock_retain" else "lock_retain"
    st.session_state[widget] = sorted({*st.session_state.get(widget, []), holding_id})
    st.session_state[other] = [h for h in st.session_state.get(other, []) if h != holding_id]


label_of = dict(zip(holdings["holding_id"], holdings["name"] + " (" + holdings["partner"] + ")", strict=True))
locked_by_register = holdings.loc[holdings["locked_retain"].fillna(False).astype(bool), "holding_id"].tolist()


DEFAULT_MOVE_LIMIT = float(DEFAULT.relocation_limit_km if DEFAULT.relocation_limit_km is not None else 10.0)
"""What the move-limit box shows when there is no limit (the box cannot be empty)."""


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _widget_values(name: str, s: Scenario) -> dict[str, object]:
    """The form's widgets, by key, set to a scenario's values."""
    return {
        "scenario_name": name,
        "scenario_objective": s.objective,
        "scenario_p": int(s.p or 7),
        "scenario_max_hubs": int(s.max_hubs or 0),
        "scenario_enforce": s.enforce_access,
        "scenario_space": float(s.space_per_fte_m2),
        "scenario_desk_ratio": float(s.desk_ratio),
        "scenario_move_limit": float(
            s.relocation_limit_km if s.relocation_limit_km is not None else DEFAULT_MOVE_LIMIT
        ),
        "scenario_no_move_limit": s.relocation_limit_km is None,
        "scenario_move_cost": float(s.relocation_cost_per_fte),
        "scenario_fitout": float(s.fitout_cost_per_m2),
        "scenario_hosting": float(s.hosting_cost_per_m2),
        "scenario_horizon": int(s.horizon_years),
        "scenario_discount": float(s.discount_rate),
        "scenario_budget": _number(s.budget_gbp),
        "scenario_sale_fees": float(s.disposal_cost_rate),
        "scenario_sale_months": float(s.disposal_lead_months),
        "scenario_exit_fee": float(s.lease_exit_fee_rate),
        "scenario_dilapidations": float(s.dilapidations_per_m2),
        "scenario_double_running": float(s.double_running_months),
        "scenario_carbon_price": float(s.carbon_price_gbp_per_tco2e),
        "scenario_homes": float(s.homes_per_hectare),
        "scenario_start": s.start_date or dt.date.today(),
        "scenario_backlog": s.backlog_avoided,
        "scenario_no_worse_off": s.no_worse_off,
        "lock_retain": [h for h in s.lock_retain if h in label_of],
        "lock_dispose": [h for h in s.lock_dispose if h in label_of],
        "unlock": [h for h in s.unlock if h in locked_by_register],
        "scenario_solver": s.solver,
        "scenario_time_limit": float(s.time_limit_s),
        "scenario_gap": float(s.mip_gap),
        "scenario_threads": s.threads,
    }


FORM_WIDGETS = tuple(_widget_values("", DEFAULT))


# Streamlit forgets a widget's value once a page without it runs: the form's values are copied
# under a key of their own after every run, by place, and put back when the page opens again.
form = st.session_state.setdefault(SCENARIO_FORMS, {}).setdefault(str(place.directory), {"widgets": {}})
if st.session_state.get(SCENARIO_FORM_PLACE) != str(place.directory):  # another place: its own form
    for widget in (*FORM_WIDGETS, EDITED_STANDARDS, EDITED_COMPATIBILITY):
        st.session_state.pop(widget, None)
    st.session_state[SCENARIO_FORM_PLACE] = str(place.directory)
for widget, value in form["widgets"].items():
    st.session_state.setdefault(widget, value)
# an editor's table starts from the user's last edits (the edits themselves are the widget's, and forgotten)
if EDITED_STANDARDS not in st.session_state:
    form["standards_base"] = form.get("standards", place.standards)
if EDITED_COMPATIBILITY not in st.session_state:
    form["compatibility_base"] = form.get("compatibility", load_compatibility())


def _load_spec(name: str) -> None:
    """Fill the form with a scenario already run, to adjust it (runs before the page redraws)."""
    spec = saved_specs(place)[name]
    for widget, value in _widget_values(spec.name, spec.scenario).items():
        st.session_state[widget] = value
    form["standards"] = spec.standards()
    form["compatibility"] = pd.read_csv(io.StringIO(spec.compatibility_csv))
    for editor in (EDITED_STANDARDS, EDITED_COMPATIBILITY):  # the editors start afresh from these tables
        st.session_state.pop(editor, None)


run_before = saved_specs(place)
if run_before:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    again = c1.selectbox(
        "Start from a scenario already run",
        list(run_before)[::-1],
        key="scenario_load_pick",
        help="Fills the form below with its settings, tables and locks, to adjust and run under a new name.",
    )
    c2.button("Load it into the form", on_click=_load_spec, args=(again,), key="scenario_load")

with st.form("scenario"):
    name = st.text_input(
        "Scenario name",
        value="Default",
        key="scenario_name",
        help="Runs are kept under this name for Results and Compare.",
    )
    st.subheader("What the plan aims for")
    objective = st.radio(
        "Objective",
        OBJECTIVES,
        format_func=OBJECTIVE_WORDS.get,
        index=OBJECTIVES.index(DEFAULT.objective),
        key="scenario_objective",
        help="Net present value counts running costs avoided and capital receipts, less one-off costs, "
        "discounted over the horizon (HM Treasury Green Book).",
    )
    c1, c2 = st.columns(2)
    p = c1.number_input(
        "Number of hubs (p)",
        min_value=1,
        value=7,
        step=1,
        key="scenario_p",
        help="Used by the two objectives with a set number of hubs.",
    )
    max_hubs = c2.number_input(
        "At most this many hubs (0: no limit)",
        min_value=0,
        value=DEFAULT.max_hubs or 0,
        step=1,
        key="scenario_max_hubs",
        help="Applies to every objective. Default: no limit.",
    )

    st.subheader("Access standards")
    enforce = st.checkbox(
        "Hold every plan to the access standards",
        value=DEFAULT.enforce_access,
        key="scenario_enforce",
        help="Where today's estate already falls short of a standard, a plan must not make it worse.",
    )
    # shown as the other pages show them: services and residents in words, shares in percent
    base = form["standards_base"]
    columns = ["service", "label", "threshold", "unit", "threshold_minutes", "share", "population", "source"]
    shown = base[columns].assign(
        share=(base["share"] * 100).round(8),
        residents=base["population"].map(lambda counted: POPULATION_WORDS.get(counted, counted)),
    )
    minutes = ["threshold_minutes"] if place.matrix is not None else []  # minutes need a travel-time matrix
    edited = st.data_editor(
        shown,
        hide_index=True,
        column_order=["label", "threshold", "unit", *minutes, "share", "residents", "source"],
        disabled=["service", "label", "unit", "population", "residents", "source"],
        column_config={
            "label": "Service",
            "threshold": st.column_config.NumberColumn(
                "Within", min_value=0.0, format="%.2f", help="In the unit beside it: km in a straight line, or minutes."
            ),
            "unit": "Unit",
            "threshold_minutes": st.column_config.NumberColumn(
                "Or within (minutes)",
                min_value=0.0,
                format="%.0f",
                help="Used instead of the km where the travel-time matrix times the service's buildings. "
                "Empty: measured in km even then.",
            ),
            "share": st.column_config.NumberColumn(
                "Share of residents (%)",
                min_value=0.0,
                max_value=100.0,
                format="%.1f",
                help="The share of the residents counted who must be within reach.",
            ),
            "residents": "Residents counted",
            "source": "Where the default comes from",
        },
        key=EDITED_STANDARDS,
        width="stretch",
    )
    standards = edited.drop(columns="residents").assign(share=(edited["share"] / 100).round(10))
    if place.matrix is not None:
        source = place.matrix.attrs.get("source", "the matrix")
        st.caption(
            f"Standards with minutes are measured by travel times from {source}; "
            "those in km only, or whose providers the matrix does not time, in straight lines."
        )
    else:
        st.caption(
            "Distances are straight-line km (British National Grid). A place can name a travel-time matrix in its "
            "place.toml ([demand] matrix) to measure standards in minutes."
        )

    st.subheader("Space and moves")
    c1, c2, c3 = st.columns(3)
    space = c1.number_input(
        "Floor area per FTE (m²)",
        0.5,
        100.0,
        DEFAULT.space_per_fte_m2,
        key="scenario_space",
        help="Government hubs are designed at about 6 m² per person.",
    )
    desk_ratio = c2.number_input(
        "Desks per FTE",
        0.05,
        5.0,
        DEFAULT.desk_ratio,
        step=0.05,
        key="scenario_desk_ratio",
        help="0.8 means ten staff share eight desks. Modelled assumption.",
    )
    # a number box that starts with a number cannot be emptied, so "no limit" is a tick of its own
    limit = c3.number_input(
        "Furthest a team moves (km)",
        0.0,
        200.0,
        DEFAULT_MOVE_LIMIT,
        key="scenario_move_limit",
        help="Straight line. Modelled assumption: about a 20-minute drive across a borough. 0: teams move only "
        "between holdings at the same point (buildings of one site, or holdings placed by the same postcode).",
    )
    no_move_limit = c3.checkbox(
        "No limit on how far a team moves",
        DEFAULT.relocation_limit_km is None,
        key="scenario_no_move_limit",
        help="Ticked, the distance above is not applied: a team may move to any hub.",
    )
    c1, c2, c3 = st.columns(3)
    relocation = c1.number_input(
        "Moving one FTE (£)",
        0.0,
        None,
        DEFAULT.relocation_cost_per_fte,
        step=250.0,
        key="scenario_move_cost",
        help="Removals, IT, travel allowances. Modelled assumption.",
    )
    fitout = c2.number_input(
        "Fit-out per m² received (£)",
        0.0,
        None,
        DEFAULT.fitout_cost_per_m2,
        step=50.0,
        key="scenario_fitout",
        help="Category B office fit-out. Modelled assumption.",
    )
    hosting = c3.number_input(
        "Hub's added running cost per m² a year (£)",
        0.0,
        None,
        DEFAULT.hosting_cost_per_m2,
        key="scenario_hosting",
        help="Cleaning, energy, facilities for the space a hub gives a team. Modelled assumption.",
    )

    st.subheader("Money")
    c1, c2, c3 = st.columns(3)
    horizon = c1.number_input(
        "Horizon (years)",
        1,
        60,
        DEFAULT.horizon_years,
        key="scenario_horizon",
        help=f"Years of savings and costs counted. Default {DEFAULT.horizon_years}.",
    )
    discount = c2.number_input(
        "Discount rate",
        0.0,
        1.0,
        DEFAULT.discount_rate,
        step=0.005,
        format="%.3f",
        key="scenario_discount",
        help="HM Treasury Green Book: 3.5% a year for years 1-30.",
    )
    budget = c3.number_input(
        "Up-front budget (£; empty: no cap)",
        0.0,
        None,
        DEFAULT.budget_gbp,
        step=1_000_000.0,
        key="scenario_budget",
        help="Cap on one-off costs: moves, fit-out, lease exit fees, dilapidations. 0: nothing may be spent up "
        "front. Clear the box for no cap.",
    )
    c1, c2, c3 = st.columns(3)
    disposal_rate = c1.number_input(
        "Sale fees (share of receipt)",
        0.0,
        1.0,
        DEFAULT.disposal_cost_rate,
        format="%.3f",
        key="scenario_sale_fees",
        help="Agents' and legal fees. Modelled assumption.",
    )
    lead = c2.number_input(
        "Months to complete a sale",
        0.0,
        120.0,
        DEFAULT.disposal_lead_months,
        key="scenario_sale_months",
        help="Savings and receipts start after this. Modelled assumption.",
    )
    exit_fee = c3.number_input(
        "Early lease exit fee (share of rent due)",
        0.0,
        10.0,
        DEFAULT.lease_exit_fee_rate,
        key="scenario_exit_fee",
        help="Paid to leave a lease before its break or expiry. Modelled assumption.",
    )
    c1, c2, c3 = st.columns(3)
    dilaps = c1.number_input(
        "Dilapidations per m² (£)",
        0.0,
        None,
        DEFAULT.dilapidations_per_m2,
        key="scenario_dilapidations",
        help="Paid when a lease ends. Modelled assumption.",
    )
    double = c2.number_input(
        "Months of double running",
        0.0,
        120.0,
        DEFAULT.double_running_months,
        key="scenario_double_running",
        help="An exited building still costs money for this long. Modelled assumption.",
    )
    carbon = c3.number_input(
        "Value of a tonne of CO2e saved (£)",
        0.0,
        None,
        DEFAULT.carbon_price_gbp_per_tco2e,
        key="scenario_carbon_price",
        help="0 reports carbon without valuing it.",
    )
    homes = st.number_input(
        "Homes per hectare of land released",
        0.0,
        1000.0,
        DEFAULT.homes_per_hectare,
        key="scenario_homes",
        help="For the plan's indicative homes figure only; it never changes the plan. Modelled assumption "
        "(30: the national indicative minimum density of PPS3, 2006).",
    )
    start = st.date_input(
        "Appraisal starts (day 0)",
        value=DEFAULT.start_date or dt.date.today(),
        key="scenario_start",
        help="Exits, lease breaks and the cash-flow years count from this day. Default: today.",
    )
    backlog = st.checkbox(
        "Count a disposed building's backlog maintenance as avoided",
        value=DEFAULT.backlog_avoided,
        key="scenario_backlog",
        help="The repairs a building needs, no longer paid once it is sold or left. Modelled where the register "
        f"gives none. Default: {'on' if DEFAULT.backlog_avoided else 'off'}.",
    )
    no_worse_off = st.checkbox(
        "No partner worse off (each partner's own NPV at least zero)",
        value=DEFAULT.no_worse_off,
        key="scenario_no_worse_off",
        help="Off by default: the partnership's total is what counts, and one partner may gain less or lose.",
    )

    st.subheader("Locks")
    st.caption("Holdings the partners have decided on. The register's own locks (e.g. schools, hospitals) apply too.")
    options = sorted(label_of, key=label_of.get)
    lock_retain = st.multiselect(
        "Always keep", options, format_func=label_of.get, key="lock_retain", help="Kept whatever the money says."
    )
    lock_dispose = st.multiselect(
        "Always dispose of",
        options,
        format_func=label_of.get,
        key="lock_dispose",
        help="Sold or left at its earliest exit; its teams must go elsewhere.",
    )
    unlock = st.multiselect(
        "Free from the register's lock",
        sorted(locked_by_register, key=label_of.get),
        format_func=label_of.get,
        key="unlock",
        help="The register marks these as kept (e.g. schools, hospitals); freed, the plan may dispose of them.",
    )

    with st.expander("Which partners may share which kinds of building"):
        compatibility = st.data_editor(
            form["compatibility_base"],
            hide_index=True,
            key=EDITED_COMPATIBILITY,
            disabled=["partner_type", "use_class", "note"],
            width="stretch",
            column_config={
                "partner_type": st.column_config.TextColumn("Partner type"),
                "use_class": st.column_config.TextColumn("Kind of building"),
                "allowed": st.column_config.CheckboxColumn("May share", help="Untick to keep this partner out"),
                "note": st.column_config.TextColumn("Why"),
            },
        )

    st.subheader("Solver")
    c1, c2, c3, c4 = st.columns(4)
    solver = c1.selectbox(
        "Solver",
        SOLVERS,
        index=SOLVERS.index(DEFAULT.solver),
        key="scenario_solver",
        help="HiGHS by default; CBC as a check.",
    )
    time_limit = c2.number_input(
        "Time limit (s)",
        1.0,
        3600.0,
        DEFAULT.time_limit_s,
        key="scenario_time_limit",
        help="A run stopped by the limit reports its plan with the gap to the best bound.",
    )
    gap = c3.number_input(
        "Stop within this gap of the best bound",
        0.0,
        0.5,
        DEFAULT.mip_gap,
        format="%.4f",
        key="scenario_gap",
        help=f"0.005 stops at a plan proven within 0.5% of the best possible. Default {DEFAULT.mip_gap:g}.",
    )
    threads = c4.number_input(
        "Solver threads (empty: every core)",
        1,
        64,
        DEFAULT.threads,
        key="scenario_threads",
        help="With two or more, large plans are searched two ways at once. Default: the machine's cores.",
    )
    submitted = st.form_submit_button("Run this scenario", type="primary")
form["widgets"] = {widget: st.session_state[widget] for widget in FORM_WIDGETS if widget in st.session_state}
form["standards"], form["compatibility"] = standards, compatibility

if submitted:
    try:
        scenario = DEFAULT.replace(
            objective=objective,
            p=int(p) if objective in ("max_coverage", "least_travel") else None,
            max_hubs=int(max_hubs) or None,
            enforce_access=enforce,
            space_per_fte_m2=space,
            desk_ratio=desk_ratio,
            relocation_limit_km=None if no_move_limit else limit,
            relocation_cost_per_fte=relocation,
            fitout_cost_per_m2=fitout,
            hosting_cost_per_m2=hosting,
            horizon_years=int(horizon),
            discount_rate=discount,
            budget_gbp=budget,
            disposal_cost_rate=disposal_rate,
            disposal_lead_months=lead,
            lease_exit_fee_rate=exit_fee,
            dilapidations_per_m2=dilaps,
            double_running_months=double,
            carbon_price_gbp_per_tco2e=carbon,
            homes_per_hectare=homes,
            backlog_avoided=backlog,
            no_worse_off=no_worse_off,
            lock_retain=tuple(lock_retain),
            lock_dispose=tuple(lock_dispose),
            unlock=tuple(unlock),
            solver=solver,
            time_limit_s=time_limit,
            mip_gap=gap,
            threads=int(threads) if threads else None,
            start_date=start,
            source="the settings on this page",
        )
        spec = ScenarioSpec.make(name.strip() or "Scenario", scenario, standards, compatibility)
    except ScenarioError as exc:
        show_error(exc)
    else:
        spec.start(place)

run_panel(place)

with st.expander("Pick locks on the map"):
    st.caption("Click a holding, then choose what to lock it to. The lists above update.")
    clicked = st_folium(
        estate_map(holdings, place.boundary, height=420),
        height=420,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
        key="lock_map",
    )
    point = (clicked or {}).get("last_object_clicked")
    if point:
        here = gpd.GeoSeries([Point(point["lng"], point["lat"])], crs="EPSG:4326").to_crs(holdings.crs).iloc[0]
        nearest = holdings.geometry.distance(here).idxmin()
        chosen = holdings.loc[nearest, "holding_id"]
        st.write(f"**{label_of[chosen]}**: running cost {money(holdings.loc[nearest, 'running_cost_gbp'])} a year")
        b1, b2 = st.columns(2)
        b1.button("Always keep it", on_click=_add_lock, args=("lock_retain", chosen))
        b2.button("Always dispose of it", on_click=_add_lock, args=("lock_dispose", chosen))

if saved_specs(place):
    st.subheader("Scenarios run this session")
    st.dataframe(pd.DataFrame([s.describe() for s in saved_specs(place).values()]), hide_index=True, width="stretch")

"""Portfolio: bring in every partner's register, see what loaded, and map the whole estate."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from estate.columns import SOURCE_FIELDS, match_columns
from estate.errors import EstateError
from estate.export import to_csv_bytes, to_excel_bytes
from estate.load import PartnerFile, load_file, outcome_counts
from estate.locate import PostcodeLookup
from estate.place import shared_sites
from estate.readers import read_table
from estate.schema import Outcome, PartnerType
from pages.common import UPLOADS, current_place, estate_map, money, place_picker, show_error

st.title("Portfolio")
st.caption(
    "Every partner's holdings on one map. Values the registers do not hold (running costs, "
    "market values, workstations, occupants) are **modelled** from the benchmark assumptions "
    "and marked as such in every table and export."
)

place_picker()
place = current_place()
if place is None:
    st.stop()
uploads: list[dict] = st.session_state.setdefault(UPLOADS, [])

# ---------------------------------------------------------------- add a partner's file
with st.expander("Add a partner's register", expanded=False):
    st.write(
        "CSV (UTF-8 or Windows-1252), Excel (.xlsx or old .xls), GeoJSON, GeoPackage or a zipped "
        "Shapefile. Columns are matched to the holding schema automatically; correct the match below."
    )
    upload = st.file_uploader("Register file", key="register_upload")
    left, right = st.columns(2)
    partner = left.text_input("Partner", placeholder="e.g. Greater Manchester Police", key="upload_partner")
    partner_type = right.selectbox("Partner type", [t.value for t in PartnerType], index=len(PartnerType) - 1)
    if upload is not None:
        data = upload.getvalue()
        try:
            raw = read_table(data, label=upload.name)
            headings = [c for c in raw.frame.columns if not c.startswith("_")]
            try:
                guess = match_columns(headings, label=upload.name).fields
            except EstateError as exc:
                st.warning(str(exc))
                guess = {}
            by_heading = {heading: field for field, heading in guess.items()}
            mapping = st.data_editor(
                pd.DataFrame({"column": headings, "field": [by_heading.get(h, "") for h in headings]}),
                column_config={
                    "column": st.column_config.TextColumn("Column in the file", disabled=True),
                    "field": st.column_config.SelectboxColumn("Holding field", options=["", *SOURCE_FIELDS]),
                },
                hide_index=True,
                key=f"mapping_{upload.name}",
            )
            if st.button("Load this register", type="primary", disabled=not partner.strip(), key="load_register"):
                columns = {r.column: (r.field or "") for r in mapping.itertuples()}
                postcodes = PostcodeLookup.from_csv(place.manifest.postcodes) if place.manifest.postcodes else None
                result = load_file(
                    data,
                    PartnerFile(partner.strip(), partner_type, columns),
                    label=upload.name,
                    postcodes=postcodes,
                    boundary=place.boundary,
                    assumptions=place.assumptions,
                    id_prefix=f"upload{len(uploads) + 1}",
                )
                uploads.append({"file": upload.name, "partner": partner.strip(), "result": result})
                st.success(f"{upload.name}: {len(result.holdings)} holdings loaded for {partner.strip()}.")
        except EstateError as exc:
            show_error(exc)
    if uploads:
        st.write("Uploaded this session: " + "; ".join(f"{u['file']} ({u['partner']})" for u in uploads))
        if st.button("Remove uploaded registers"):
            uploads.clear()
            st.rerun()

results = [u["result"] for u in uploads]
holdings = gpd.GeoDataFrame(
    pd.concat([place.holdings, *[r.holdings for r in results]], ignore_index=True),
    geometry="geometry",
    crs=place.holdings.crs,
)
report = pd.concat([place.report, *[r.report for r in results]], ignore_index=True)

# ---------------------------------------------------------------- headline figures
counts = outcome_counts(report)
cols = st.columns(5)
cols[0].metric("Holdings on the map", f"{len(holdings):,}")
cols[1].metric("Partners", holdings["partner"].nunique())
cols[2].metric("Rows loaded", f"{counts[Outcome.LOADED.value]:,}")
cols[3].metric("Loaded with warnings", f"{counts[Outcome.WARNING.value]:,}")
cols[4].metric("Excluded (reason given)", f"{counts[Outcome.EXCLUDED.value]:,}")

st.subheader("Totals per partner")
totals = holdings.groupby("partner", sort=False).agg(
    holdings=("holding_id", "size"),
    gia_m2=("gia_m2", "sum"),
    running_cost=("running_cost_gbp", "sum"),
    value=("market_value_gbp", "sum"),
    modelled_costs=("running_cost_gbp_source", lambda s: (s == "modelled").mean()),
)
st.dataframe(
    totals.reset_index(),
    hide_index=True,
    column_config={
        "partner": "Partner",
        "holdings": st.column_config.NumberColumn("Holdings"),
        "gia_m2": st.column_config.NumberColumn("GIA (m²)", format="%,.0f"),
        "running_cost": st.column_config.NumberColumn("Running cost (£/yr)", format="£%,.0f"),
        "value": st.column_config.NumberColumn("Market value (£)", format="£%,.0f"),
        "modelled_costs": st.column_config.ProgressColumn(
            "Share of costs modelled",
            format="percent",
            min_value=0.0,
            max_value=1.0,
            help="Running costs not supplied by the partner and filled from the benchmark assumptions.",
        ),
    },
)
st.caption(
    f"Whole estate: {len(holdings):,} holdings, {holdings['gia_m2'].sum():,.0f} m² GIA, "
    f"running cost {money(holdings['running_cost_gbp'].sum())} a year, "
    f"value {money(holdings['market_value_gbp'].sum())}."
)

# ---------------------------------------------------------------- map
st.subheader("The whole estate")
outside = int((holdings["in_boundary"] == False).sum())  # noqa: E712 - nullable boolean
if outside:
    st.info(f"{outside} holdings lie outside {place.name}'s boundary: they are kept and flagged in the report.")
st_folium(
    estate_map(holdings, place.boundary), height=560, use_container_width=True, returned_objects=[], key="portfolio_map"
)

# ---------------------------------------------------------------- validation report
st.subheader("Validation report")
st.write(
    "Every input row is listed: loaded, loaded with warnings, or excluded with the reason and "
    "what to do. Row numbers are as a spreadsheet shows them (the header is row 1)."
)
f1, f2 = st.columns(2)
outcomes = f1.multiselect(
    "Outcome", [o.value for o in Outcome], default=[Outcome.WARNING.value, Outcome.EXCLUDED.value]
)
partners = f2.multiselect("Partner", sorted(report["partner"].dropna().unique()))
shown = report[report["outcome"].isin(outcomes)]
if partners:
    shown = shown[shown["partner"].isin(partners)]
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    height=360,
    column_order=("partner", "file", "row", "name", "outcome", "field", "problem", "action", "holding_id"),
)
c1, c2 = st.columns(2)
c1.download_button(
    "Download the full report (CSV)",
    lambda: to_csv_bytes(report),
    file_name=f"{place.name.lower()}_validation_report.csv",
    mime="text/csv",
)
c2.download_button(
    "Download the report and holdings (Excel)",
    lambda: to_excel_bytes({"Validation report": report, "Holdings": holdings.drop(columns="geometry")}),
    file_name=f"{place.name.lower()}_validation_report.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

shared = shared_sites(holdings)
if len(shared):
    st.subheader("Sites shared by several partners")
    st.dataframe(shared, hide_index=True, width="stretch")

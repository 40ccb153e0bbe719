"""Export: the disposal list and moves for Excel, the plan for QGIS, the board pack."""

from __future__ import annotations

import streamlit as st

from estate.export import XLSX_MIME, to_csv_bytes, to_excel_bytes, to_geopackage_bytes
from optimiser.boardpack import board_pack_html, board_pack_pdf
from pages.common import current_place, place_picker, routed_by_the_app, sheet_columns
from pages.runs import finished_plans

routed_by_the_app(__file__)

place_picker()
place = current_place()
if place is None:
    st.stop()

st.title("Export")
plans, without = finished_plans(place)
if not plans:
    st.info("No finished plan to export yet. Run a scenario on the Scenario page.")
    st.page_link("pages/scenario.py", label="Go to Scenario", icon=":material/tune:")
    st.stop()

if without:
    st.caption(f"{', '.join(without)} ended with no plan, so there is nothing of it to export.")
name = st.selectbox("Scenario", list(plans)[::-1], key="export_scenario")
plan = plans[name]
stem = f"{place.name}_{name}".lower().replace(" ", "_")
st.caption(
    "Text cells that begin with =, +, - or @ are prefixed with an apostrophe so a spreadsheet never runs them. "
    "Values marked modelled in the Portfolio come from the benchmark assumptions, not the registers."
)

sheets = plan.sheets()  # headings in words with their units
disposals, moves = sheets["Disposals"], sheets["Moves"]

st.subheader("For estates officers")
c1, c2, c3 = st.columns(3)
# the CSVs are small, so they are made up front; the heavier files only when asked for
c1.download_button(
    "Disposal list (CSV)",
    to_csv_bytes(disposals),
    f"{stem}_disposals.csv",
    "text/csv",
    key="download_disposals_csv",
)
c2.download_button("Moves (CSV)", to_csv_bytes(moves), f"{stem}_moves.csv", "text/csv", key="download_moves_csv")
c3.download_button(
    "Disposals, moves, hubs, cash flow (Excel)",
    lambda: to_excel_bytes(sheets),
    f"{stem}.xlsx",
    XLSX_MIME,
    key="download_excel",
)
st.download_button(
    "Plan for QGIS (GeoPackage: holdings by decision, disposals, hubs, moves, outlines)",
    lambda: to_geopackage_bytes(plan.layers()),
    f"{stem}.gpkg",
    "application/geopackage+sqlite3",
    key="download_gpkg",
)

st.subheader("For the partnership board")
c1, c2 = st.columns(2)
c1.download_button(
    "Board pack (HTML)",
    lambda: board_pack_html(plan, place_name=place.name, scenario_name=name, boundary=place.boundary).encode("utf-8"),
    f"{stem}_board_pack.html",
    "text/html",
    key="download_pack_html",
)
c2.download_button(
    "Board pack (PDF)",
    lambda: board_pack_pdf(plan, place_name=place.name, scenario_name=name, boundary=place.boundary),
    f"{stem}_board_pack.pdf",
    "application/pdf",
    key="download_pack_pdf",
)

st.subheader("Disposal list")
st.dataframe(disposals, hide_index=True, width="stretch", column_config=sheet_columns(disposals))
st.subheader("Moves")
st.dataframe(moves, hide_index=True, width="stretch", column_config=sheet_columns(moves))

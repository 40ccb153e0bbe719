"""The public-estate planner in a browser: routing only."""

import streamlit as st

from pages.common import mark_routed, wanted_page

st.set_page_config(page_title="Public estate planner", page_icon=":office:", layout="wide")

pages = [
    st.Page("pages/place.py", title="Place", icon=":material/map:", default=True),
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/upload_file:"),
    st.Page("pages/scenario.py", title="Scenario", icon=":material/tune:"),
    st.Page("pages/results.py", title="Results", icon=":material/insights:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
]
mark_routed()
page = st.navigation(pages)
wanted = wanted_page()
if wanted is not None:
    # the visitor opened this page's address before the app first ran: open it now
    st.switch_page(wanted)
page.run()

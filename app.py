"""The public-estate planner in a browser: routing only."""

import streamlit as st

st.set_page_config(page_title="Public estate planner", page_icon=":office:", layout="wide")

pages = [
    st.Page("pages/place.py", title="Place", icon=":material/map:", default=True),
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/upload_file:"),
    st.Page("pages/scenario.py", title="Scenario", icon=":material/tune:"),
    st.Page("pages/results.py", title="Results", icon=":material/insights:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
]
st.navigation(pages).run()

"""The public-estate planner in a browser: routing only."""

import streamlit as st

st.set_page_config(page_title="Public estate planner", page_icon=":office:", layout="wide")

pages = [
    st.Page("pages/place.py", title="Place", icon=":material/map:", default=True),
    st.Page("pages/portfolio.py", title="Portfolio", icon=":material/upload_file:"),
]
st.navigation(pages).run()

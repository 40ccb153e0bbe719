"""Streamlit pages of the planner; shared page helpers live in :mod:`pages.common`."""

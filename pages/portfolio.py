"""Portfolio: bring in every partner's register, see what loaded, and map the whole estate."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from estate.columns import SOURCE_FIELDS, match_columns
from estate.errors import EstateError, InputFileError
from estate.export import XLSX_MIME, to_csv_bytes, to_excel_bytes
from estate.load import PartnerFile, load_file, outcome_counts, row_outcomes
from estate.locate import PostcodeLookup
from estate.place import Manifest, Place, points_partner, service_labels, shared_sites
from estate.readers import MAX_FILE_BYTES, read_table
from estate.schema import WHOLE_FILE, Outcome, PartnerType
from estate.teams import load_teams
from pages.common import (
    UPLOADS,
    counted,
    current_place,
    estate_map,
    money,
    place_picker,
    routed_by_the_app,
    show_error,
)

routed_by_the_app(__file__)

# What a partner's register can be saved as (see estate.readers); other files in a place folder are not offered.
READABLE = (".csv", ".xlsx", ".xls", ".geojson", ".json", ".gpkg", ".zip")
UPLOADED = "uploaded"
PICKED = "picked from the place folder"
IN_MANIFEST = "named in place.toml"
FILES_HEADING = "Where each partner's holdings came from"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~:#])")


def manifest_paths(manifest: Manifest) -> set[Path]:
    """Every file a place's manifest uses: partners' registers, boundary, postcodes, demand, teams and the rest."""
    used: set[Path] = set()
    for field in dataclasses.fields(manifest):
        value = getattr(manifest, field.name)
        for item in value if isinstance(value, tuple) else (value,):
            path = item if isinstance(item, Path) else getattr(item, "path", None)
            if isinstance(path, Path):
                used.add(path.resolve())
    return used


def pickable_files(place: Place, uploads: list[dict]) -> list[str]:
    """Readable files in the place's folder that neither its manifest nor this session has loaded, by name."""
    used = manifest_paths(place.manifest)
    picked = {u["file"] for u in uploads if u.get("origin") == PICKED}
    return sorted(
        path.name
        for path in place.directory.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in READABLE
        and path.resolve() not in used
        and path.name not in picked
    )


def picked_bytes(place: Place, name: str) -> bytes | None:
    """The content of a file in the place's folder; ``None``, with the reason shown, when it cannot be read."""
    path = place.directory / name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputFileError(
                f"'{name}' is larger than the {MAX_FILE_BYTES // 2**20} MB the planner reads from one file: "
                "split it (for example one file per partner or per area) and pick the parts."
            )
        return path.read_bytes()
    except OSError as exc:
        show_error(InputFileError(f"'{name}' could not be read from {place.directory}: {exc.strerror}."))
    except EstateError as exc:
        show_error(exc)
    return None


def partner_inputs() -> tuple[str, str]:
    """Whose file it is: the partner's name (stripped) and type."""
    kinds = [t.value for t in PartnerType]
    with st.container(horizontal=True):
        partner = st.text_input("Partner", placeholder="e.g. Greater Manchester Police", key="upload_partner")
        kind = st.selectbox("Partner type", kinds, index=len(kinds) - 1, key="upload_type")
    return partner.strip(), kind


def register_form(place: Place, data: bytes, label: str, partner: str, partner_type: str, *, origin: str) -> None:
    """Show how a register's columns match the holding schema, let the user correct it, and load it on request.

    The one way a partner's file joins the place on this page, whether uploaded or picked
    from the place's folder: a loaded file is added to the session's ``uploads``.

    Parameters
    ----------
    place
        The place the file joins: its postcodes, boundary and assumptions are used.
    data, label
        The file's content and its name as the user knows it.
    partner, partner_type
        Whose holdings these are; the load button waits for a partner's name.
    origin
        How the file came in, as the files table says it (:data:`UPLOADED` or :data:`PICKED`).

    """
    uploads: list[dict] = st.session_state[UPLOADS]
    try:
        raw = read_table(data, label=label)
        for note in raw.warnings:
            st.caption(note)
        headings = [c for c in raw.frame.columns if not c.startswith("_")]
        try:
            guess = match_columns(headings, label=label).fields
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
            key=f"mapping_{origin}_{label}",
        )
        if st.button("Load this register", type="primary", disabled=not partner, key="load_register"):
            columns = {r.column: (r.field or "") for r in mapping.itertuples()}
            postcodes = PostcodeLookup.from_csv(place.manifest.postcodes) if place.manifest.postcodes else None
            result = load_file(
                data,
                PartnerFile(partner, partner_type, columns),
                label=label,
                postcodes=postcodes,
                boundary=place.boundary,
                assumptions=place.assumptions,
                id_prefix=f"upload{len(uploads) + 1}",
            )
            uploads.append({"file": label, "partner": partner, "origin": origin, "result": result})
            st.success(f"{label}: {counted(len(result.holdings), 'holding')} loaded for {partner}.")
    except EstateError as exc:
        show_error(exc)


def files_table(place: Place, uploads: list[dict], report: pd.DataFrame, holdings: pd.DataFrame) -> pd.DataFrame:
    """Each partner's files: how each came in, the rows read from it and the holdings it gave."""
    labels = service_labels(place.standards)
    sources = pd.DataFrame(
        [(f.spec.partner, f.path.name, IN_MANIFEST) for f in place.manifest.files]
        # lists of service points add no holdings, but their rows are in the report too
        + [
            (points_partner(p.service, labels.get(p.service)), p.path.name, IN_MANIFEST)
            for p in place.manifest.service_points
        ]
        + [(u["partner"], u["file"], u.get("origin", UPLOADED)) for u in uploads],
        columns=["partner", "file", "came_in"],
    ).drop_duplicates(["partner", "file"])
    rows = row_outcomes(report).groupby(["partner", "file"]).size().rename("rows")
    held = holdings.groupby(["partner", "source_file"]).size().rename("holdings").rename_axis(["partner", "file"])
    # a whole-file line that excluded the file; a note on how a file was read is not one
    not_read = (report["field"] == WHOLE_FILE) & (report["outcome"] == Outcome.EXCLUDED.value)
    unread = report.loc[not_read, ["partner", "file"]].drop_duplicates()
    unread["note"] = "could not be read: see the validation report"
    table = sources.join(rows, on=["partner", "file"]).join(held, on=["partner", "file"])
    table = table.merge(unread, on=["partner", "file"], how="left")
    table[["rows", "holdings"]] = table[["rows", "holdings"]].fillna(0).astype(int)
    return table.assign(note=table["note"].fillna(""))


def preview_notice(place: Place, uploads: list[dict]) -> str:
    """What the registers added on this page are for: a check and a map here, never a plan's input."""
    added = len(uploads)
    holdings = sum(len(u["result"].holdings) for u in uploads)
    return (
        f"**The {counted(added, 'register')} added on this page "
        f"({counted(holdings, 'holding')}) {'is' if added == 1 else 'are'} a preview:** "
        "checked and mapped here only, and counted in the figures above. The Place page, scenarios and "
        f"their plans use only the files named in `{place.directory.name}/place.toml`. To plan with a file, "
        f"put it in `{place.directory}` and name it under `[[partners]]` in `place.toml` "
        '(see "A place is a folder" in the README).'
    )


def _cell(text: object) -> str:
    """Text for a Markdown table cell, shown as it is (no emphasis, links, maths or icons)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def files_markdown(table: pd.DataFrame) -> str:
    """The files table (see :func:`files_table`) as a Markdown table under its heading."""
    notes = table["note"].ne("").any()
    lines = [
        f"**{FILES_HEADING}**",
        "",
        "| Partner | File | How it came in | Rows read | Holdings |" + (" Note |" if notes else ""),
        "|---|---|---|--:|--:|" + ("---|" if notes else ""),
    ]
    for r in table.itertuples():
        cells = [_cell(r.partner), _cell(r.file), _cell(r.came_in), f"{r.rows:,}", f"{r.holdings:,}"]
        lines.append("| " + " | ".join(cells + ([_cell(r.note)] if notes else [])) + " |")
    return "\n".join(lines)


st.title("Portfolio")
st.caption(
    "Every partner's holdings on one map. Values the registers do not hold (running costs, "
    "market values, workstations, occupants) are **modelled** from the benchmark assumptions "
    "and marked as such in every table and export."
)


def teams_check(place: Place, holdings: pd.DataFrame, data: bytes, label: str) -> None:
    """Check a teams file against the holdings on the page: its teams, and a line for every row.

    The check reads the file as a run would (:func:`estate.teams.load_teams`) but does not
    change the place: a run uses the teams files named in the place's ``place.toml``.
    """
    try:
        teams, lines = load_teams(data, holdings, place.teams, label=label, assumptions=place.assumptions)
    except EstateError as exc:
        show_error(exc)
        return
    mine = lines[lines["file"] == label]
    # a row has a line per problem, and an excluded row may have warnings too: count rows, not lines
    by_row = mine.dropna(subset=["row"])
    excluded = set(by_row.loc[by_row["outcome"] == Outcome.EXCLUDED.value, "row"])
    placed = by_row[~by_row["row"].isin(excluded)]
    # the file's teams replace every other team at the holdings its placed rows name, so those are its own
    supplied = teams[teams["holding_id"].isin(placed["holding_id"].dropna())]
    read, places = by_row["row"].nunique(), supplied["holding_id"].nunique()
    st.write(
        f"**{label}**: {counted(read, 'row')} read; {counted(len(supplied), 'team')} placed from the file, "
        f"{supplied['fte'].sum():,.1f} FTE, in {counted(places, 'holding')}; "
        f"{counted(len(excluded), 'row')} excluded (reason given below)."
    )
    names = holdings.drop_duplicates("holding_id").set_index("holding_id")["name"]
    st.dataframe(
        supplied.assign(holding=supplied["holding_id"].map(names)),
        hide_index=True,
        width="stretch",
        column_order=("holding", "holding_id", "partner", "service", "fte", "space_m2"),
        column_config={
            "holding": "Holding",
            "holding_id": "Holding id",
            "partner": "Partner",
            "service": "Service",
            "fte": st.column_config.NumberColumn("FTE", format="%.1f"),
            "space_m2": st.column_config.NumberColumn("Space (m²)", format="%,.0f"),
        },
    )
    st.dataframe(
        mine,
        hide_index=True,
        width="stretch",
        column_order=("row", "name", "outcome", "field", "problem", "action", "holding_id"),
    )
    st.download_button(
        "Download the checked teams and every row's outcome (Excel)",
        lambda: to_excel_bytes({"Teams": supplied, "Rows": mine}),
        file_name=f"{Path(label).stem}_checked.xlsx",
        mime=XLSX_MIME,
        key="teams_download",
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
        "Shapefile: upload it, or pick it from the place's folder. Columns are matched to the holding "
        "schema automatically; correct the match below."
    )
    source = st.radio(
        "Where the file is",
        [UPLOADED, PICKED],
        format_func={UPLOADED: "Upload a file", PICKED: f"Pick a file in {place.directory.name}"}.get,
        horizontal=True,
        label_visibility="collapsed",
        key="register_source",
    )
    data = label = None
    if source == UPLOADED:
        upload = st.file_uploader("Register file", key="register_upload")
        if upload is not None:
            data, label = upload.getvalue(), upload.name
    else:
        names = pickable_files(place, uploads)
        if names:
            label = st.selectbox(
                "Register file",
                names,
                index=None,
                placeholder=f"{len(names)} file{'s' if len(names) > 1 else ''} not yet loaded",
                key="pick_file",
            )
            data = None if label is None else picked_bytes(place, label)
        else:
            st.info(f"Every register file in {place.directory} is already loaded.")
    partner, partner_type = partner_inputs()
    if data is not None:
        register_form(place, data, label, partner, partner_type, origin=source)
    if uploads:
        st.write(
            "Added this session, for this page only (plans use the files named in place.toml): "
            + "; ".join(f"{u['file']} ({u['partner']})" for u in uploads)
        )
        if st.button("Remove the registers added this session"):
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
# one row that wraps on a narrow screen (and is lighter for the browser than five columns)
with st.container(horizontal=True):
    st.metric("Holdings on the map", f"{len(holdings):,}")
    st.metric("Partners", holdings["partner"].nunique())
    st.metric("Rows loaded", f"{counts[Outcome.LOADED.value]:,}")
    st.metric("Loaded with warnings", f"{counts[Outcome.WARNING.value]:,}")
    st.metric("Excluded (reason given)", f"{counts[Outcome.EXCLUDED.value]:,}")
if uploads:
    st.info(preview_notice(place, uploads), icon=":material/visibility:")

# ---------------------------------------------------------------- map
st.subheader("The whole estate")
outside = int((holdings["in_boundary"] == False).sum())  # noqa: E712 - nullable boolean
if outside:
    st.info(
        f"{counted(outside, 'holding')} {'lies' if outside == 1 else 'lie'} outside {place.name}'s boundary: "
        "kept and flagged in the report."
    )
st_folium(
    estate_map(holdings, place.boundary), height=560, use_container_width=True, returned_objects=[], key="portfolio_map"
)

# ---------------------------------------------------------------- per partner
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

# a plain table: a few rows a board member reads at a glance, and far lighter on the page than a data grid
st.markdown(files_markdown(files_table(place, uploads, report, holdings)))

# ---------------------------------------------------------------- validation report
st.subheader("Validation report")
st.write(
    "Every input row is listed: loaded, loaded with warnings, or excluded with the reason and "
    "what to do. Row numbers are as a spreadsheet shows them (the header is row 1)."
)
with st.container(horizontal=True):
    outcomes = st.multiselect(
        "Outcome", [o.value for o in Outcome], default=[Outcome.WARNING.value, Outcome.EXCLUDED.value]
    )
    partners = st.multiselect("Partner", sorted(report["partner"].dropna().unique()))
shown = report[report["outcome"].isin(outcomes)]
if partners:
    shown = shown[shown["partner"].isin(partners)]
# the table's own height: ten rows, then it scrolls (an empty selection is one short line, not a blank box)
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_order=("partner", "file", "row", "name", "outcome", "field", "column", "problem", "action", "holding_id"),
)
with st.container(horizontal=True):
    st.download_button(
        "Download the full report (CSV)",
        lambda: to_csv_bytes(report),
        file_name=f"{place.name.lower()}_validation_report.csv",
        mime="text/csv",
    )
    st.download_button(
        "Download the report and holdings (Excel)",
        lambda: to_excel_bytes({"Validation report": report, "Holdings": holdings.drop(columns="geometry")}),
        file_name=f"{place.name.lower()}_validation_report.xlsx",
        mime=XLSX_MIME,
    )

# ---------------------------------------------------------------- teams
with st.expander("Check a teams file", expanded=False):
    st.write(
        "Who works where: one row per team, naming its holding (holding id, UPRN or name), partner, "
        "service, FTE and, where known, space in m². Every row is checked against the holdings above "
        "and listed. Plans use the teams files named under [[teams]] in the place's place.toml; "
        "this check does not change them."
    )
    teams_upload = st.file_uploader("Teams file", key="teams_upload")
    if teams_upload is not None:
        teams_check(place, holdings, teams_upload.getvalue(), teams_upload.name)

shared = shared_sites(holdings)
if len(shared):
    st.subheader("Sites shared by several partners")
    st.dataframe(shared, hide_index=True, width="stretch")

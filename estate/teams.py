"""Load a teams file: the teams that occupy each holding, several to a building.

A partner's register gives at most one staff figure per holding, and an occupied
holding without one gets a team modelled from benchmarks
(:func:`estate.assumptions.modelled_teams`). A real building houses several teams,
often of several partners: the council's adult social care (40 FTE) and the NHS's
community nursing (25 FTE) in one council office. A teams file lists them, one
team a row:

============ ============================================================ ===========
field        headings recognised (case, spaces and punctuation ignored)   required
============ ============================================================ ===========
holding_id   holding_id, Holding ID, Planner ID                           one of the
uprn         UPRN, Unique Property Reference Number                       three
name         Holding Name, Site Name, Property Name, Building Name, Name
partner      Partner, Organisation, Employer                              yes
service      Service, Team, Team Name, Service Area                       no
fte          FTE, Staff FTE, Headcount, Staff                             yes
space_m2     space_m2, Space, Space m2, Space (m2), Floor Space           no
============ ============================================================ ===========

A row names its holding by the first reference it fills: the planner's
``holding_id``, else the ``uprn``, else the holding's ``name`` (the whole name,
case ignored). A UPRN of a shared site (held by several partners) picks the
holding of the team's partner. ``space_m2`` defaults to FTE x
``m2_per_workstation`` from the assumptions' ``[occupancy]``, as for the
register's own staff figure. A service written like one the holding offers
(``Library`` at a library) takes that service's key, so the team delivers it.

The teams a file supplies replace every team of the existing table at the
holdings it names (supplied facts beat the register's single figure and modelled
occupants); the other holdings keep theirs. A holding all of whose rows are
excluded keeps its teams too. Every row ends in the report, as for a register.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np
import pandas as pd

from estate._tables import listing
from estate.assumptions import Assumptions, load_assumptions
from estate.columns import match_headings, recognised_headings
from estate.errors import ColumnMappingError
from estate.load import cell_text, either_mark, file_notes, parse_number, parse_uprn, slug, with_decimal_points
from estate.readers import ROW, read_table
from estate.schema import REPORT_COLUMNS, TEAM_COLUMNS, TEAM_DTYPES, Outcome, Source, services_of

ALIASES: dict[str, tuple[str, ...]] = {
    "holding_id": ("holding_id", "Holding ID", "HoldingID", "Planner ID", "Planner Holding ID"),
    "uprn": ("UPRN", "Unique Property Reference Number", "UPRN Number"),
    "name": (
        "Holding Name",
        "Holding",
        "Site Name",
        "SiteName",
        "Site",
        "Property Name",
        "PropertyName",
        "Building Name",
        "BuildingName",
        "Building",
        "Name",
    ),
    "partner": ("Partner", "Partner Name", "Organisation", "Organization", "Employer", "Team Partner"),
    "service": ("Service", "Team", "Team Name", "Service Area", "Team Service", "Function"),
    "fte": ("FTE", "Staff FTE", "Team FTE", "Headcount", "Staff", "Occupants"),
    "space_m2": ("space_m2", "Space", "Space m2", "Space (m2)", "Space (sq m)", "Floor Space", "Team Space"),
}
"""The spellings recognised for each field of a teams file."""

NO_PARTNER = "(no partner)"
"""The report's ``partner`` for a row that names no partner."""

TEAMS_PARTNER = "teams file"
"""The report's ``partner`` for lines about a teams file as a whole."""

_REFERENCES = ("holding_id", "uprn", "name")


def load_teams(
    source: str | os.PathLike | bytes | BinaryIO,
    holdings: pd.DataFrame,
    existing_teams: pd.DataFrame,
    *,
    label: str | None = None,
    columns: Mapping[str, str] | None = None,
    assumptions: Assumptions | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a teams file and put its teams in the holdings it names.

    Parameters
    ----------
    source
        A path, or the bytes of an upload (then give ``label``); any format
        :func:`estate.readers.read_table` reads.
    holdings
        The place's holdings (at least ``holding_id``, ``partner``, ``uprn``, ``name``;
        ``use_class`` and ``services`` when present).
    existing_teams
        The teams so far (:data:`estate.schema.TEAM_COLUMNS`), from the registers.
    label
        The file name used in every message (defaults to the path's name).
    columns
        ``{file heading: field}`` overriding the recognised headings (:data:`ALIASES`);
        a field of ``""`` ignores the column.
    assumptions
        Supplies ``m2_per_workstation`` for teams without ``space_m2`` (the planner's
        defaults when ``None``).

    Returns
    -------
    teams : pandas.DataFrame
        ``existing_teams`` without those at the holdings the file supplies teams for,
        then the supplied teams (``fte_source`` = ``supplied``), in the canonical schema.
    report : pandas.DataFrame
        At least one line per input row (:data:`estate.schema.REPORT_COLUMNS`).

    Raises
    ------
    estate.errors.InputFileError
        When the file cannot be read at all.
    estate.errors.ColumnMappingError
        When the mapping names an unknown field or heading, or the file lacks a holding
        reference, partner or FTE column.

    """
    assumptions = assumptions or load_assumptions()
    raw = read_table(source, label=label, headings=[*recognised_headings(ALIASES), *(columns or {})])
    label = raw.label
    fields = _match(list(raw.frame.columns), columns or {}, label)
    raw, unclear = with_decimal_points(raw, {f: fields[f] for f in ("fte", "space_m2") if f in fields})
    per_desk = float(assumptions.occupancy.get("m2_per_workstation", 6.0))
    known = _Holdings(holdings, existing_teams)

    rows: list[_Row] = []
    for rec in raw.frame.to_dict("records"):
        cells = {f: cell_text(rec.get(column)) for f, column in fields.items()}
        row = _Row(int(rec[ROW]), label)
        unread = unclear.get(row.row, {})
        _parse(row, {**cells, **dict.fromkeys(unread)}, known, per_desk, unread)
        rows.append(row)
    _repeats(rows)

    kept = [r for r in rows if not r.excluded]
    existing = existing_teams.astype(TEAM_DTYPES)[list(TEAM_COLUMNS)]
    at_named = existing["holding_id"].isin({r.holding["holding_id"] for r in kept})
    used = set(existing.loc[~at_named, "team_id"].dropna())
    replaced = dict(tuple(existing[at_named].groupby("holding_id")))
    new = []
    for row in kept:
        hid = row.holding["holding_id"]
        row.team_id = _team_id(hid, row.partner, row.service, used)
        new.append(
            {
                "team_id": row.team_id,
                "holding_id": hid,
                "partner": row.partner,
                "service": row.service,
                "fte": row.fte,
                "space_m2": row.space_m2,
                "fte_source": Source.SUPPLIED.value,
            }
        )
        gone = replaced.pop(hid, None)
        if gone is not None:
            sources = " and ".join(sorted(set(gone["fte_source"].dropna())))
            row.replaces = f"replaces the holding's {len(gone)} earlier team(s) ({gone['fte'].sum():g} FTE, {sources})"
    new = pd.DataFrame(new, columns=list(TEAM_COLUMNS)).astype(TEAM_DTYPES)
    teams = pd.concat([existing[~at_named], new], ignore_index=True).astype(TEAM_DTYPES)
    report = pd.DataFrame([line for r in rows for line in r.report()], columns=list(REPORT_COLUMNS))
    # each line's column as the file heads it ("Directorate" for the field service); blank for none
    report["column"] = report["field"].map(fields).fillna("")
    notes = file_notes(raw, TEAMS_PARTNER)
    return teams, pd.concat([notes, report.astype({"row": "Int64"})], ignore_index=True)


def _match(headings: list[str], user_mapping: Mapping[str, str], label: str) -> dict[str, str]:
    """Field -> the file's heading, the user's mapping first; refuse a file that cannot give one team."""
    headings = [h for h in headings if not str(h).startswith("_")]
    fields, _ = match_headings(headings, user_mapping, ALIASES, label=label)
    needed = [
        what
        for what, present in (
            ("a holding reference (holding_id, UPRN or holding name)", set(_REFERENCES) & fields.keys()),
            ("partner", "partner" in fields),
            ("FTE", "fte" in fields),
        )
        if not present
    ]
    if needed:
        raise ColumnMappingError(
            f"{label}: a teams file needs columns for {', '.join(needed)}; found {', '.join(map(repr, headings))}. "
            "Rename the columns or map them in place.toml under [teams.columns]."
        )
    return fields


def _fold(text: object) -> str:
    """Compare names and partners without case or repeated spaces."""
    return " ".join(str(text).split()).casefold()


class _Holdings:
    """The place's holdings, looked up by id, UPRN and name, and its partners by name."""

    def __init__(self, holdings: pd.DataFrame, teams: pd.DataFrame) -> None:
        wanted = ["holding_id", "partner", "uprn", "name", "use_class", "services"]
        table = pd.DataFrame(holdings).reindex(columns=wanted).astype(object)
        records = table.where(table.notna(), None).to_dict("records")
        self.by_id = {h["holding_id"]: h for h in records}
        self.by_uprn: dict[str, list[dict]] = {}
        self.by_name: dict[str, list[dict]] = {}
        for h in records:
            if h["uprn"]:
                self.by_uprn.setdefault(str(h["uprn"]), []).append(h)
            if h["name"]:
                self.by_name.setdefault(_fold(h["name"]), []).append(h)
        known = [*holdings["partner"].dropna(), *teams["partner"].dropna()]
        self.partners = {_fold(p): str(p) for p in known}


class _Row:
    """One row of a teams file while it is read: its team, or why it is excluded."""

    def __init__(self, row: int, label: str) -> None:
        self.row, self.label = row, label
        self.lines: list[dict[str, object]] = []
        self.excluded = False
        self.reference: str | None = None
        self.holding: dict | None = None
        self.partner: str | None = None
        self.service: str | None = None
        self.fte = self.space_m2 = np.nan
        self.team_id: str | None = None
        self.replaces: str | None = None

    def at(self, field: str) -> str:
        return f"{self.label} row {self.row}, {field}"

    def note(self, field: str, problem: str, action: str) -> None:
        self.lines.append({"field": field, "problem": problem, "action": action, "outcome": Outcome.WARNING.value})

    def exclude(self, field: str, problem: str, action: str) -> None:
        self.excluded = True
        self.lines.append({"field": field, "problem": problem, "action": action, "outcome": Outcome.EXCLUDED.value})

    def report(self) -> list[dict[str, object]]:
        """The row's report lines; a loaded row's last line says which team it became."""
        base = {
            "partner": self.partner or NO_PARTNER,
            "file": self.label,
            "row": self.row,
            "name": self.holding["name"] if self.holding else self.reference,
            "holding_id": self.holding["holding_id"] if self.holding else None,
        }
        lines = [{**base, **line} for line in self.lines]
        if self.excluded:
            return lines
        done = f"loaded as team {self.team_id}: {self.fte:g} FTE of {self.service}, {self.space_m2:g} m²"
        if self.replaces:
            done += f"; {self.replaces}"
        if not lines:
            return [{**base, "outcome": Outcome.LOADED.value, "field": "", "problem": "", "action": done}]
        lines[-1]["action"] = f"{lines[-1]['action']}; {done}"
        return lines


def _parse(
    row: _Row,
    cells: Mapping[str, str | None],
    holdings: _Holdings,
    per_desk: float,
    unread: Mapping[str, str] | None = None,
) -> None:
    """Fill the row's team from its cells, noting or excluding each problem (all of them, not just the first).

    ``unread`` holds the numbers either decimal mark could have written (``{field: text}``),
    blank in ``cells``: an FTE excludes the row, a space is worked out from the FTE.
    """
    unread = unread or {}
    partner = cells.get("partner")
    if partner is None:
        row.exclude(
            "partner",
            f"{row.at('partner')}: no partner (whose team is it?)",
            "not loaded: give the partner that employs the team and load again",
        )
    else:
        row.partner = holdings.partners.get(_fold(partner))
        if row.partner is None:
            row.partner = partner
            row.note(
                "partner",
                f"{row.at('partner')}: {partner!r} holds no holding and has no team in the place",
                "loaded as a partner of its own; check the spelling if it is one of the place's partners",
            )
    row.holding = _holding(row, cells, holdings)

    fte, problem = parse_number(cells.get("fte"))
    action = "not loaded: give the team's staff FTE (a number above 0) and load again"
    if "fte" in unread:
        problem, action = either_mark(
            unread["fte"], row.at("fte") + ": FTE", "fte", instead="the team is not loaded", where="the teams file"
        )
        row.exclude("fte", problem, action)
    elif cells.get("fte") is None:
        row.exclude("fte", f"{row.at('fte')}: no FTE", action)
    elif problem:
        row.exclude("fte", f"{row.at('fte')}: FTE {problem}", action)
    elif fte <= 0:
        row.exclude("fte", f"{row.at('fte')}: FTE {fte:g} is not positive", action)
    row.fte = fte

    space, problem = parse_number(cells.get("space_m2"))
    if "space_m2" in unread:
        row.note(
            "space_m2",
            *either_mark(
                unread["space_m2"],
                row.at("space_m2") + ": space",
                "space_m2",
                instead="FTE x m² per workstation used instead",
                where="the teams file",
            ),
        )
    elif cells.get("space_m2") is not None and (problem or space <= 0):
        problem = problem or f"{space:g} is not positive"
        row.note("space_m2", f"{row.at('space_m2')}: space {problem}", "FTE x m² per workstation used instead")
        space = np.nan
    row.space_m2 = space if not np.isnan(space) else fte * per_desk

    row.service = cells.get("service")
    if row.holding is not None:
        offered = {_fold(s).replace(" ", "_"): s for s in services_of(row.holding["services"])}
        if row.service is None:
            row.service = row.holding["use_class"] or "staff"
            row.note(
                "service",
                f"{row.at('service')}: no service",
                f"named {row.service!r} after the holding's use; give the team's service",
            )
        else:
            row.service = offered.get(re.sub(r"[\s-]+", "_", _fold(row.service)), row.service)


def _holding(row: _Row, cells: Mapping[str, str | None], holdings: _Holdings) -> dict | None:
    """The holding the row's first filled reference names, or ``None`` with the row excluded."""
    field = next((f for f in _REFERENCES if cells.get(f) is not None), None)
    if field is None:
        row.exclude(
            "holding_id",
            f"{row.at('holding')}: no holding_id, UPRN or holding name",
            "not loaded: say which holding the team occupies and load again",
        )
        return None
    text = cells[field]
    row.reference = text if field != "uprn" else f"UPRN {text}"
    fix = "not loaded: correct the reference (the planner's holding ids are on the Portfolio page) and load again"
    if field == "holding_id":
        found = [holdings.by_id[text]] if text in holdings.by_id else []
    elif field == "uprn":
        uprn, problem = parse_uprn(text)
        if problem:
            row.exclude("uprn", f"{row.at('uprn')}: {problem}", fix)
            return None
        found = holdings.by_uprn.get(uprn, [])
        own = [h for h in found if row.partner and _fold(h["partner"]) == _fold(row.partner)]
        found = own if len(found) > 1 and len(own) == 1 else found
    else:
        found = holdings.by_name.get(_fold(text), [])
    if not found:
        row.exclude(field, f"{row.at(field)}: no holding in the place has {field} {text!r}", fix)
        return None
    if len(found) > 1:
        ids = listing([h["holding_id"] for h in found])
        partners = " and ".join(dict.fromkeys(str(h["partner"]) for h in found))
        row.exclude(
            field,
            f"{row.at(field)}: {text!r} is ambiguous, {len(found)} holdings of {partners} have it ({ids})",
            "not loaded: give the holding_id of the one the team occupies and load again",
        )
        return None
    return found[0]


def _repeats(rows: list[_Row]) -> None:
    """Note a team listed twice: the same partner's same service in one holding."""
    first: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if row.excluded:
            continue
        key = (row.holding["holding_id"], _fold(row.partner), _fold(row.service))
        if key in first:
            row.note(
                "service",
                f"{row.at('service')}: {row.partner}'s {row.service} is also at this holding on row {first[key]}",
                "loaded as a second team; combine the rows if they are one team",
            )
        else:
            first[key] = row.row


def _team_id(holding_id: str, partner: str, service: str, used: set[str]) -> str:
    """``<holding_id>/<partner>/<service>``, with ``-2``, ``-3`` ... for repeats."""
    base = f"{holding_id}/{slug(partner)}/{slug(service)}"
    team_id, n = base, 1
    while team_id in used:
        n += 1
        team_id = f"{base}-{n}"
    used.add(team_id)
    return team_id

"""Load one partner's register into canonical holdings, accounting for every row.

The pipeline for one file::

    read_table -> match_columns -> per row: identify, classify, locate, parse values
               -> duplicates -> boundary -> fill modelled values -> teams

Every input row ends in the report as *loaded*, *loaded with warnings* or
*excluded*, with the field at fault and what was done or should be done. A row is
excluded only when it cannot be a holding on the map (no usable location), is an
exact copy of an earlier row, is the register's totals row, or records a site that
has closed (and, when several files are combined, when the partner's holding is
already loaded from another file: see :func:`estate.place.combine`). A file with no
rows is one excluded line of the whole file.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd

from estate._tables import MISSING_TOKENS, normalise
from estate.assumptions import Assumptions, fill_modelled, load_assumptions, modelled_teams
from estate.columns import ColumnMapping, match_columns, recognised_headings
from estate.locate import (
    PostcodeLookup,
    check_against_postcode,
    declared_system,
    locate_coordinates,
    locate_postcode,
    normalise_postcode,
    outside_boundary,
)
from estate.readers import EITHER, MIXED, ROW, RawTable, number_marks, read_table, with_decimal_point, with_point
from estate.schema import (
    CRS,
    HOLDING_COLUMNS,
    HOLDING_DTYPES,
    REPORT_COLUMNS,
    TEAM_COLUMNS,
    TEAM_DTYPES,
    TRACKED_FIELDS,
    VALUE_FIELDS,
    WHOLE_FILE,
    Outcome,
    PartnerType,
    Source,
    Tenure,
    UseClass,
)

_ENERGY_BANDS = re.compile(r"A\+{0,4}|[A-G]")
_SMALL_GIA_M2 = 10.0
_LARGE_GIA_M2 = 250_000.0  # larger than any single public building; a hospital campus is about 150,000 m²
_FIRST_YEAR, _LAST_YEAR = 1900, 2200  # a register's date outside these is a slip (year 1, 2-digit years)
_MAX_FTE_PER_WORKSTATION = 4.0
_MIN_M2_PER_FTE = 2.0  # fewer square metres per person than this is not an office
_NUMERIC_DATE = re.compile(r"(?P<first>\d{1,2})(?P<mark>[/.-])(?P<second>\d{1,2})(?P=mark)\d{2,4}")  # 31/12/2030
_TOTALS = re.compile(r"(?:grand\s+|sub-?\s?)?totals?:?", re.IGNORECASE)  # a register's bottom line
_YES = {"y", "yes", "true", "1", "t"}
_NO = {"n", "no", "false", "0", "f"}


@dataclass(frozen=True)
class PartnerFile:
    """One file of one partner, as a place manifest or the Portfolio page names it.

    Attributes
    ----------
    partner, partner_type
        Whose holdings these are.
    columns
        ``{file heading: source field}`` overriding the built-in column matching.
    defaults
        Values for fields the file lacks, e.g. ``{"use_class": "library",
        "services": "library", "occupied": True}``; recorded as supplied by the
        partnership (they are facts the user states, not benchmarks).

    """

    partner: str
    partner_type: str = PartnerType.OTHER.value
    columns: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadResult:
    """Holdings, teams and the report from one or more files.

    Attributes
    ----------
    holdings
        Canonical holdings (:data:`estate.schema.HOLDING_COLUMNS`) in EPSG:27700.
    teams
        Occupying teams (:data:`estate.schema.TEAM_COLUMNS`).
    report
        One line or more per input row (:data:`estate.schema.REPORT_COLUMNS`).

    """

    holdings: gpd.GeoDataFrame
    teams: pd.DataFrame
    report: pd.DataFrame


def _names_grid_metres(heading: str) -> bool:
    """Whether an x heading says British National Grid metres (``Easting``, ``Grid Ref Easting``, ``oseast1m``)."""
    folded = normalise(heading).replace("_", "")
    return "easting" in folded or folded == "oseast1m"


def slug(text: str) -> str:
    """``"Trafford Council"`` -> ``"trafford-council"``, for ids."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "partner"


def cell_text(value: object) -> str | None:
    """A cell's text, stripped; ``None`` for a missing or blank cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def parse_number(value: object) -> tuple[float, str | None]:
    """Parse ``"£1,234.5"``; returns (NaN, problem) for text that is not a finite number."""
    text = cell_text(value)
    if text is None:
        return np.nan, None
    cleaned = re.sub(r"[£,\s]|GBP|m2|m²|sq ?m", "", text, flags=re.IGNORECASE)
    try:
        number = float(cleaned)
    except ValueError:
        return np.nan, f"{text!r} is not a number"
    if not np.isfinite(number):
        return np.nan, f"{text!r} is not a finite number"
    return number, None


def parse_uprn(value: object) -> tuple[str | None, str | None]:
    """A UPRN without leading zeros or a spreadsheet's ``.0``; returns (None, problem) for anything else."""
    text = cell_text(value)
    if text is None:
        return None, None
    text = re.sub(r"\.0+$", "", text)
    if not re.fullmatch(r"\d{1,12}", text):
        return None, f"UPRN {text!r} is not 1-12 digits: left blank"
    return str(int(text)), None


def _date(value: object) -> tuple[pd.Timestamp | None, str | None]:
    """A register's date as a day without a time zone, and any problem with it.

    Numbers are read day first (``01/02/2031`` is 1 February), as UK registers write
    them; a date that can only be month first (``12/31/2030``) is read so, with a note.
    A timestamp with a zone or offset (``2030-12-31T00:00:00Z``) is read as its UTC day.
    Text without digits (``"today"``, ``"March"``) and years outside 1900-2200 (``"Dec-30"``
    would otherwise be 30 December of year 1) are not dates: (None, problem).
    """
    text = cell_text(value)
    if text is None:
        return None, None
    if not re.search(r"\d", text):
        return None, f"{text!r} is not a date"
    iso = re.fullmatch(r"\d{4}-\d{2}-\d{2}.*|\d{8}", text)
    numbers = _NUMERIC_DATE.fullmatch(text)
    month_first = numbers is not None and int(numbers["first"]) <= 12 < int(numbers["second"])
    try:
        with warnings.catch_warnings():
            # pandas warns when it falls back from day-first; month_first above has said so already
            warnings.simplefilter("ignore", UserWarning)
            stamp = pd.to_datetime(
                text,
                dayfirst=not (iso or month_first),
                format="%Y%m%d" if re.fullmatch(r"\d{8}", text) else None,
            )
    except (ValueError, OverflowError):
        return None, f"{text!r} is not a date"
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if not _FIRST_YEAR <= stamp.year <= _LAST_YEAR:
        return None, f"{text!r} is not a date between {_FIRST_YEAR} and {_LAST_YEAR}"
    if month_first:
        return (
            stamp.normalize(),
            f"{text!r} is written month first: read as {stamp.day} {stamp:%B %Y}, the only valid date",
        )
    return stamp.normalize(), None


def _flag(value: object) -> bool | None:
    text = cell_text(value)
    if text is None:
        return None
    if text.lower() in _YES:
        return True
    if text.lower() in _NO:
        return False
    return None


# The partner's own interest, read from the start of a tenure: "Freehold", "FH", "Owned";
# "Leasehold", "LH", "Long leasehold", "Lease".
_FREEHOLD = re.compile(r"(?:freehold|fh|owned)\b")
_LEASEHOLD = re.compile(r"(?:(?:long|short)\s+)?(?:leasehold|lh|lease)\b")
# A lease the partner takes (it is the tenant), or grants (it is the landlord).
_LET_IN = re.compile(r"\b(?:leasehold|lease|leased|let)\s+in\b")
_LET_OUT = re.compile(r"\b(?:(?:leasehold|lease|leased|let|sublet)\s+out\b|sub-?let)")
_MEANS = {Tenure.FREEHOLD.value: "the partner owns it", Tenure.LEASEHOLD.value: "the partner rents it"}


@dataclass(frozen=True)
class _TenureRead:
    """The partner's own tenure as read from the register, and what to say about it."""

    tenure: str
    problem: str | None = None
    action: str = ""


def _interest(text: str) -> str | None:
    """The partner's own interest a tenure names at its start, else ``None``."""
    if _FREEHOLD.match(text):
        return Tenure.FREEHOLD.value
    if _LEASEHOLD.match(text):
        return Tenure.LEASEHOLD.value
    return None


def _tenure(said: str | None, detail: str | None, said_as: str, detail_as: str) -> _TenureRead:
    """The partner's own tenure: freehold (it owns the property) or leasehold (it rents it).

    The type (``TenureType``) decides; its detail (``TenureDetail``) is read for the
    partner's interest only when it says the partner leases the property in
    (``Leasehold In``) or names a tenure itself (``Freehold``). A lease the partner
    grants (``Leasehold Out``, ``Let out``, ``Sublet``) makes it the landlord of that
    lease and leaves its own tenure as the type says. ``said_as`` and ``detail_as``
    name the two in messages (the file's headings).
    """
    kind = said.strip().lower() if said else ""
    more = detail.strip().lower() if detail else ""
    own = None if _LET_OUT.match(kind) else _interest(kind)
    implied = None
    if _LET_IN.search(more):
        implied = Tenure.LEASEHOLD.value
    elif not _LET_OUT.search(more):
        implied = _interest(more)
    either = f"set {said_as} to Freehold (the partner owns it) or Leasehold (the partner rents it)"
    if own and implied and own != implied:
        return _TenureRead(
            own,
            f"{said_as} {said!r} ({_MEANS[own]}) and {detail_as} {detail!r} ({_MEANS[implied]}) disagree",
            f"read as {own}, as {said_as} says; correct {said_as} or {detail_as} in the register",
        )
    if own:
        return _TenureRead(own)
    if said and _LET_OUT.match(kind):
        problem = f"{said_as} {said!r} says the partner lets the property out, not whether it owns or rents it"
    elif said:
        problem = f"{said_as} {said!r} is not freehold or leasehold"
    elif _LET_OUT.search(more):
        problem = f"{detail_as} {detail!r} says the partner lets the property out, and there is no {said_as}"
    else:
        return _TenureRead(implied or Tenure.UNKNOWN.value)
    if implied:
        return _TenureRead(implied, problem, f"read as {implied}, as {detail_as} says; {either}")
    return _TenureRead(Tenure.UNKNOWN.value, problem, f"treated as unknown; {either}")


def _totals(rec: Mapping[str, object], mapping: ColumnMapping) -> tuple[str, str] | None:
    """The field and cell (``"uprn"``, ``"TOTAL"``) that make a row a totals row; else ``None``.

    A register's bottom line says ``TOTAL`` (``Total``, ``Grand total``, ``Subtotal``) in its id,
    UPRN, name or another column, has no location and no id or UPRN but that word, and
    otherwise holds only sums: numbers, or a blank (``n/a``, ``-``).
    """
    if any(cell_text(_get(rec, mapping, name)) for name in ("postcode", "x", "y", "lon", "lat")):
        return None
    ids = (mapping.column("local_id"), mapping.column("uprn"))
    word = None
    for key, value in rec.items():
        text = cell_text(value)
        if key == ROW or text is None or text.lower() in MISSING_TOKENS:
            continue
        if _TOTALS.fullmatch(text):
            word = word or text
        elif key in ids or np.isnan(parse_number(text.rstrip("%"))[0]):
            return None
    if word is None:
        return None
    said_in = (name for name in ("local_id", "uprn") if cell_text(_get(rec, mapping, name)) == word)
    return next(said_in, "name"), word


def _use_class(text: str | None, assumptions: Assumptions) -> tuple[str | None, str | None]:
    """The use class a register's own use column names (supplied), or reads as (derived)."""
    if text is None:
        return None, None
    key = re.sub(r"[^a-z]+", "_", text.lower()).strip("_")
    if key in {u.value for u in UseClass}:
        return key, Source.SUPPLIED.value
    guess = assumptions.classify_text(text)
    return guess, (Source.DERIVED.value if guess else None)


class _Row:
    """Collects one input row's fields and report lines while it is parsed."""

    def __init__(self, label: str, partner: str, row: int) -> None:
        self.values: dict[str, object] = {}
        self.lines: list[dict[str, object]] = []
        self.label, self.partner, self.row = label, partner, row
        self.excluded = False

    def note(self, field_name: str, problem: str, action: str) -> None:
        self.lines.append({"field": field_name, "problem": problem, "action": action, "outcome": Outcome.WARNING.value})

    def inform(self, field_name: str, what: str, action: str) -> None:
        """A line on how the row was read that asks nothing of the user: the row stays "loaded"."""
        self.lines.append({"field": field_name, "problem": what, "action": action, "outcome": Outcome.LOADED.value})

    def exclude(self, field_name: str, problem: str, action: str) -> None:
        self.excluded = True
        self.lines.append(
            {"field": field_name, "problem": problem, "action": action, "outcome": Outcome.EXCLUDED.value}
        )


def _get(record: Mapping[str, object], mapping: ColumnMapping, name: str) -> object:
    column = mapping.column(name)
    return record.get(column) if column else None


def _locate(
    rec: Mapping[str, object],
    mapping: ColumnMapping,
    row: _Row,
    point: object,
    raw_crs: str | None,
    lookup: PostcodeLookup | None,
) -> None:
    """Set the row's x/y and location source, or exclude it with the reason."""
    postcode = row.values["postcode"]
    located = None
    if point is not None and not getattr(point, "is_empty", True):
        x, y = point.x, point.y
        located = locate_coordinates(x, y, declared_system(raw_crs), label=raw_crs or "")
    else:
        pairs = [("x", "y", cell_text(_get(rec, mapping, "crs"))), ("lon", "lat", "WGS84")]
        for fx, fy, said in pairs:
            vx, px = parse_number(_get(rec, mapping, fx))
            vy, py = parse_number(_get(rec, mapping, fy))
            if px or py:
                row.note(f"{fx}/{fy}", f"coordinate {px or py}", "located by postcode instead where possible")
                continue
            if np.isnan(vx) or np.isnan(vy) or (vx == 0 and vy == 0):
                continue
            if fx == "x" and said is None and mapping.column("x") and _names_grid_metres(mapping.column("x")):
                said = "British National Grid"
            located = locate_coordinates(vx, vy, declared_system(said), label=said or "")
            break
    if located is None or located.problem:
        fallback = locate_postcode(postcode, lookup)
        if located is not None and located.problem and fallback.problem is None:
            row.note("location", located.problem, f"located by postcode {postcode} instead")
            located = replace(fallback, notes=())
        elif located is not None and located.problem:
            row.exclude(
                "location",
                f"{located.problem}; {fallback.problem}",
                "correct the coordinates or give a full postcode, then load again",
            )
            return
        else:
            located = fallback
    else:
        located = check_against_postcode(located, postcode, lookup, swap="outline" not in row.values)
    if located.problem:
        row.exclude(
            "location", located.problem, "add coordinates (GeoX/GeoY) or a full postcode to the row, then load again"
        )
        return
    for text in located.notes:
        row.note("location", text, "check the location on the map")
    row.values["x"], row.values["y"] = located.x, located.y
    row.values["location_source"] = located.how


def _parse_row(
    rec: Mapping[str, object],
    mapping: ColumnMapping,
    spec: PartnerFile,
    row: _Row,
    assumptions: Assumptions,
) -> None:
    """Fill the row's canonical values (everything except location and modelled values)."""
    v = row.values
    defaults = spec.defaults
    v["local_id"] = cell_text(_get(rec, mapping, "local_id"))
    v["uprn"], problem = parse_uprn(_get(rec, mapping, "uprn"))
    if problem:
        row.note("uprn", problem, "correct the UPRN in the register")
    street = " ".join(
        t for t in (cell_text(_get(rec, mapping, "street_number")), cell_text(_get(rec, mapping, "street_name"))) if t
    )
    parts = [cell_text(_get(rec, mapping, "address")), street or None, cell_text(_get(rec, mapping, "town"))]
    v["address"] = ", ".join(dict.fromkeys(p for p in parts if p)) or None
    v["postcode"] = normalise_postcode(_get(rec, mapping, "postcode"))
    raw_postcode = cell_text(_get(rec, mapping, "postcode"))
    if raw_postcode and v["postcode"] and raw_postcode.replace(" ", "").upper() != v["postcode"].replace(" ", ""):
        row.note(
            "postcode",
            f"postcode {raw_postcode!r} read as {v['postcode']!r} (letter O for zero)",
            "correct the postcode in the register",
        )
    v["name"] = cell_text(_get(rec, mapping, "name")) or v["address"] or (f"UPRN {v['uprn']}" if v["uprn"] else None)
    if v["name"] is None:
        v["name"] = f"{row.label} row {row.row}"
        row.note("name", "no name, address or UPRN", "add a PropertyName to the register")

    detail = cell_text(_get(rec, mapping, "tenure_detail"))
    other = cell_text(_get(rec, mapping, "other_detail"))
    holding_type = cell_text(_get(rec, mapping, "holding_type"))
    use_class, v["use_class_source"] = _use_class(cell_text(_get(rec, mapping, "use_class")), assumptions)
    if use_class is None and defaults.get("use_class"):
        use_class, v["use_class_source"] = str(defaults["use_class"]), Source.SUPPLIED.value
    if use_class is None and holding_type and holding_type.strip().lower() == "land":
        use_class, v["use_class_source"] = UseClass.LAND.value, Source.DERIVED.value
    if use_class is None:
        use_class, v["use_class_source"] = assumptions.classify_text(v["name"], other), Source.DERIVED.value
    if use_class is None:
        use_class, v["use_class_source"] = UseClass.OTHER.value, Source.MODELLED.value
    v["use_class"] = use_class

    tenure_text = cell_text(_get(rec, mapping, "tenure"))
    said_as = mapping.column("tenure") or "TenureType"
    if tenure_text is None and defaults.get("tenure"):
        tenure_text, said_as = str(defaults["tenure"]), "the file's default tenure"
    read = _tenure(tenure_text, detail, said_as, mapping.column("tenure_detail") or "TenureDetail")
    v["tenure"] = read.tenure
    v["tenure_source"] = Source.SUPPLIED.value if read.tenure != Tenure.UNKNOWN.value else None
    if read.problem:
        row.note("tenure", read.problem, read.action)
    for name in ("lease_break", "lease_expiry"):
        v[name], problem = _date(_get(rec, mapping, name))
        v[f"{name}_source"] = Source.SUPPLIED.value if v[name] is not None else None
        if problem:
            done = "left blank" if v[name] is None else "kept"
            row.note(name, problem, f"{done}; give the date as YYYY-MM-DD")
    _check_lease_dates(v["lease_break"], v["lease_expiry"], row)
    if v["tenure"] == Tenure.LEASEHOLD.value and v["lease_break"] is None and v["lease_expiry"] is None:
        row.note(
            "lease_expiry",
            "leasehold with no break or expiry date",
            "the optimiser treats it as exit only at a fee; add the dates",
        )

    for name in VALUE_FIELDS:
        raw = _get(rec, mapping, name)
        value, problem = parse_number(raw)
        if problem:
            row.note(name, problem, "modelled instead; correct the value in the register")
        elif not np.isnan(value) and value < 0:
            # worded so the problem does not begin with "-", which a spreadsheet would take for a formula
            row.note(name, f"negative ({value:g})", "modelled instead; correct the value in the register")
            value = np.nan
        elif name in ("gia_m2", "land_area_ha") and value == 0:
            value = np.nan
        v[name] = value
        v[f"{name}_source"] = Source.SUPPLIED.value if not np.isnan(value) else None
    gia = v["gia_m2"]
    if not np.isnan(gia) and gia < _SMALL_GIA_M2 and use_class != UseClass.LAND.value:
        row.note(
            "gia_m2",
            f"floor area {gia:g} m² is implausibly small for a building",
            "kept as supplied; check BuildingSize in the register",
        )
    elif not np.isnan(gia) and gia > _LARGE_GIA_M2:
        # a running cost and a value are modelled per m²: a unit slip would become billions
        row.note(
            "gia_m2",
            f"floor area {gia:,.0f} m² is implausibly large for one holding",
            "kept as supplied, and costs and values modelled from it; check BuildingSize and its unit (m²)",
        )
    rating = cell_text(_get(rec, mapping, "energy_rating"))
    if rating is not None and not _ENERGY_BANDS.fullmatch(rating.upper().replace(" ", "")):
        row.note("energy_rating", f"energy rating {rating!r} is not an EPC or DEC band A+ to G", "left blank")
        rating = None
    v["energy_rating"] = rating.upper().replace(" ", "") if rating else None

    v["services"] = cell_text(_get(rec, mapping, "services")) or defaults.get("services")
    v["services_source"] = Source.SUPPLIED.value if v["services"] else None
    host = _flag(_get(rec, mapping, "can_host"))
    v["can_host"] = host if host is not None else defaults.get("can_host")
    v["can_host_source"] = Source.SUPPLIED.value if v["can_host"] is not None else None
    _locks(cell_text(_get(rec, mapping, "locked")) or defaults.get("locked"), use_class, row, assumptions)
    occupied = defaults.get("occupied")
    if detail:
        occupied = detail.lower() in {"owner occupied", "leasehold in", "occupied"}
    v["occupied"] = bool(occupied)
    fte, problem = parse_number(_get(rec, mapping, "fte"))
    if problem:
        row.note("fte", problem, "occupants modelled instead")
    v["fte"] = _check_fte(fte, v["workstations"], v["gia_m2"], row)
    v["registered_patients"], problem = parse_number(_get(rec, mapping, "registered_patients"))
    if problem:
        row.note("registered_patients", problem, "left blank; correct the list size in the file")

    closed, _ = _date(_get(rec, mapping, "close_date"))
    if closed is not None and closed <= pd.Timestamp.now():
        row.exclude("close_date", f"closed on {closed:%Y-%m-%d}", "no action: a closed site is not part of the estate")


def _check_lease_dates(lease_break: pd.Timestamp | None, expiry: pd.Timestamp | None, row: _Row) -> None:
    """Warn of a lease that has already expired, or a break that falls after the expiry."""
    if expiry is not None and expiry < pd.Timestamp.now().normalize():
        row.note(
            "lease_expiry",
            f"the lease expired on {expiry:%Y-%m-%d}, before today",
            "kept as supplied; check the date (a tenant holding over can leave at notice)",
        )
    if lease_break is not None and expiry is not None and lease_break > expiry:
        row.note(
            "lease_break",
            f"the break {lease_break:%Y-%m-%d} is after the lease expiry {expiry:%Y-%m-%d}",
            "kept as supplied; check which date is the break and which the expiry",
        )


def _check_fte(fte: float, workstations: float, gia: float, row: _Row) -> float:
    """The register's FTE, or NaN for a negative one; warn of more staff than the building can seat."""
    if np.isnan(fte):
        return fte
    if fte < 0:
        row.note("fte", f"negative FTE ({fte:g})", "occupants modelled instead; correct the FTE in the register")
        return np.nan
    if workstations > 0 and fte > _MAX_FTE_PER_WORKSTATION * workstations:
        row.note(
            "fte",
            f"{fte:g} FTE is more than {_MAX_FTE_PER_WORKSTATION:g} per workstation ({workstations:g} workstations)",
            "kept as supplied; check the FTE and workstations in the register",
        )
    elif gia > 0 and fte > gia / _MIN_M2_PER_FTE:
        row.note(
            "fte",
            f"{fte:g} FTE is more than one per {_MIN_M2_PER_FTE:g} m² of its {gia:g} m² floor area",
            "kept as supplied; check the FTE and floor area in the register",
        )
    return fte


def _locks(said: object, use_class: str, row: _Row, assumptions: Assumptions) -> None:
    """Set the row's locks: as the register or manifest says, else the use class's benchmark."""
    v = row.values
    lock = str(said or "").strip().lower()
    by_class = assumptions.flag(use_class, "locked_retain")
    stated = Source.SUPPLIED.value if lock else None
    v["locked_dispose"], v["locked_dispose_source"] = lock.startswith("dispose"), stated
    v["locked_retain"] = lock.startswith("retain") or (by_class and not v["locked_dispose"])
    v["locked_retain_source"] = stated or (Source.MODELLED.value if by_class else None)
    if by_class and v["locked_dispose"]:
        row.note(
            "locked", "locked to dispose but its use class is kept by default", "locked to dispose as the register says"
        )


def _duplicates(raw: RawTable, rows: list[_Row], mapping: ColumnMapping) -> None:
    """Exclude exact copies of an earlier row; note UPRNs repeated within the file."""
    content = raw.frame.drop(columns=["_row"]).astype("string").fillna("")
    date_column = mapping.column("effective_date")
    if date_column:
        content = content.drop(columns=[date_column])
    first: dict[tuple, int] = {}
    for row, key in zip(rows, map(tuple, content.itertuples(index=False)), strict=True):
        if key in first:
            row.exclude("", f"an exact copy of row {first[key]}", "no action: loaded once from row " + str(first[key]))
        else:
            first[key] = row.row
    by_uprn: dict[str, list[_Row]] = {}
    for row in rows:
        if not row.excluded and row.values.get("uprn"):
            by_uprn.setdefault(row.values["uprn"], []).append(row)
    for uprn, group in by_uprn.items():
        if len(group) > 1:
            for row in group:
                others = ", ".join(str(r.row) for r in group if r is not row)
                row.note(
                    "uprn",
                    f"UPRN {uprn} is also on row(s) {others} of this file",
                    "check whether these are parts of one site or a duplicate entry",
                )


def load_file(
    source: str | Path | bytes | BinaryIO,
    spec: PartnerFile,
    *,
    label: str | None = None,
    postcodes: PostcodeLookup | None = None,
    boundary=None,
    assumptions: Assumptions | None = None,
    id_prefix: str | None = None,
) -> LoadResult:
    """Load one partner file into canonical holdings, teams and a full report.

    Parameters
    ----------
    source
        A path, or the bytes of an upload (then give ``label``).
    spec
        The partner and any column mapping or defaults.
    label
        The file name used in every message (defaults to the path's name).
    postcodes
        Lookup used for rows with a postcode but no coordinates.
    boundary
        The place's boundary in EPSG:27700; rows outside it are flagged.
    assumptions
        Benchmarks for modelled values (the planner's defaults when ``None``).
    id_prefix
        Prefix of holding ids (defaults to the partner's name as a slug).

    Returns
    -------
    LoadResult

    Raises
    ------
    estate.errors.InputFileError
        When the file cannot be read at all.
    estate.errors.ColumnMappingError
        When no column can be matched.

    """
    assumptions = assumptions or load_assumptions()
    raw = read_table(source, label=label, headings=[*recognised_headings(), *spec.columns])
    label = raw.label
    mapping = match_columns(list(raw.frame.columns), spec.columns, label=label, has_geometry=raw.geometry is not None)
    raw, unclear = _as_read(raw, mapping)
    prefix = id_prefix or slug(spec.partner)
    records = raw.frame.to_dict("records")
    geoms = list(raw.geometry) if raw.geometry is not None else [None] * len(records)
    if raw.geometry is not None and raw.crs is None:
        raise_crs = "declares no coordinate system"
    else:
        raise_crs = None

    rows: list[_Row] = []
    for rec, geom in zip(records, geoms, strict=True):
        row = _Row(label, spec.partner, int(rec["_row"]))
        total = _totals(rec, mapping) if geom is None else None
        if total:
            said_in, word = total
            row.values["name"] = word
            row.exclude(said_in, f"a totals row ({word!r}), not a holding", "no action: totals are not loaded")
            rows.append(row)
            continue
        unread = unclear.get(row.row, {})
        if unread:
            rec = {**rec, **{mapping.column(name): None for name in unread}}
        _parse_row(rec, mapping, spec, row, assumptions)
        for name, text in unread.items():
            row.note(name, *either_mark(text, mapping.column(name) or name, name))
        point = None
        if geom is not None and not geom.is_empty:
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            if geom.geom_type != "Point":
                row.values["outline"] = geom
                row.inform(
                    "location",
                    f"a {geom.geom_type} outline: its representative point is the holding's point",
                    "no action: the outline is kept (outline_wkt)",
                )
        if raise_crs and point is not None:
            row.note("location", f"the file {raise_crs}", "values read by their range; save the file with its CRS")
        if not row.excluded:
            _locate(rec, mapping, row, point, raw.crs, postcodes)
            if "outline" in row.values and "x" in row.values:
                row.values["location_source"] = Source.DERIVED.value
        rows.append(row)
    _duplicates(raw, rows, mapping)

    kept = [r for r in rows if not r.excluded]
    holdings = _frame(kept, spec, label, prefix)
    if boundary is not None and len(holdings):
        beyond = outside_boundary(holdings.geometry, boundary)
        holdings["in_boundary"] = (beyond <= 0).astype("boolean")
        for row, km in zip(kept, beyond, strict=True):
            if km > 0:
                row.note(
                    "location",
                    f"{km:.1f} km outside the place's boundary",
                    "kept and flagged; check the location or the partner's file",
                )
    holdings["outline_wkt"] = _outlines(kept, raw.crs)
    holdings = fill_modelled(holdings, assumptions)
    teams = _teams(kept, holdings, assumptions)
    holdings = _typed(holdings)
    report = pd.concat([file_notes(raw, spec.partner), _report(rows, holdings, spec.partner, label, mapping)])
    if not rows:
        no_rows = whole_file_lines(
            spec.partner,
            label,
            [f"'{label}' has column names but no rows"],
            outcome=Outcome.EXCLUDED,
            action="export the register again with its rows and load it",
        )
        report = pd.concat([report, no_rows])
    return LoadResult(holdings=holdings, teams=teams, report=report.reset_index(drop=True))


_NUMBER_FIELDS = (*VALUE_FIELDS, "x", "y", "lon", "lat", "fte", "registered_patients")


def _as_read(raw: RawTable, mapping: ColumnMapping) -> tuple[RawTable, dict[int, dict[str, str]]]:
    """The file's table as the loader reads it, and the numbers it cannot read.

    A field's column repeated in the file is read as the first non-blank value across
    its copies, and numbers are rewritten with a decimal point (:func:`with_decimal_points`).
    """
    frame = raw.frame.copy()
    notes = []
    for heading in mapping.fields.values():
        for copy in raw.repeats.get(heading, ()):
            filled = frame[heading].isna() & frame[copy].notna()
            if filled.any():
                frame[heading] = frame[heading].fillna(frame[copy])
                notes.append(f"where '{heading}' is blank its value is read from '{copy}' ({filled.sum()} rows)")
    raw = replace(raw, frame=frame, warnings=(*raw.warnings, *notes))
    numbers = {name: mapping.column(name) for name in _NUMBER_FIELDS if mapping.column(name)}
    return with_decimal_points(raw, numbers)


def with_decimal_points(raw: RawTable, columns: Mapping[str, str]) -> tuple[RawTable, dict[int, dict[str, str]]]:
    """``raw`` with the number columns ``{field: heading}`` rewritten with a decimal point, each by its own mark.

    Each column is read by the mark its numbers show (:attr:`RawTable.decimals`), with a
    file note where that is not the file's. Where a column writes numbers with both marks,
    a number either could have written (``1,234``: a thousand and some, or a little over
    one) is returned as ``{row: {field: text}}``, to be left blank and warned on its row
    rather than guessed (:func:`either_mark` words it).
    """
    frame = raw.frame.copy()
    notes = []
    unclear: dict[int, dict[str, str]] = {}
    for name, column in columns.items():
        mark = raw.decimals.get(column, raw.decimal)
        shown = number_marks(frame[column])
        if mark != raw.decimal:
            notes += _decimal_notes(column, frame[column], shown, mark)
        if mark == MIXED:
            either = shown.eq(EITHER).fillna(False).astype(bool)
            for row, text in zip(frame.loc[either, ROW], frame.loc[either, column], strict=True):
                unclear.setdefault(int(row), {})[name] = str(text).strip()
        frame[column] = with_decimal_point(frame[column], mark, shown)
    return replace(raw, frame=frame, warnings=(*raw.warnings, *notes)), unclear


def _decimal_notes(column: str, cells: pd.Series, shown: pd.Series, mark: str) -> list[str]:
    """What the file note says of a number column not read with the file's decimal mark."""
    comma = cells[shown.eq(",").fillna(False).astype(bool)]
    either = cells[shown.eq(EITHER).fillna(False).astype(bool)]
    notes = []
    if len(comma):
        example = str(comma.iloc[0]).strip()
        read = with_point(example)
        also = " in a file that also writes numbers with a decimal point" if mark == MIXED else ""
        notes.append(f"numbers in '{column}' use a comma as the decimal mark ('{example}' is read as {read}){also}")
    if mark == MIXED and len(either):
        notes.append(
            f"{len(either)} number(s) in '{column}' (such as '{str(either.iloc[0]).strip()}') could be read with "
            "either decimal mark, as the file uses both: not read, each reported on its row"
        )
    return notes


def _register_without(name: str) -> str:
    """What the register loader does for a field whose number it cannot read."""
    if name in ("x", "y", "lon", "lat"):
        return "located by postcode instead where possible"
    if name == "fte":
        return "occupants modelled instead"
    if name in VALUE_FIELDS:
        return "modelled instead"
    return "left blank"


def either_mark(
    text: str, heading: str, name: str, *, instead: str | None = None, where: str = "the register"
) -> tuple[str, str]:
    """The problem and action of a number either decimal mark could have written (``1,234``).

    ``instead`` says what is done without it (by default, what the register loader does
    for the field ``name``); ``where`` is the file to correct.
    """
    number = re.sub(r"[^\d.,+-]", "", text)
    mark = "," if "," in number else "."
    whole, decimal = number.replace(mark, ""), number.replace(mark, ".")
    if instead is None:
        instead = _register_without(name)
    return (
        f"{heading} {text!r} could be {whole} or {decimal}: the file writes numbers with both a decimal comma "
        "and a decimal point, so which it is cannot be told",
        f"not read: {instead}; in {where} write it as {whole} (no thousands separator) or as a decimal "
        "with the mark the column's other numbers use, and load again",
    )


def _outlines(kept: list[_Row], crs: str | None) -> list[str | None]:
    """Each kept row's polygon outline as WKT in EPSG:27700 (``None`` for a point holding)."""
    shapes = gpd.GeoSeries([r.values.get("outline") for r in kept])
    if crs is None and len(shapes) and shapes.notna().any():
        # read by their range, as the points were
        x0, y0, x1, y1 = shapes.total_bounds
        crs = "EPSG:4326" if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90 else CRS
    shapes = shapes.set_crs(crs or CRS).to_crs(CRS)
    return [None if g is None or g.is_empty else g.wkt for g in shapes]


def whole_file_lines(
    partner: str, file: str, problems: Sequence[str], *, outcome: Outcome, action: str
) -> pd.DataFrame:
    """Report lines about a whole file (field :data:`WHOLE_FILE`, no row), one per problem."""
    lines = [
        {
            "partner": partner,
            "file": file,
            "row": pd.NA,
            "name": None,
            "holding_id": None,
            "outcome": outcome.value,
            "field": WHOLE_FILE,
            "problem": problem,
            "action": action,
        }
        for problem in problems
    ]
    return pd.DataFrame(lines, columns=list(REPORT_COLUMNS)).astype({"row": "Int64"})


def file_notes(raw: RawTable, partner: str) -> pd.DataFrame:
    """The reader's notes on how a file was read, as report lines of the whole file."""
    return whole_file_lines(
        partner,
        raw.label,
        raw.warnings,
        outcome=Outcome.WARNING,
        action="check the file was read as intended; save it as the format and encoding named to be sure",
    )


def _frame(kept: list[_Row], spec: PartnerFile, label: str, prefix: str) -> gpd.GeoDataFrame:
    ids: list[str] = []
    first: dict[str, int] = {}
    # a row without an id is named after its row number ('r7'); the register's own ids keep
    # their names, so a row-number name one of them already uses gets the row suffix instead
    own = {row.values["local_id"]: row.row for row in reversed(kept) if row.values["local_id"]}
    for row in kept:
        local = row.values["local_id"]
        base = f"{prefix}:{local or f'r{row.row}'}"
        if not local and f"r{row.row}" in own:
            hid = f"{base}@r{row.row}"
            row.note(
                "local_id",
                f"no id; its row-number name 'r{row.row}' is the register's own id on row {own[f'r{row.row}']}",
                f"loaded as {hid!r}; give each holding its own id in the register",
            )
        elif base in first:
            hid = f"{base}@r{row.row}"
            row.note(
                "local_id",
                f"id {local!r} is also on row {first[base]} of this file",
                f"loaded as {hid!r}; give each holding its own id in the register",
            )
        else:
            hid = base
            first[base] = row.row
        ids.append(hid)
    data = {col: [r.values.get(col) for r in kept] for col in HOLDING_DTYPES if col in kept[0].values} if kept else {}
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(kept)))
    frame["holding_id"] = ids
    frame["register_id"] = [row.values["local_id"] for row in kept]
    frame["partner"] = spec.partner
    frame["partner_type"] = spec.partner_type
    frame["source_file"] = label
    frame["source_row"] = [r.row for r in kept]
    for col in HOLDING_DTYPES:
        if col not in frame:
            frame[col] = pd.NA
    geometry = gpd.points_from_xy([r.values["x"] for r in kept], [r.values["y"] for r in kept], crs=CRS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS)


def _teams(kept: list[_Row], holdings: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    supplied_fte = pd.Series([r.values["fte"] for r in kept], index=holdings.index, dtype=float)
    occupied = pd.Series([r.values["occupied"] for r in kept], index=holdings.index, dtype=bool)
    modelled = modelled_teams(holdings, occupied & supplied_fte.isna(), assumptions)
    have = holdings[supplied_fte.gt(0)]
    per_desk = assumptions.occupancy.get("m2_per_workstation", 6.0)
    supplied = pd.DataFrame(
        {
            "team_id": have["holding_id"].astype(str) + "/staff",
            "holding_id": have["holding_id"],
            "partner": have["partner"],
            "service": have["use_class"],
            "fte": supplied_fte[have.index],
            "space_m2": supplied_fte[have.index] * per_desk,
            "fte_source": Source.SUPPLIED.value,
        }
    )
    teams = pd.concat([supplied, modelled], ignore_index=True)
    return teams.astype(TEAM_DTYPES)[list(TEAM_COLUMNS)]


def _typed(holdings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for col in TRACKED_FIELDS:
        holdings[f"{col}_source"] = holdings[f"{col}_source"].astype("string")
    for col, dtype in HOLDING_DTYPES.items():
        if dtype.startswith("datetime"):
            holdings[col] = pd.to_datetime(holdings[col]).astype("datetime64[s]")
        else:
            holdings[col] = holdings[col].astype(dtype)
    return holdings[list(HOLDING_COLUMNS)]


def _report(rows: list[_Row], holdings: pd.DataFrame, partner: str, label: str, mapping: ColumnMapping) -> pd.DataFrame:
    ids = dict(zip(holdings["source_row"].astype(int), holdings["holding_id"], strict=True)) if len(holdings) else {}
    lines = []
    for row in rows:
        base = {
            "partner": partner,
            "file": label,
            "row": row.row,
            "name": row.values.get("name"),
            "holding_id": ids.get(row.row),
        }
        if not row.lines:
            lines.append(
                {**base, "outcome": Outcome.LOADED.value, "field": "", "column": "", "problem": "", "action": ""}
            )
        # every line of a row is the row's outcome: a warning about a row that is then
        # excluded is not "loaded with warnings". The reason it is excluded comes first.
        causes_first = sorted(row.lines, key=lambda line: line["outcome"] != Outcome.EXCLUDED.value)
        for line in causes_first:
            outcome = Outcome.EXCLUDED.value if row.excluded else line["outcome"]
            lines.append({**base, **line, "outcome": outcome, "column": _headings_of(line["field"], mapping)})
    report = pd.DataFrame(lines, columns=list(REPORT_COLUMNS))
    return report.astype({"row": "Int64"})


def _headings_of(field_name: str, mapping: ColumnMapping) -> str:
    """The file's heading(s) for a report line's field ("Easting/Northing" for ``x/y``); "" for none.

    A location comes from the coordinate columns or the postcode, so it names those the file has.
    """
    if field_name == "location":
        return "/".join(h for h in (mapping.column(part) for part in ("x", "y", "postcode")) if h)
    headings = [mapping.column(part) for part in field_name.split("/")]
    return "/".join(headings) if all(headings) else ""


def row_outcomes(report: pd.DataFrame) -> pd.DataFrame:
    """One line per input row with its overall outcome (the worst of its lines).

    Returns
    -------
    pandas.DataFrame
        Columns ``partner``, ``file``, ``row``, ``name``, ``outcome``.

    """
    rank = {Outcome.LOADED.value: 0, Outcome.WARNING.value: 1, Outcome.EXCLUDED.value: 2}
    ranked = report.assign(_rank=report["outcome"].map(rank))
    worst = ranked.sort_values("_rank").groupby(["partner", "file", "row"], sort=False).tail(1)
    return worst.sort_values(["partner", "file", "row"])[["partner", "file", "row", "name", "outcome"]].reset_index(
        drop=True
    )


def exclusion_reasons(report: pd.DataFrame) -> pd.DataFrame:
    """One line per excluded input row: the reason it is excluded (its first line).

    Whole-file lines are left out; an excluded row's other lines are warnings found
    before it was excluded.
    """
    excluded = report[report["outcome"].eq(Outcome.EXCLUDED.value) & report["field"].ne(WHOLE_FILE)]
    return excluded.drop_duplicates(["partner", "file", "row"])


def outcome_counts(report: pd.DataFrame) -> dict[str, int]:
    """Rows per overall outcome, e.g. ``{"loaded": 300, "loaded with warnings": 80, "excluded": 12}``."""
    counts = row_outcomes(report)["outcome"].value_counts()
    return {o.value: int(counts.get(o.value, 0)) for o in Outcome}

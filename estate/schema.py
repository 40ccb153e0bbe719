"""The canonical holding schema: one row per holding, the same for every partner.

A *holding* is one partner's interest in one site (a freehold it owns, a lease it
holds). Every loader turns a partner's register into a GeoDataFrame with exactly
the columns below, in EPSG:27700, and every later stage (access, optimiser, pages,
exports) reads only these names.

Each value field that may be missing from a register has a sibling column
``<field>_source`` saying where the value came from:

``supplied``
    read from the partner's file;
``derived``
    computed from supplied values (a point from a postcode, a representative
    point from a polygon, a total from its parts);
``modelled``
    filled from the benchmark assumptions per use class (see
    :mod:`estate.assumptions`); never data, and shown as modelled everywhere.

Occupying teams live in a second table (:data:`TEAM_COLUMNS`), keyed by
``holding_id``, because a holding may house several partners' teams.
"""

from __future__ import annotations

from enum import StrEnum

CRS = "EPSG:27700"
"""Every geometry in the planner is in British National Grid (metres)."""


class Source(StrEnum):
    """Where a field's value came from."""

    SUPPLIED = "supplied"
    DERIVED = "derived"
    MODELLED = "modelled"


class PartnerType(StrEnum):
    """The kinds of public body that hold property in a place."""

    COUNCIL = "council"
    NHS = "nhs"
    POLICE = "police"
    FIRE = "fire"
    DWP = "dwp"
    PROBATION = "probation"
    OTHER = "other"


class Tenure(StrEnum):
    """How the partner holds the site."""

    FREEHOLD = "freehold"
    LEASEHOLD = "leasehold"
    UNKNOWN = "unknown"


class UseClass(StrEnum):
    """What the building is used for; benchmark assumptions are kept per use class."""

    OFFICE = "office"
    CUSTOMER_ACCESS = "customer_access"
    CLINIC = "clinic"
    GP_SURGERY = "gp_surgery"
    HOSPITAL = "hospital"
    LIBRARY = "library"
    COMMUNITY_CENTRE = "community_centre"
    CHILDRENS_CENTRE = "childrens_centre"
    JOBCENTRE = "jobcentre"
    PROBATION_OFFICE = "probation_office"
    POLICE_STATION = "police_station"
    FIRE_STATION = "fire_station"
    LEISURE = "leisure"
    SCHOOL = "school"
    DEPOT = "depot"
    LAND = "land"
    OTHER = "other"


class Outcome(StrEnum):
    """What happened to one input row."""

    LOADED = "loaded"
    WARNING = "loaded with warnings"
    EXCLUDED = "excluded"


VALUE_FIELDS: tuple[str, ...] = (
    "gia_m2",
    "workstations",
    "running_cost_gbp",
    "rent_gbp",
    "rates_gbp",
    "energy_cost_gbp",
    "maintenance_gbp",
    "market_value_gbp",
    "backlog_gbp",
    "energy_kwh",
    "tco2e",
    "land_area_ha",
)
"""Numeric value fields read from a register and, where missing, modelled per use class."""

TRACKED_FIELDS: tuple[str, ...] = (
    "location",
    *VALUE_FIELDS,
    "use_class",
    "tenure",
    "lease_break",
    "lease_expiry",
    "services",
    "can_host",
    "locked_retain",
    "locked_dispose",
)
"""Fields whose provenance is kept in a ``<field>_source`` column.

``use_class`` is *supplied* when the register (or the manifest's defaults) names a
use class, *derived* when it is read from other words of the row (``"Town Hall"`` is
an office), and *modelled* when nothing said and ``other`` is assumed. ``can_host``
and the locks are *modelled* where the use class's benchmark sets them. A missing
value has no source."""

# column -> pandas dtype; the order is the order of every export.
HOLDING_DTYPES: dict[str, str] = {
    "holding_id": "string",
    "register_id": "string",
    "partner": "string",
    "partner_type": "string",
    "uprn": "string",
    "name": "string",
    "address": "string",
    "postcode": "string",
    "use_class": "string",
    "tenure": "string",
    "lease_break": "datetime64[s]",
    "lease_expiry": "datetime64[s]",
    "gia_m2": "float64",
    "workstations": "float64",
    "running_cost_gbp": "float64",
    "rent_gbp": "float64",
    "rates_gbp": "float64",
    "energy_cost_gbp": "float64",
    "maintenance_gbp": "float64",
    "market_value_gbp": "float64",
    "backlog_gbp": "float64",
    "energy_kwh": "float64",
    "tco2e": "float64",
    "land_area_ha": "float64",
    "energy_rating": "string",
    "registered_patients": "float64",
    "services": "string",
    "can_host": "boolean",
    "locked_retain": "boolean",
    "locked_dispose": "boolean",
    "in_boundary": "boolean",
    "outline_wkt": "string",
    "source_file": "string",
    "source_row": "Int64",
    **{f"{field}_source": "string" for field in TRACKED_FIELDS},
}
HOLDING_COLUMNS: tuple[str, ...] = (*HOLDING_DTYPES, "geometry")
"""Columns of the holdings GeoDataFrame; ``geometry`` is a Point in :data:`CRS`.

``holding_id`` is unique in the place (``partner-slug:register id``); ``register_id`` is
the id the partner's own register gives the holding (its asset code), missing where the row
had none, so that a line can be matched back to the register.
A holding read from a polygon keeps the polygon as ``outline_wkt`` (WKT in
:data:`CRS`) and its representative point as ``geometry`` (location *derived*).
``energy_rating`` is the EPC or DEC band (``A+`` to ``G``) as supplied;
``registered_patients`` is a GP practice's list size where the file gives it."""

WHOLE_FILE = "(whole file)"
"""The report's ``field`` for a line about a whole file rather than one row: a file
that could not be read (outcome excluded) or a note on how it was read (outcome
loaded with warnings, e.g. "read as Windows-1252"). Such lines have no row number
and are not counted as rows."""

SERVICE_SEPARATOR = ";"
"""``services`` holds the public-facing services a holding offers, e.g. ``"library;customer_access"``."""

TEAM_DTYPES: dict[str, str] = {
    "team_id": "string",
    "holding_id": "string",
    "partner": "string",
    "service": "string",
    "fte": "float64",
    "space_m2": "float64",
    "fte_source": "string",
}
TEAM_COLUMNS: tuple[str, ...] = tuple(TEAM_DTYPES)
"""Occupying teams: a partner's service at a holding, with staff FTE and space need."""

REPORT_COLUMNS: tuple[str, ...] = (
    "partner",
    "file",
    "row",
    "name",
    "holding_id",
    "outcome",
    "field",
    "column",
    "problem",
    "action",
)
"""The validation report: at least one line per input row. ``row`` is the row number a
spreadsheet shows (the header is row 1); ``field`` is the planner's name for what is at
fault, ``column`` the file's own heading(s) for it (blank where no column holds it, e.g. a
location from a postcode lookup or a whole file); ``action`` says what the planner did or
what the user should do."""


def services_of(value: object) -> list[str]:
    """Split a ``services`` cell into its service names (empty for missing)."""
    if not isinstance(value, str) or not value.strip():
        return []
    return [s.strip() for s in value.split(SERVICE_SEPARATOR) if s.strip()]

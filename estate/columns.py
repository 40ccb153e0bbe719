"""Match a register's column headings to the holding schema.

Registers arrive with many spellings of the same field. The Local Government
Transparency Code names its columns (``UPRN``, ``PropertyName``, ``PostCode``,
``CoordinateReferenceSystem``, ``GeoX``, ``GeoY``, ``TenureType``, ...); central
government records follow the GovS004 Property Data Standard / ePIMS; every other
partner has its own spreadsheet. :data:`ALIASES` lists the spellings recognised for
each *source field*; a user's own mapping (``{"Site": "name"}``) always wins.

Headings are compared after :func:`normalise_heading` (lower case, letters and
digits only), so ``Post Code``, ``post_code`` and ``POSTCODE`` are one heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from estate.errors import ColumnMappingError

# Source fields a register may supply. Most are schema columns; the rest
# (coordinates, address parts, tenure detail) are inputs the loader combines.
ALIASES: dict[str, tuple[str, ...]] = {
    "local_id": (
        "AssetCode",
        "AssetRef",
        "Asset Reference",
        "PropertyReference",
        "Property Reference",
        "Property Ref",
        "PropertyID",
        "Property ID",
        "Site Ref",
        "SiteID",
        "Site ID",
        "ePIMS ID",
        "ePIMSID",
        "Holding ID",
        "HoldingID",
        "OrgCode",
        "Practice Code",
        "practice_code",
        "unique_reference_number",
        "URN",
        "ID",
    ),
    "uprn": ("UPRN", "Unique Property Reference Number", "UPRN Number"),
    "name": (
        "PropertyName",
        "Property Name",
        "Site Name",
        "SiteName",
        "Building Name",
        "BuildingName",
        "Asset Name",
        "AssetName",
        "Name",
        "Holding Name",
        "Site",
        "Building",
        "STATION_NAME",
        "community_hub",
        "DISTNAME",
        "practice_name",
    ),
    "street_number": ("StreetNumber", "Street Number", "Building Number", "House Number"),
    "street_name": ("StreetName", "Street Name", "Street", "Road"),
    "address": (
        "Address",
        "Full Address",
        "Address Line 1",
        "Address1",
        "Property Address",
        "STATION_ADDRESS",
        "Site Address",
    ),
    "town": ("PostTown", "Post Town", "Town", "City", "Address4"),
    "postcode": (
        "PostCode",
        "Post Code",
        "Postcode",
        "STATION_POSTCODE",
        "practice_postcode",
        "pcd",
        "pcds",
        "Site Postcode",
    ),
    "crs": ("CoordinateReferenceSystem", "Coordinate Reference System", "CRS", "Projection"),
    "x": (
        "GeoX",
        "Geo X",
        "Easting",
        "Eastings",
        "X",
        "X Coordinate",
        "STATION_EASTING",
        "oseast1m",
        "Grid Ref Easting",
        "GridRefEasting",
    ),
    "y": (
        "GeoY",
        "Geo Y",
        "Northing",
        "Northings",
        "Y",
        "Y Coordinate",
        "STATION_NORTHING",
        "osnrth1m",
        "Grid Ref Northing",
        "GridRefNorthing",
    ),
    "lon": ("Longitude", "Lon", "Long", "lng"),
    "lat": ("Latitude", "Lat"),
    "tenure": ("TenureType", "Tenure Type", "Tenure", "Freehold/Leasehold", "Holding Tenure"),
    "tenure_detail": ("TenureDetail", "Tenure Detail", "Occupancy", "Occupation Status"),
    "other_detail": ("OtherDetail", "Other Detail", "Description", "Notes", "Use"),
    "holding_type": ("HoldingType", "Holding Type", "Land/Buildings", "Asset Type", "AssetType"),
    "use_class": (
        "Use Class",
        "UseClass",
        "Property Type",
        "PropertyType",
        "Primary Use",
        "Property Use",
        "Building Use",
        "Asset Use",
        "Use Type",
    ),
    "gia_m2": (
        "BuildingSize",
        "Building Size",
        "GIA",
        "GIA m2",
        "GIA (m2)",
        "GIA (sq m)",
        "Gross Internal Area",
        "Gross Internal Area (m2)",
        "Floor Area",
        "Floor Area m2",
        "Floor Area (m2)",
        "NIA",
        "Net Internal Area",
    ),
    "land_area_ha": ("LandArea", "Land Area", "Site Area", "Site Area (ha)", "Land Area (ha)"),
    "energy_rating": ("EnergyRating", "Energy Rating", "EPC", "EPC Rating", "DEC Rating"),
    "workstations": ("Workstations", "Workstation Capacity", "Desks", "Desk Capacity", "Workpoints"),
    "fte": ("FTE", "Staff FTE", "Occupants", "Headcount", "Staff", "Occupancy FTE"),
    "running_cost_gbp": (
        "Running Cost",
        "Running Costs",
        "Annual Running Cost",
        "Total Running Cost",
        "Total Annual Running Cost",
        "Total Property Cost",
        "Total Occupancy Cost",
        "Annual Cost",
    ),
    "rent_gbp": ("Rent", "Annual Rent", "Passing Rent", "Rent Payable"),
    "rates_gbp": ("Rates", "Business Rates", "NNDR", "Rates Payable"),
    "energy_cost_gbp": ("Energy Cost", "Utilities", "Utility Costs", "Energy"),
    "maintenance_gbp": ("Maintenance", "Maintenance Cost", "Repairs", "Planned Maintenance"),
    "market_value_gbp": (
        "Market Value",
        "MarketValue",
        "Valuation",
        "Value",
        "Expected Receipt",
        "Disposal Value",
        "Existing Use Value",
        "Book Value",
    ),
    "backlog_gbp": ("Backlog", "Backlog Maintenance", "Backlog Maintenance Cost", "Maintenance Backlog"),
    "energy_kwh": ("Energy kWh", "Energy Use kWh", "Annual kWh", "kWh"),
    "tco2e": ("tCO2e", "Carbon", "Carbon tCO2e", "Emissions tCO2e", "CO2 Emissions"),
    "lease_break": ("Lease Break", "Lease Break Date", "Break Date", "Next Break", "Next Break Date"),
    "lease_expiry": ("Lease Expiry", "Lease Expiry Date", "Lease End", "Lease End Date", "Expiry Date"),
    "services": ("Services", "Public Services", "Services Offered"),
    "can_host": ("Can Host", "Can Host Others", "Shareable", "Available For Sharing"),
    "locked": ("Lock", "Locked", "Decision Lock", "Retain/Dispose Lock"),
    "registered_patients": ("registered_patients", "Registered Patients", "List Size"),
    "close_date": ("CloseDate", "Close Date", "Closed"),
    "effective_date": ("EffectiveDate", "Effective Date", "As At", "Date"),
}

SOURCE_FIELDS: tuple[str, ...] = tuple(ALIASES)
"""Every field a column can be mapped to."""

_LOCATION_FIELDS = {"x", "y", "lon", "lat", "postcode"}


def normalise_heading(heading: str) -> str:
    """Reduce a column heading to lower-case letters and digits for matching."""
    return re.sub(r"[^a-z0-9]", "", str(heading).lower())


def _index(aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``{normalised spelling: field}``, the field's own name among them.

    A file the planner wrote (``running_cost_gbp``, ``market_value_gbp``) reads back
    without a mapping; a listed spelling wins where the two meet.
    """
    own = {normalise_heading(field): field for field in aliases}
    return own | {normalise_heading(alias): field for field, spellings in aliases.items() for alias in spellings}


def recognised_headings(aliases: Mapping[str, Sequence[str]] = ALIASES) -> frozenset[str]:
    """Every heading ``aliases`` recognise (a register's by default), normalised (:func:`normalise_heading`)."""
    return frozenset(_index(aliases))


@dataclass(frozen=True)
class ColumnMapping:
    """Which source column feeds which source field.

    Attributes
    ----------
    fields
        Source field -> the file's column heading.
    unmatched
        Headings that matched no field; they are kept out of the holding but listed
        so the user can map them.

    """

    fields: Mapping[str, str]
    unmatched: tuple[str, ...]

    def column(self, field: str) -> str | None:
        """The file's column for ``field``, or ``None`` when the file lacks it."""
        return self.fields.get(field)


def match_columns(
    headings: Iterable[str],
    user_mapping: Mapping[str, str] | None = None,
    *,
    label: str = "the file",
    has_geometry: bool = False,
) -> ColumnMapping:
    """Match a file's headings to source fields.

    Parameters
    ----------
    headings
        The file's column headings, in order.
    user_mapping
        ``{file heading: source field}`` from the place manifest or the Portfolio
        page; it overrides the built-in aliases. A field of ``""`` ignores the column.
    label
        The file's name, used in messages.
    has_geometry
        The file carries its own geometry (GeoJSON, GeoPackage, Shapefile), so it
        needs no coordinate columns.

    Returns
    -------
    ColumnMapping

    Raises
    ------
    ColumnMappingError
        When the user mapping names an unknown field or heading, or when no heading
        gives a name or a location, so not one holding could be built.

    """
    headings = [h for h in headings if not str(h).startswith("_")]
    fields, unmatched = match_headings(headings, user_mapping or {}, ALIASES, label=label)

    if not ({"name", "address", "uprn", "local_id"} & fields.keys()) or not (
        has_geometry or _LOCATION_FIELDS & fields.keys()
    ):
        found = f"found {', '.join(map(repr, headings[:12]))}{' ...' if len(headings) > 12 else ''}"
        raise ColumnMappingError(
            f"{label}: no recognisable register columns ({found if headings else 'it has no columns'}). "
            "A register needs a name, address or UPRN "
            "column and a location (GeoX/GeoY, Easting/Northing, Longitude/Latitude or PostCode). "
            "Map the columns on the Portfolio page or in place.toml under [partners.files.columns]."
        )
    return ColumnMapping(fields=fields, unmatched=tuple(unmatched))


def match_headings(
    headings: Sequence[str],
    user_mapping: Mapping[str, str],
    aliases: Mapping[str, Sequence[str]],
    *,
    label: str,
) -> tuple[dict[str, str], list[str]]:
    """Match headings to fields: the user's mapping first, then the first heading spelt like each field.

    Parameters
    ----------
    headings
        The file's headings (internal ``_`` columns already left out).
    user_mapping
        ``{file heading: field}``; a field of ``""`` ignores the column.
    aliases
        ``{field: spellings}`` recognised for the kind of file (a register, a teams file).
    label
        The file's name, used in messages.

    Returns
    -------
    tuple
        ``{field: heading}`` and the headings matched to nothing.

    Raises
    ------
    ColumnMappingError
        When the user's mapping names a field not in ``aliases`` or a heading the file lacks.

    """
    unknown = sorted({f for f in user_mapping.values() if f and f not in aliases})
    if unknown:
        raise ColumnMappingError(
            f"{label}: the column mapping names unknown field(s) {', '.join(unknown)}; "
            f"use one of: {', '.join(aliases)}."
        )
    missing = sorted(set(user_mapping) - set(headings))
    if missing:
        raise ColumnMappingError(
            f"{label}: the column mapping names column(s) {', '.join(map(repr, missing))} "
            f"that the file does not have; its columns are {', '.join(map(repr, headings))}."
        )
    index = _index(aliases)  # a few hundred spellings: rebuilt per file in under a millisecond
    fields = {field: heading for heading, field in user_mapping.items() if field}
    unmatched = []
    for heading in headings:
        if heading in user_mapping:
            continue
        field = index.get(normalise_heading(heading))
        if field is None or field in fields:
            unmatched.append(heading)
        else:
            fields[field] = heading
    return fields, unmatched

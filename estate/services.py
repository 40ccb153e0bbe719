"""The service catalogue: which holdings offer which services, and each service's access standard.

A holding's ``services`` column lists the public-facing services it offers, separated by
``;`` (see :func:`estate.schema.services_of`). Each service has an access standard: a
threshold (km or minutes) and the share of the relevant population that must be within it.
The defaults live in ``data/services.toml``, documented line by line, and a place may bring
its own file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd

from estate._tables import ProblemsError, listing, problems_frame, problems_message
from estate.schema import services_of

DEFAULT_STANDARDS = Path(__file__).resolve().parent.parent / "data" / "services.toml"
"""The editable default standards."""

SERVICES: tuple[str, ...] = (
    "jobcentre",
    "gp",
    "library",
    "customer_access",
    "probation",
    "fire",
    "childrens_centre",
    "community_hub",
    "police_front_counter",
)
"""The services the default standards cover; a place may add its own."""

STANDARD_COLUMNS: tuple[str, ...] = (
    "service",
    "label",
    "threshold",
    "unit",
    "threshold_minutes",
    "share",
    "population",
    "source",
)
"""Columns of the standards table; ``threshold_minutes`` is missing where not given."""

UNITS = ("km", "min")
POPULATIONS = ("population", "aged_16_64", "aged_65_plus", "aged_0_15")
POPULATION_WORDS = {
    "population": "everyone",
    "aged_16_64": "aged 16-64",
    "aged_65_plus": "aged 65+",
    "aged_0_15": "aged 0-15",
}
"""How each population a standard counts is named on pages and in messages."""

_KEYS = set(STANDARD_COLUMNS) - {"service"}
_REQUIRED = ("threshold", "unit", "share")


class StandardsError(ProblemsError):
    """A standards file cannot be used; ``problems`` lists every fault."""


def load_standards(path: str | Path | None = None) -> pd.DataFrame:
    """Read the access standards, one row per service.

    Parameters
    ----------
    path
        A TOML file with one table per service (see ``data/services.toml`` for the keys and
        their meaning). ``None`` reads the defaults.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STANDARD_COLUMNS`, in the file's order; ``attrs["source"]`` is the
        file name.

    Raises
    ------
    StandardsError
        The file is not valid TOML, or a service has a missing or impossible threshold,
        unit, share or population, or an unknown key. Every problem is listed at once.

    """
    path = Path(path) if path is not None else DEFAULT_STANDARDS
    name = path.name
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StandardsError(f"{name}: no such file ({path}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StandardsError(f"{name}: not valid TOML ({exc}). Compare with services.toml.") from exc
    problems: list[dict[str, object]] = []
    records = []
    for service, entry in document.items():
        if not isinstance(entry, dict):
            problems.append(_problem(name, service, "-", "is a value, not a [table]", f"write [{service}]"))
            continue
        records.append(_standard(name, service, entry, problems))
    if not records and not problems:
        problems.append(_problem(name, "-", "-", "no services", "add one [table] per service"))
    if problems:
        frame = problems_frame(problems)
        raise StandardsError(problems_message(name, "standards file", frame), frame)
    standards = pd.DataFrame.from_records(records, columns=list(STANDARD_COLUMNS))
    standards = standards.astype({"threshold": "float64", "threshold_minutes": "float64", "share": "float64"})
    standards.attrs["source"] = name
    return standards


def _problem(file: str, service: str, key: str, problem: str, action: str) -> dict[str, object]:
    return {
        "file": file,
        "row": None,
        "field": f"[{service}] {key}",
        "problem": problem,
        "action": action,
    }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _standard(
    name: str, service: str, entry: dict[str, object], problems: list[dict[str, object]]
) -> dict[str, object]:
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        problems.append(
            _problem(
                name,
                service,
                listing(unknown),
                "unknown key",
                f"use only {listing(sorted(_KEYS))}",
            )
        )
    for required in _REQUIRED:
        if required not in entry:
            problems.append(_problem(name, service, required, "missing", "add it"))
    threshold = _number(entry.get("threshold"))
    if "threshold" in entry and (threshold is None or threshold <= 0):
        problems.append(
            _problem(
                name,
                service,
                "threshold",
                f"{entry['threshold']!r} is not a positive number",
                "give a distance in km or a time in minutes",
            )
        )
    unit = entry.get("unit")
    if "unit" in entry and unit not in UNITS:
        problems.append(
            _problem(
                name,
                service,
                "unit",
                f"{unit!r} is not 'km' or 'min'",
                "convert miles to km (1 mile = 1.609 km)",
            )
        )
    minutes = _number(entry.get("threshold_minutes"))
    if "threshold_minutes" in entry and (minutes is None or minutes <= 0):
        problems.append(
            _problem(
                name,
                service,
                "threshold_minutes",
                f"{entry['threshold_minutes']!r} is not a positive number of minutes",
                "correct it or remove the line",
            )
        )
    share = _number(entry.get("share"))
    if "share" in entry and (share is None or not 0 < share <= 1):
        problems.append(
            _problem(
                name,
                service,
                "share",
                f"{entry['share']!r} is not a share between 0 and 1",
                "write 0.95 for 95%",
            )
        )
    population = entry.get("population", "population")
    if population not in POPULATIONS:
        problems.append(
            _problem(
                name,
                service,
                "population",
                f"{population!r} is not a demand column",
                f"use one of {listing(list(POPULATIONS))}",
            )
        )
    return {
        "service": service,
        "label": str(entry.get("label", service.replace("_", " "))),
        "threshold": threshold,
        "unit": unit,
        "threshold_minutes": minutes,
        "share": share,
        "population": population,
        "source": str(entry.get("source", "not stated")),
    }


def providers_of(holdings: gpd.GeoDataFrame, service: str) -> gpd.GeoDataFrame:
    """Return the holdings whose ``services`` include ``service``.

    Parameters
    ----------
    holdings
        Holdings in the canonical schema (or any frame with a ``services`` column).
    service
        A service name as in the standards, e.g. ``"jobcentre"``.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows, in their original order.

    """
    if "services" not in holdings.columns:
        return holdings.iloc[0:0]
    offers = holdings["services"].map(lambda value: service in services_of(value))
    return holdings[offers.astype(bool)]


__all__ = [
    "DEFAULT_STANDARDS",
    "SERVICES",
    "STANDARD_COLUMNS",
    "StandardsError",
    "load_standards",
    "providers_of",
]

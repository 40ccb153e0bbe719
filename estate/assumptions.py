"""Benchmark assumptions per use class, and the modelled values they fill.

Registers hold names, places and tenures; almost none hold running costs, market
values, workstation capacities or occupants. :func:`fill_modelled` fills each gap
from ``data/assumptions.toml`` and marks the field ``modelled`` in its
``<field>_source`` column, so no page or export passes a benchmark off as data.

Formulas (per holding, GIA in m², all per year unless stated):

* ``gia_m2`` = the use class's typical floor area (land: 0);
* ``running_cost_gbp`` = parts (rent + rates + energy + maintenance) when any are
  supplied (``derived``), else GIA x £/m² (land: hectares x £/ha);
* ``market_value_gbp`` = GIA x £/m² (land: hectares x £/ha);
* ``workstations`` = GIA x office share x net-to-gross / m² per workstation;
* ``energy_kwh`` = GIA x (electricity + fossil kWh/m²);
  ``tco2e`` = (GIA x elec kWh/m² x elec factor + GIA x fossil kWh/m² x fossil factor) / 1000;
* ``backlog_gbp`` = GIA x £/m²;
* a modelled occupying team (the partner's own staff) where the holding is in use
  and no team is supplied: FTE = workstations x FTE per workstation.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estate.errors import InputFileError
from estate.schema import Source, UseClass

DEFAULT_ASSUMPTIONS = Path(__file__).resolve().parent.parent / "data" / "assumptions.toml"

_REQUIRED = (
    "gia_m2",
    "running_cost_gbp_per_m2",
    "value_gbp_per_m2",
    "office_share",
    "electricity_kwh_per_m2",
    "fossil_kwh_per_m2",
    "backlog_gbp_per_m2",
    "can_host",
    "locked_retain",
)
_FLAGS = ("can_host", "locked_retain")
_SHARED = ("carbon", "energy_price", "occupancy")


@dataclass(frozen=True)
class Assumptions:
    """Editable benchmark assumptions, read from a TOML file.

    Attributes
    ----------
    per_use_class
        Use class -> its benchmark figures (see ``data/assumptions.toml``).
    classify
        Ordered ``(use_class, words)`` rules for registers without a use-class column.
    carbon, energy_price, occupancy
        Factors shared by every use class.
    path
        Where the assumptions were read from (quoted in exports and the run manifest).

    """

    per_use_class: Mapping[str, Mapping[str, float | bool]]
    classify: tuple[tuple[str, tuple[str, ...]], ...]
    carbon: Mapping[str, float]
    energy_price: Mapping[str, float]
    occupancy: Mapping[str, float]
    path: str

    def figure(self, use_class: str, name: str, default: float = 0.0) -> float:
        """One benchmark figure for a use class (``other`` when the class is unknown)."""
        table = self.per_use_class.get(use_class) or self.per_use_class["other"]
        return float(table.get(name, default))

    def flag(self, use_class: str, name: str) -> bool:
        """One yes/no benchmark for a use class (``other`` when the class is unknown)."""
        table = self.per_use_class.get(use_class) or self.per_use_class["other"]
        return bool(table.get(name, False))

    def classify_text(self, *texts: object) -> str | None:
        """The first use class one of whose words is a word of ``texts``, or ``None``.

        A rule's word matches whole words only, in the singular or plural ("store" in
        "Parks Stores", not "house" in "Bowls Clubhouse" nor "pool" in "Liverpool Road").
        """
        haystack = " ".join(t for t in texts if isinstance(t, str)).lower().replace("’", "'")
        if not haystack.strip():
            return None
        for use_class, words in self.classify:
            if _words_pattern(words).search(haystack):
                return use_class
        return None


@functools.cache
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of ``words`` as a whole word, with an optional plural ending."""
    alternatives = "|".join(re.escape(word) for word in words) or "(?!)"
    return re.compile(rf"(?<![a-z])(?:{alternatives})(?:s|es)?(?![a-z])")


def load_assumptions(path: str | Path | None = None) -> Assumptions:
    """Read benchmark assumptions, checking every use class has every figure.

    Parameters
    ----------
    path
        A TOML file; ``None`` reads the planner's defaults in ``data/assumptions.toml``.

    Raises
    ------
    InputFileError
        When the file is missing, is not TOML, lacks a figure, or has a figure that is not a
        number of zero or more (a flag that is not true/false); the message names the file
        and every such key.

    """
    path = Path(path) if path is not None else DEFAULT_ASSUMPTIONS
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputFileError(f"assumptions file {str(path)!r} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"assumptions file {path.name!r} is not valid TOML: {exc}") from exc

    per_use_class = raw.get("use_class", {})
    problems = []
    for use_class in UseClass:
        table = per_use_class.get(use_class.value)
        if table is None:
            problems.append(f"[use_class.{use_class.value}] is missing")
            continue
        problems += [f"[use_class.{use_class.value}] lacks {k}" for k in _REQUIRED if k not in table]
        problems += _bad_figures(f"use_class.{use_class.value}", table)
    for section in _SHARED:
        problems += _bad_figures(section, raw.get(section, {}))
    unknown = sorted(set(per_use_class) - {u.value for u in UseClass})
    problems += [f"[use_class.{u}] is not a use class ({', '.join(UseClass)})" for u in unknown]
    rules = []
    for i, rule in enumerate(raw.get("classify", []), start=1):
        if rule.get("use_class") not in {u.value for u in UseClass}:
            problems.append(f"[[classify]] rule {i} names use class {rule.get('use_class')!r}")
            continue
        rules.append((rule["use_class"], tuple(w.lower() for w in rule.get("words", []))))
    if problems:
        raise InputFileError(f"assumptions file {path.name!r}: " + "; ".join(problems) + ".")
    return Assumptions(
        per_use_class={k: dict(v) for k, v in per_use_class.items()},
        classify=tuple(rules),
        carbon=dict(raw.get("carbon", {})),
        energy_price=dict(raw.get("energy_price", {})),
        occupancy=dict(raw.get("occupancy", {})),
        path=str(path),
    )


def _bad_figures(section: str, table: Mapping[str, object]) -> list[str]:
    """Name each figure in ``[section]`` that is not a non-negative number (or, for a flag, true/false)."""
    problems = []
    for key, value in table.items():
        if key in _FLAGS:
            if not isinstance(value, bool):
                problems.append(f"[{section}] {key} = {value!r} is not true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            problems.append(f"[{section}] {key} = {value!r} is not a number")
        elif math.isinf(value):
            problems.append(f"[{section}] {key} = {value!r} is not a finite number")
        elif value < 0:
            problems.append(f"[{section}] {key} = {value!r} is negative")
    return problems


def _fill(frame: pd.DataFrame, field: str, values: pd.Series, source: Source) -> None:
    """Fill the missing cells of ``field`` with ``values`` and mark them ``source``."""
    gap = frame[field].isna() & values.notna()
    frame.loc[gap, field] = values[gap]
    frame.loc[gap, f"{field}_source"] = source.value


def fill_modelled(holdings: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """Fill missing value fields from the benchmarks and mark them modelled.

    Parameters
    ----------
    holdings
        Holdings in the canonical schema; supplied values are never overwritten.
    assumptions
        The benchmark figures.

    Returns
    -------
    pandas.DataFrame
        A copy with every tracked value field filled and its source column set. A site
        area (``land_area_ha``) is modelled only for use classes with a benchmark area
        (land); ``can_host`` and its source are filled from the use class's flag.

    """
    out = holdings.copy()
    uc = out["use_class"].fillna(UseClass.OTHER.value).astype(str)

    def per(name: str, default: float = 0.0) -> pd.Series:
        return uc.map(lambda u: assumptions.figure(u, name, default)).astype(float)

    _fill(out, "gia_m2", per("gia_m2"), Source.MODELLED)
    gia = out["gia_m2"].astype(float)
    benchmark_ha = per("land_ha")
    _fill(out, "land_area_ha", benchmark_ha.where(benchmark_ha > 0), Source.MODELLED)
    hectares = out["land_area_ha"].astype(float).fillna(0.0)

    parts = out[["rent_gbp", "rates_gbp", "energy_cost_gbp", "maintenance_gbp"]].astype(float)
    _fill(out, "running_cost_gbp", parts.sum(axis=1, min_count=1), Source.DERIVED)
    is_land = uc.eq(UseClass.LAND.value)
    running = np.where(is_land, hectares * per("running_cost_gbp_per_ha"), gia * per("running_cost_gbp_per_m2"))
    _fill(out, "running_cost_gbp", pd.Series(running, index=out.index), Source.MODELLED)
    value = np.where(is_land, hectares * per("value_gbp_per_ha"), gia * per("value_gbp_per_m2"))
    _fill(out, "market_value_gbp", pd.Series(value, index=out.index), Source.MODELLED)

    occ = assumptions.occupancy
    desks = np.floor(gia * per("office_share") * occ.get("net_to_gross", 0.8) / occ.get("m2_per_workstation", 6.0))
    _fill(out, "workstations", pd.Series(desks, index=out.index), Source.MODELLED)

    elec, fossil = gia * per("electricity_kwh_per_m2"), gia * per("fossil_kwh_per_m2")
    _fill(out, "energy_kwh", elec + fossil, Source.MODELLED)
    carbon = (
        elec * assumptions.carbon.get("electricity_kg_per_kwh", 0.0)
        + fossil * assumptions.carbon.get("fossil_kg_per_kwh", 0.0)
    ) / 1000.0
    _fill(out, "tco2e", carbon, Source.MODELLED)
    _fill(out, "backlog_gbp", gia * per("backlog_gbp_per_m2"), Source.MODELLED)

    by_class = uc.map(lambda u: assumptions.flag(u, "can_host")).astype("boolean")
    out["can_host_source"] = out["can_host_source"].where(out["can_host"].notna(), Source.MODELLED.value)
    out["can_host"] = out["can_host"].astype("boolean").fillna(by_class)
    return out


def modelled_teams(holdings: pd.DataFrame, occupied: pd.Series, assumptions: Assumptions) -> pd.DataFrame:
    """One modelled team of the holding's own partner in each occupied holding.

    Parameters
    ----------
    holdings
        Holdings with ``workstations`` filled.
    occupied
        Boolean, aligned with ``holdings``: the partner's own staff work there.
    assumptions
        Supplies FTE per workstation.

    Returns
    -------
    pandas.DataFrame
        Teams in the canonical team schema, ``fte_source`` = ``modelled``.

    """
    rate = assumptions.occupancy.get("fte_per_workstation", 0.8)
    per_desk = assumptions.occupancy.get("m2_per_workstation", 6.0)
    chosen = holdings[occupied.fillna(False).astype(bool) & holdings["workstations"].fillna(0).gt(0)]
    fte = np.floor(chosen["workstations"].astype(float) * rate)
    teams = pd.DataFrame(
        {
            "team_id": chosen["holding_id"].astype(str) + "/staff",
            "holding_id": chosen["holding_id"],
            "partner": chosen["partner"],
            "service": chosen["use_class"],
            "fte": fte,
            "space_m2": fte * per_desk,
            "fte_source": Source.MODELLED.value,
        }
    )
    return teams[teams["fte"] > 0].reset_index(drop=True)

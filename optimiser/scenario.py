"""A scenario: every setting the optimiser takes, as one frozen, hashable value.

Defaults live in ``data/scenario_default.toml``, where each modelled cost is labelled as a
modelled assumption with its reasoning. A scenario file may set any subset of the
settings; tables such as ``[money]`` only group them for reading, and every key must be
unique across the file. Optional numbers are switched off with the text ``"none"``.

Example::

    objective = "npv"
    [money]
    budget_gbp = 15_000_000
    [locks]
    retain = ["trafford-council:TMBC0008/T0000001"]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estate.errors import did_you_mean
from optimiser.errors import ScenarioError

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "data" / "scenario_default.toml"
"""The editable default scenario."""

OBJECTIVES: tuple[str, ...] = ("npv", "fewest_sites", "max_coverage", "least_travel")
"""What the optimiser can aim for."""

SOLVERS: tuple[str, ...] = ("highs", "cbc")
"""The MILP solvers the optimiser can call."""

SOLVER_NAMES: dict[str, str] = {"highs": "HiGHS", "cbc": "CBC"}
"""Each solver as its makers spell it."""

_OPTIONAL = {"p", "max_hubs", "relocation_limit_km", "budget_gbp", "start_date", "threads", "compatibility"}


@dataclass(frozen=True)
class Scenario:
    """Every setting of one optimisation run.

    Attributes
    ----------
    objective
        ``"npv"`` (maximise net present value), ``"fewest_sites"`` (fewest holdings kept
        while every access standard is met), ``"max_coverage"`` (most residents within
        each service's threshold with ``p`` hubs) or ``"least_travel"`` (least staff
        relocation, FTE x km, with ``p`` hubs).
    p
        The number of hubs kept, for ``max_coverage`` and ``least_travel``. A hub is a
        kept holding that can receive other teams (``can_host``).
    max_hubs
        At most this many hubs are kept, whatever the objective (``None``: no limit).
    horizon_years, discount_rate
        The appraisal period and the HM Treasury Green Book discount rate.
    start_date
        Day 0 of the appraisal; ``None`` means the day the plan is made.
    space_per_fte_m2
        Space standard: floor area per FTE, used for capacity where a holding has no
        workstation count, and for fit-out and hosting costs.
    desk_ratio
        Workstations per FTE (0.8: ten staff share eight desks).
    relocation_limit_km
        Teams move at most this far, straight line (``None``: no limit).
    budget_gbp
        Cap on one-off costs, undiscounted (``None``: no cap).
    relocation_cost_per_fte, fitout_cost_per_m2, hosting_cost_per_m2
        Cost of moving one FTE; fit-out per m2 a hub receives; added running cost per m2
        per year a hub bears for the space it gives a team.
    disposal_cost_rate
        Agents' and legal fees, as a share of a freehold receipt.
    disposal_lead_months
        Months from the decision to completing a sale or surrender.
    lease_exit_fee_rate
        Share of the rent up to the next break or expiry paid to leave a lease early.
    dilapidations_per_m2
        Dilapidations paid when a lease ends, per m2.
    double_running_months
        Months an exited holding's running costs continue after its exit date.
    backlog_avoided
        Count a disposed holding's backlog maintenance as a cost avoided.
    carbon_price_gbp_per_tco2e
        Value of a tonne of CO2e saved (0: carbon is reported, not valued).
    homes_per_hectare
        Homes a hectare of land released by a freehold sale could hold: the plan's
        indicative homes figure (reported, never part of the choice).
    no_worse_off
        Every partner's own NPV must be at least zero.
    enforce_access
        Apply the access standards as constraints (ignored by ``max_coverage``).
    lock_retain, lock_dispose, unlock
        Holding ids to keep, to dispose of, or to free from the register's locks.
    compatibility
        A partner type x use class CSV replacing ``data/compatibility.csv``.
    solver, time_limit_s, mip_gap, threads
        The MILP solver, its time limit, the relative gap at which it stops, its threads.

    """

    objective: str = "npv"
    p: int | None = None
    max_hubs: int | None = None
    horizon_years: int = 10
    discount_rate: float = 0.035
    start_date: dt.date | None = None
    space_per_fte_m2: float = 6.0
    desk_ratio: float = 0.8
    relocation_limit_km: float | None = 10.0
    budget_gbp: float | None = None
    relocation_cost_per_fte: float = 2_000.0
    fitout_cost_per_m2: float = 600.0
    hosting_cost_per_m2: float = 60.0
    disposal_cost_rate: float = 0.02
    disposal_lead_months: float = 12.0
    lease_exit_fee_rate: float = 0.5
    dilapidations_per_m2: float = 50.0
    double_running_months: float = 3.0
    backlog_avoided: bool = True
    carbon_price_gbp_per_tco2e: float = 0.0
    homes_per_hectare: float = 30.0
    no_worse_off: bool = False
    enforce_access: bool = True
    lock_retain: tuple[str, ...] = ()
    lock_dispose: tuple[str, ...] = ()
    unlock: tuple[str, ...] = ()
    compatibility: str | None = None
    solver: str = "highs"
    time_limit_s: float = 60.0
    mip_gap: float = 0.005
    threads: int | None = None
    source: str = field(default="defaults", compare=False)

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            raise ScenarioError(f"The scenario ({self.source}) cannot be used.", problems)

    @classmethod
    def from_toml(cls, path: str | Path | None = None, **changes: Any) -> Scenario:
        """Read a scenario file; settings it leaves out take their defaults.

        Parameters
        ----------
        path
            A TOML file; ``None`` reads ``data/scenario_default.toml``.
        **changes
            Settings that override the file (e.g. from a command line).

        Raises
        ------
        ScenarioError
            Unreadable TOML, unknown or repeated keys, or values out of range; every
            problem is listed.

        """
        path = Path(path) if path is not None else DEFAULT_SCENARIO
        try:
            # a byte-order mark (Notepad's "UTF-8 with BOM") is not part of the settings
            raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise ScenarioError(f"The scenario file {path} does not exist.") from exc
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                f"The scenario file {path.name} is not UTF-8 text (byte {exc.start + 1} is not): save it as UTF-8, "
                "or write GBP instead of the pound sign."
            ) from exc
        except OSError as exc:
            raise ScenarioError(f"The scenario file {path} cannot be read: {exc.strerror or exc}.") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"The scenario file {path.name} is not valid TOML: {exc}.") from exc
        values, problems, sections = _flatten(raw, path.name)
        if problems:
            # the values are checked too, so that every problem is listed at once
            raise ScenarioError(f"The scenario file {path} cannot be used.", problems + _problems_of(cls, values))
        compatibility = values.get("compatibility")
        if isinstance(compatibility, str) and compatibility.strip() and compatibility.strip().lower() != "none":
            # a table named beside the scenario is found there, wherever the command runs
            beside = path.parent / compatibility
            if not Path(compatibility).is_absolute() and beside.exists():
                values["compatibility"] = str(beside)
        scenario = cls.from_dict(values, source=path.name, sections=sections)
        if not changes:
            return scenario
        # options given on the command line are checked, and blamed, on their own
        settings = {key: value for key, value in scenario.to_dict().items() if key != "source"}
        checked = cls.from_dict({**settings, **changes}, source="the command-line options")
        return dataclasses.replace(checked, source=f"{path.name} with command-line options")

    @classmethod
    def from_dict(
        cls, values: dict[str, Any], source: str = "settings", sections: dict[str, str] | None = None
    ) -> Scenario:
        """Build a scenario from plain values (the TOML keys), checking every one.

        ``sections`` says where each key of a file stood ("[solver]"), to name it in a problem.
        """
        sections = sections or {}
        names = {f.name for f in dataclasses.fields(cls)} - {"source"}
        problems = [
            {
                "what": "setting",
                "id": key,
                "problem": "is not a scenario setting" + (f" (under {sections[key]})" if key in sections else ""),
                "action": _suggest(key, names),
            }
            for key in values
            if key not in names
        ]
        if problems:
            known = {key: value for key, value in values.items() if key in names}
            raise ScenarioError(f"The scenario ({source}) cannot be used.", problems + _problems_of(cls, known))
        converted = {key: _convert(key, value) for key, value in values.items()}
        return cls(**converted, source=source)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some settings changed (checked again)."""
        return dataclasses.replace(self, **{k: _convert(k, v) for k, v in changes.items()})

    def to_dict(self) -> dict[str, Any]:
        """Every setting as JSON-ready values (dates as ISO text), for the run manifest."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def start(self) -> dt.date:
        """Day 0 of the appraisal: ``start_date`` or today."""
        return self.start_date if self.start_date is not None else dt.date.today()


def _flatten(raw: dict[str, Any], name: str) -> tuple[dict[str, Any], list[dict[str, object]], dict[str, str]]:
    """The file's settings as one table; the problems found; where each key stood ("[solver]")."""
    values: dict[str, Any] = {}
    problems: list[dict[str, object]] = []
    sections: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            if key == "locks":
                for inner in set(value) - {"retain", "dispose", "unlock"}:
                    problems.append(
                        {
                            "what": "setting",
                            "id": f"locks.{inner}",
                            "problem": "is not a list of locks",
                            "action": "name it retain, dispose or unlock (a lock left out is not applied)",
                        }
                    )
                value = {f"lock_{k}" if k in ("retain", "dispose") else k: v for k, v in value.items()}
            elif {"retain", "dispose"} & set(value):
                for inner in sorted({"retain", "dispose"} & set(value)):
                    problems.append(
                        {
                            "what": "setting",
                            "id": f"{key}.{inner}",
                            "problem": f"is under [{key}]",
                            "action": "move it under [locks]",
                        }
                    )
                continue
            for inner, item in value.items():
                if inner in values:
                    problems.append(
                        {"what": "setting", "id": inner, "problem": f"appears twice in {name}", "action": "keep one"}
                    )
                values[inner] = item
                sections[inner] = f"[{key}]"
        else:
            if key in values:
                problems.append(
                    {"what": "setting", "id": key, "problem": f"appears twice in {name}", "action": "keep one"}
                )
            values[key] = value
    return values, problems, sections


def _convert(key: str, value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() == "none" and key in _OPTIONAL:
        return None
    if key == "start_date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if key == "start_date" and isinstance(value, dt.datetime):
        return value.date()
    if key in ("lock_retain", "lock_dispose", "unlock") and isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    if key == "compatibility" and isinstance(value, Path):
        return str(value)
    return value


def _problems_of(cls: type[Scenario], values: dict[str, Any]) -> list[dict[str, object]]:
    """What is wrong with the settings ``values``, as problem rows; none if they make a scenario."""
    try:
        cls.from_dict(values)
    except ScenarioError as error:
        return error.problems.to_dict("records")
    return []


def _suggest(key: str, names: set[str]) -> str:
    return did_you_mean(key, names, "remove it (see data/scenario_default.toml)")


def _number(value: Any) -> bool:
    """A number a setting can take: not a flag, and not NaN (which every range check would let through)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _check(s: Scenario) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []

    def bad(key: str, problem: str, action: str) -> None:
        problems.append({"what": "setting", "id": key, "problem": problem, "action": action})

    if s.objective not in OBJECTIVES:
        bad("objective", f"'{s.objective}' is not an objective", f"use one of {', '.join(OBJECTIVES)}")
    if s.solver not in SOLVERS:
        bad("solver", f"'{s.solver}' is not a solver the planner calls", f"use one of {', '.join(SOLVERS)}")
    for key in ("p", "max_hubs", "threads"):
        value = getattr(s, key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            bad(key, f"{value!r} is not a whole number of at least 1", "give a positive whole number or 'none'")
    if s.objective in ("max_coverage", "least_travel") and s.p is None:
        bad("p", f"the objective '{s.objective}' needs the number of hubs p", "set p, e.g. p = 7")
    if not isinstance(s.horizon_years, int) or isinstance(s.horizon_years, bool) or not 1 <= s.horizon_years <= 60:
        bad("horizon_years", f"{s.horizon_years!r} is not a whole number of years from 1 to 60", "e.g. 10")
    ranges = {
        "discount_rate": (0.0, 1.0),
        "space_per_fte_m2": (0.5, 100.0),
        "desk_ratio": (0.05, 5.0),
        "relocation_cost_per_fte": (0.0, None),
        "fitout_cost_per_m2": (0.0, None),
        "hosting_cost_per_m2": (0.0, None),
        "disposal_cost_rate": (0.0, 1.0),
        "disposal_lead_months": (0.0, 120.0),
        "lease_exit_fee_rate": (0.0, 10.0),
        "dilapidations_per_m2": (0.0, None),
        "double_running_months": (0.0, 120.0),
        "carbon_price_gbp_per_tco2e": (0.0, None),
        "homes_per_hectare": (0.0, 1000.0),
        "time_limit_s": (0.01, None),
        "mip_gap": (0.0, 1.0),
    }
    shares = {"discount_rate", "disposal_cost_rate", "mip_gap"}
    for key, (low, high) in ranges.items():
        value = getattr(s, key)
        if not _number(value) or value < low or (high is not None and value > high):
            span = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
            action = "correct it"
            if key in shares and _number(value) and 1 < value <= 100:
                action = f"write it as a share: {value / 100:g} for {value:g}%"
            bad(key, f"{value!r} is not a number {span}", action)
    for key in ("relocation_limit_km", "budget_gbp"):
        value = getattr(s, key)
        if value is not None and (not _number(value) or value < 0):
            bad(key, f"{value!r} is not a number of at least 0", "give a number, or 'none' for no limit")
    for key in ("backlog_avoided", "no_worse_off", "enforce_access"):
        if not isinstance(getattr(s, key), bool):
            bad(key, f"{getattr(s, key)!r} is not true or false", "write true or false")
    if s.start_date is not None and not isinstance(s.start_date, dt.date):
        bad("start_date", f"{s.start_date!r} is not a date", "write it as 2025-04-01, or 'none' for today")
    for key in ("lock_retain", "lock_dispose", "unlock"):
        if not isinstance(getattr(s, key), tuple):
            bad(key, "is not a list of holding ids", 'write e.g. ["H1", "H2"]')
    both = set(s.lock_retain) & set(s.lock_dispose) if isinstance(s.lock_retain, tuple) else set()
    for holding in sorted(both):
        bad("locks", f"{holding} is locked both to be kept and to be disposed of", "lock it one way only")
    if s.compatibility is not None and (not isinstance(s.compatibility, str) or not s.compatibility.strip()):
        bad("compatibility", f"{s.compatibility!r} is not a file path", "give a CSV path or 'none'")
    return problems

"""``estate optimise``: make a plan for a place and write it out.

::

    estate optimise [--place DIR] [--scenario FILE.toml] [--objective NAME] [--p N]
                    [--time-limit S] [--solver highs|cbc] [--circuity X] [--matrix FILE]
                    [--drop-unmatched] --out DIR

Writes ``disposals.csv``, ``moves.csv``, ``hubs.csv``, ``cashflow.csv``, ``access.csv``,
``summary.json`` and ``plan.gpkg``. Without ``--place`` the bundled sample place is used;
without ``--scenario``, ``data/scenario_default.toml``. The files of an earlier run in the
same folder are removed first, so none is left to contradict this one. When no plan meets the scenario,
``summary.json`` and ``diagnosis.csv`` say why (``problems.csv`` instead when the scenario
is refused before solving, e.g. a team with nowhere to go), and the exit status is 1.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from optimiser.scenario import OBJECTIVES, SOLVERS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``optimise`` subcommand."""
    parser = subparsers.add_parser(
        "optimise",
        help="choose hubs, disposals and team moves for a place",
        description=(
            "Solve the planner's mixed-integer programme for a place and a scenario, check the "
            "plan independently, and write the disposal list, moves, hubs, cash flow, access and "
            "a GeoPackage. Access is measured in straight lines (times --circuity) unless a "
            "travel-time matrix is given."
        ),
    )
    parser.add_argument("--place", type=Path, default=None, help="a place folder (default: the sample place)")
    parser.add_argument(
        "--scenario", type=Path, default=None, help="scenario TOML (default: data/scenario_default.toml)"
    )
    parser.add_argument("--objective", choices=OBJECTIVES, default=None, help="override the scenario's objective")
    parser.add_argument("--p", type=int, default=None, help="number of hubs for max_coverage / least_travel")
    parser.add_argument("--time-limit", type=float, default=None, help="solver time limit in seconds")
    parser.add_argument("--solver", choices=SOLVERS, default=None, help="override the scenario's solver")
    parser.add_argument("--circuity", type=float, default=1.0, help="multiply straight-line distances by this")
    parser.add_argument(
        "--matrix",
        type=Path,
        default=None,
        help="travel-time matrix (minutes), long or wide; overrides the place's own ([demand] matrix in place.toml)",
    )
    parser.add_argument(
        "--drop-unmatched",
        action="store_true",
        help="leave out matrix zones or sites that match none of the place's (listed in notes)",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the plan to")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Optimise a place and write the plan; return the exit status.

    Returns
    -------
    int
        0 with a plan (optimal or feasible), 1 when no plan meets the scenario (the
        diagnosis, or the reasons it was refused before solving, printed and written).
        Errors in the place or the scenario file are raised as
        :class:`estate.errors.EstateError` for the caller to print.

    """
    from estate.export import writable_folder
    from estate.place import DEFAULT_PLACE, load_place
    from optimiser.errors import ScenarioError
    from optimiser.pipeline import optimise
    from optimiser.plan import write_plan, write_refusal
    from optimiser.scenario import Scenario

    # before any solve: a plan is never made only to be lost, nor mixed with an old one
    _clear(writable_folder(args.out))
    changes: dict[str, Any] = {}
    if args.objective is not None:
        changes["objective"] = args.objective
    if args.p is not None:
        changes["p"] = args.p
    if args.time_limit is not None:
        changes["time_limit_s"] = args.time_limit
    if args.solver is not None:
        changes["solver"] = args.solver
    scenario = Scenario.from_toml(args.scenario, **changes)
    place = load_place(args.place if args.place is not None else DEFAULT_PLACE)
    access = access_inputs(place, circuity=args.circuity, matrix=args.matrix, drop_unmatched=args.drop_unmatched)
    _without_highs_banner()
    try:
        plan = optimise(place.holdings, place.teams, scenario, access=access)
    except ScenarioError as refusal:
        # refused before any solve (e.g. a team with nowhere to go): the reasons are written
        # where the plan would have been, so a script or an officer finds them there
        written = write_refusal(refusal, scenario, args.out)
        print(f"{place.name}: no plan. {refusal}")
        print("Written: " + ", ".join(str(p) for p in written))
        return 1
    written = write_plan(plan, args.out, sources=_sources(place.directory, args))
    print(f"{place.name}: {plan.describe()}")
    if plan.has_plan:
        print(f"  {plan.summary['modelled']['words']}")
    for note in plan.notes:
        print(f"  note: {note}")
    print("Written: " + ", ".join(str(p) for p in written))
    return 0 if plan.has_plan else 1


OUTPUTS = (
    "disposals.csv",
    "moves.csv",
    "hubs.csv",
    "cashflow.csv",
    "access.csv",
    "summary.json",
    "plan.xlsx",
    "plan.gpkg",
    "diagnosis.csv",
    "problems.csv",
)
"""Every file ``estate optimise`` may write; a run removes the previous run's first."""


def _without_highs_banner() -> None:
    """Make the process's first HiGHS object with standard output sent nowhere.

    HiGHS prints its name, version and copyright on standard output when a process makes
    its first object, before any option could silence it; in the command's output it sat
    among the plan's lines. Later objects print nothing. The version is in each plan's
    ``summary.json`` (its manifest).
    """
    import os

    import highspy

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to keep
        highspy.Highs()
        return
    try:
        with open(os.devnull, "w") as nowhere:
            os.dup2(nowhere.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _clear(out: Path) -> None:
    """Remove the files a previous run wrote to ``out`` (and nothing else), so none outlives its plan."""
    for name in OUTPUTS:
        (out / name).unlink(missing_ok=True)


def _sources(folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The files a plan was made from, each with its SHA-256, and the options given: to trace a plan."""

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    folder = Path(folder).resolve()
    files = {str(path.relative_to(folder)): digest(path) for path in sorted(folder.rglob("*")) if path.is_file()}
    out: dict[str, Any] = {"place_folder": str(folder), "place_files_sha256": files}
    for name in ("scenario", "matrix"):
        given = getattr(args, name, None)
        if given is not None:
            out[f"{name}_file"] = {"path": str(Path(given).resolve()), "sha256": digest(Path(given))}
    options = ("objective", "p", "time_limit", "solver", "circuity", "drop_unmatched")
    out["options"] = {name: getattr(args, name) for name in options if hasattr(args, name)}
    return out


def access_inputs(
    place: Any, *, circuity: float = 1.0, matrix: Path | None = None, drop_unmatched: bool = False
) -> Any:
    """The access tables for a place's demand, holdings and standards (``None`` without demand)."""
    import pandas as pd

    from estate.travel import load_matrix, zone_site_costs
    from optimiser.inputs import AccessInputs

    demand = getattr(place, "demand", None)
    standards = getattr(place, "standards", None)
    if demand is None or standards is None or not len(standards):
        if demand is None:
            print("  note: the place has no demand file; no access standard is applied.", file=sys.stderr)
        return None
    km = standards[standards["unit"] == "km"]["threshold"]

    def straight_lines() -> Any:
        limit = float(km.max()) if len(km) else 10.0
        return zone_site_costs(demand, place.holdings, max_cost=limit, circuity=circuity)

    if matrix is not None:
        table = load_matrix(matrix, zones=demand, sites=place.holdings, unmatched="drop" if drop_unmatched else "raise")
    else:
        table = getattr(place, "matrix", None)  # the place's own (place.toml [demand] matrix), if any
    if table is None:
        straight = straight_lines()
        return AccessInputs(zones=demand, costs=straight, standards=standards, measure=str(straight.attrs["measure"]))
    minutes = pd.concat([standards.loc[standards["unit"] == "min", "threshold"], standards["threshold_minutes"]])
    limit = float(minutes.max()) if minutes.notna().any() else 60.0
    costs = zone_site_costs(demand, place.holdings, max_cost=limit, matrix=table)
    # straight lines for the standards the matrix cannot measure (in km only, or no provider timed)
    return AccessInputs(
        zones=demand,
        costs=costs,
        standards=standards,
        measure=str(costs.attrs.get("measure", "")),
        straight_line=straight_lines() if len(km) else None,
    )

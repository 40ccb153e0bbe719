"""The ``estate`` command: validate registers, measure access, optimise a place.

::

    estate validate FILE... [--partner NAME] [--partner-type TYPE] [--postcodes FILE] [--report OUT.csv]
    estate validate --place DIR [--report OUT.csv]
    estate access   [--place DIR] [--matrix FILE] --out DIR
    estate optimise [--place DIR] [--scenario FILE.toml] --out DIR
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

import pandas as pd

from estate.errors import EstateError
from estate.schema import WHOLE_FILE, Outcome, PartnerType

COMMANDS_GROUP = "estate.commands"
"""Entry-point group of the subcommands that live beside the code they run (``access`` in
``estate.cli_access``, ``optimise`` in ``optimiser.cli_optimise``; see ``pyproject.toml``).
Each names a module with ``add_parser(subparsers)``; the parser it adds sets ``run``. The
``estate`` package so never imports the optimiser."""


def _validate_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="load partners' registers and report every row",
        description="Load registers, print how many rows loaded, loaded with warnings or were excluded, "
        "and optionally write the full row-by-row report. Exits non-zero only if nothing could be loaded.",
    )
    p.add_argument(
        "files", nargs="*", type=Path, help="register files (CSV, Excel, GeoJSON, GeoPackage, zipped Shapefile)"
    )
    p.add_argument("--place", type=Path, help="a place folder with a place.toml (instead of files)")
    p.add_argument("--partner", default=None, help="partner the files belong to (default: the file name)")
    p.add_argument("--partner-type", default=PartnerType.OTHER.value, choices=[t.value for t in PartnerType])
    p.add_argument("--postcodes", type=Path, help="postcode lookup CSV (ONS postcode directory style)")
    p.add_argument("--boundary", type=Path, help="the place's boundary, to flag holdings outside it")
    p.add_argument(
        "--teams",
        type=Path,
        help="a teams file (holding, partner, service, FTE per row) to place in the holdings loaded",
    )
    p.add_argument("--report", type=Path, help="write the validation report to this CSV")
    p.set_defaults(run=_run_validate)


def _run_validate(args: argparse.Namespace) -> int:
    from estate.export import to_csv_bytes, writable_file
    from estate.load import PartnerFile, exclusion_reasons, outcome_counts
    from estate.locate import PostcodeLookup, load_boundary
    from estate.place import ManifestFile, load_files, load_place

    if args.place is None and not args.files:
        print("estate validate: give register files or --place DIR", file=sys.stderr)
        return 2
    if args.report:
        writable_file(args.report, "--report")  # before the files are read, not after
    assumptions = None  # the planner's defaults, as the files are loaded with
    if args.place is not None:
        place = load_place(args.place)
        holdings, teams, report, title = place.holdings, place.teams, place.report, f"place {place.name}"
        assumptions = place.assumptions
    else:
        postcodes = PostcodeLookup.from_csv(args.postcodes) if args.postcodes else None
        boundary = load_boundary(args.boundary) if args.boundary else None
        files = [ManifestFile(path, PartnerFile(args.partner or path.stem, args.partner_type)) for path in args.files]
        combined = load_files(files, postcodes=postcodes, boundary=boundary)
        holdings, teams, report = combined.holdings, combined.teams, combined.report
    unread = report[(report["field"] == WHOLE_FILE) & (report["outcome"] == Outcome.EXCLUDED.value)]
    for line in unread.itertuples(index=False):
        print(f"not loaded: {line.problem}", file=sys.stderr)
    if args.place is None:
        title = f"{len(args.files) - unread['file'].nunique()} of {len(args.files)} file(s)"
    if args.teams is not None:
        from estate.teams import load_teams

        teams, lines = load_teams(args.teams, holdings, teams, assumptions=assumptions)
        report = pd.concat([report, lines], ignore_index=True)
        title += f" and teams file {args.teams.name}"

    if args.report:
        # written before the summary is printed, so a reader that stops early (`| head`) loses no report
        args.report.write_bytes(to_csv_bytes(report))
    counts = outcome_counts(report)
    print(f"Validated {title}: {sum(counts.values())} rows")
    read_notes = (report["field"] == WHOLE_FILE) & (report["outcome"] == Outcome.WARNING.value)
    for line in report[read_notes].itertuples(index=False):
        print(f"  note: {line.file}: {line.problem}")
    for outcome in Outcome:
        print(f"  {outcome.value:<22} {counts[outcome.value]:>6}")
    print(f"  holdings on the map     {len(holdings):>6}")
    supplied = int((teams["fte_source"] == "supplied").sum())
    print(f"  teams                   {len(teams):>6}  ({supplied} supplied, {len(teams) - supplied} modelled)")
    excluded = exclusion_reasons(report)  # rows only: a file not loaded at all is named above
    if len(excluded):
        print("Reasons for exclusion:")
        reasons = excluded["problem"].str.replace(r"'[^']*'", "'…'", regex=True).value_counts()
        for reason, n in reasons.items():
            print(f"  {n:>5}  {reason}")
    if args.report:
        print(f"Report written to {args.report}")
    return 0 if len(holdings) else 1


def build_parser() -> argparse.ArgumentParser:
    """The ``estate`` argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(prog="estate", description="Plan a place's whole public estate.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _validate_parser(subparsers)
    for command in sorted(entry_points(group=COMMANDS_GROUP), key=lambda point: point.name):
        command.load().add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``estate`` command; domain errors print one clear line and exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    pd.set_option("display.width", 120)
    try:
        return int(args.run(args))
    except EstateError as exc:
        print(f"estate {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader of the output stopped early (`| head`): what was written stands; stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

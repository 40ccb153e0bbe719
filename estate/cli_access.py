"""``estate access``: measure today's access to every service in a place and write it out.

::

    estate access [--place DIR] [--matrix FILE] [--circuity X] [--drop-unmatched] --out DIR

Writes ``access_by_service.csv`` (one row per service), ``zones.csv`` (one row per zone and
service: nearest provider, its distance or time, whether within the standard, IMD decile)
and ``access_by_imd.csv`` (the split by deprivation decile). Without ``--place`` the bundled
sample place is used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from estate.access import AccessReport, access_report
from estate.export import to_csv_bytes, writable_folder
from estate.services import load_standards
from estate.travel import load_matrix

BY_SERVICE_FILE = "access_by_service.csv"
ZONES_FILE = "zones.csv"
BY_IMD_FILE = "access_by_imd.csv"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``access`` subcommand."""
    parser = subparsers.add_parser(
        "access",
        help="measure how near residents are to each service today",
        description=(
            "For every service with an access standard, report the share of residents "
            "within the standard of a holding that offers it, the worst-served zones and "
            "the split by deprivation decile. Straight-line distance unless a travel-time "
            "matrix is given; every row says which measure it used."
        ),
    )
    parser.add_argument("--place", type=Path, default=None, help="a place folder (default: the sample place)")
    parser.add_argument(
        "--matrix",
        type=Path,
        default=None,
        help="travel-time matrix in minutes, long (zone, site, minutes) or wide (zones x sites); overrides the "
        "place's own ([demand] matrix in place.toml)",
    )
    parser.add_argument(
        "--circuity",
        type=float,
        default=1.0,
        help="multiply straight-line distances by this (road/straight-line, e.g. 1.3)",
    )
    parser.add_argument(
        "--drop-unmatched",
        action="store_true",
        help="leave out matrix zones or sites that match none of the place's (listed in notes)",
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the CSVs to")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, load: Callable[[Path], Any] | None = None) -> int:
    """Measure access for a place and write the CSVs; return the exit status.

    Parameters
    ----------
    args
        Parsed arguments of :func:`add_parser`.
    load
        Loads a place from its folder; :func:`estate.place.load_place` by default. The
        place needs ``holdings``, ``demand`` and ``name``, and either ``standards`` or a
        ``manifest.services`` path (planner defaults when neither).

    Returns
    -------
    int
        0 on success, 2 when the place has no demand. Input errors are raised as
        :class:`estate.errors.EstateError` for the caller to print.

    """
    writable_folder(args.out)  # before the place is read and measured, not after
    if load is None:
        from estate.place import load_place as load
    if args.place is not None:
        directory = args.place
    else:
        from estate.place import DEFAULT_PLACE as directory
    place = load(directory)
    if place.demand is None:
        print(
            f"estate access: the place {place.name} names no demand file; add a [demand] table to its place.toml.",
            file=sys.stderr,
        )
        return 2
    standards = _standards_of(place)
    matrix = getattr(place, "matrix", None)  # the place's own, which --matrix overrides
    if args.matrix is not None:
        matrix = load_matrix(
            args.matrix,
            zones=place.demand,
            sites=place.holdings,
            unmatched="drop" if args.drop_unmatched else "raise",
        )
    report = access_report(place.demand, place.holdings, standards, matrix=matrix, circuity=args.circuity)
    written = write_report(report, args.out)
    _print_summary(place.name, report, written)
    return 0


def _standards_of(place: Any) -> pd.DataFrame:
    standards = getattr(place, "standards", None)
    if standards is not None:
        return standards
    manifest = getattr(place, "manifest", None)
    return load_standards(getattr(manifest, "services", None))


def write_report(report: AccessReport, out: Path) -> list[Path]:
    """Write an access report's tables as CSV files in ``out``; return their paths.

    The files are written as every export is (:func:`estate.export.to_csv_bytes`): UTF-8
    with a byte-order mark, and a name that begins like a formula (``=``, ``@``) written as
    text. ``zones.csv`` names the distance or time column ``distance_or_time`` (with its
    ``unit``) so it is not mistaken for money.
    """
    out.mkdir(parents=True, exist_ok=True)
    zones = report.zones.rename(columns={"cost": "distance_or_time"}).round({"distance_or_time": 3})
    tables = {
        BY_SERVICE_FILE: report.by_service.round({"share": 4}),
        ZONES_FILE: zones,
        BY_IMD_FILE: report.by_imd.round({"share": 4}),
    }
    paths = []
    for name, table in tables.items():
        path = out / name
        path.write_bytes(to_csv_bytes(table))
        paths.append(path)
    return paths


def _print_summary(place_name: str, report: AccessReport, written: list[Path]) -> None:
    print(f"Access to services in {place_name}")
    for row in report.by_service.itertuples(index=False):
        share = "  n/a" if pd.isna(row.share) else f"{row.share:6.1%}"
        verdict = {True: "meets", False: "BELOW"}.get(row.meets_standard, "n/a")
        print(
            f"  {row.service:<22} {share} within {row.threshold:g} {row.unit} "
            f"(standard {row.required_share:.0%}, {verdict}); {row.measure}"
        )
    for note in report.notes:
        print(f"  note: {note}")
    for path in written:
        print(f"Wrote {path}")

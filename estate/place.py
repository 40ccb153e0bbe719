"""A place is a folder: a ``place.toml`` manifest and the files it names.

Example manifest (every path is relative to the folder)::

    name = "Trafford"
    boundary = "boundary.geojson"       # the place's outline, any CRS declared in the file
    postcodes = "postcodes.csv"         # ONS-postcode-directory-style lookup (optional)
    assumptions = "assumptions.toml"    # benchmark assumptions (optional: planner defaults)
    services = "services.toml"          # access standards (optional: planner defaults)

    [demand]
    file = "demand_oa.csv"              # zones with population and a point
    zones = "zones.geojson"             # zone outlines for shading maps (optional)
    points = "population-weighted centroids"   # what the zone points are, quoted in reports
    matrix = "travel_times.csv"         # zone-to-site minutes, long or wide (optional: straight lines)
    matrix_drop_unmatched = false       # true: leave out ids matching no zone or holding (reported)

    [[partners]]
    name = "Trafford Council"
    type = "council"                    # council, nhs, police, fire, dwp, probation, other

    [[partners.files]]
    path = "trafford_council_register.csv"
    columns = { "Site" = "name" }       # file heading -> field (optional)
    defaults = { use_class = "library", services = "library", occupied = true }

    [[service_points]]                  # where the public gets a service, matched to holdings
    path = "service_points_libraries.csv"
    service = "library"
    partner = "Trafford Council"        # match only this partner's holdings (optional)
    within_m = 150

    [[teams]]                           # the teams in each holding, several to a building (optional)
    path = "teams.csv"                  # holding_id, UPRN or holding name; partner; service; FTE; space_m2
    columns = { "Directorate" = "service" }   # file heading -> team field (optional)

``files = ["a.csv", "b.xlsx"]`` is a shorthand when no file needs a mapping.
A teams file's teams replace the register's (and modelled) teams at the holdings it
names; see :mod:`estate.teams`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import time
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from estate.assumptions import DEFAULT_ASSUMPTIONS, Assumptions, load_assumptions
from estate.demand import load_demand, load_zones
from estate.errors import EstateError, ManifestError, did_you_mean
from estate.load import LoadResult, PartnerFile, load_file, whole_file_lines
from estate.locate import PostcodeLookup, load_boundary
from estate.schema import (
    CRS,
    HOLDING_COLUMNS,
    REPORT_COLUMNS,
    SERVICE_SEPARATOR,
    TEAM_COLUMNS,
    WHOLE_FILE,
    Outcome,
    PartnerType,
    Source,
    UseClass,
    services_of,
)
from estate.services import DEFAULT_STANDARDS, load_standards
from estate.teams import TEAMS_PARTNER, load_teams

DEFAULT_PLACE = Path(__file__).resolve().parent.parent / "data" / "trafford"
"""The bundled sample place."""


@dataclass(frozen=True)
class ManifestFile:
    """One partner file named in a manifest."""

    path: Path
    spec: PartnerFile


@dataclass(frozen=True)
class ServicePoints:
    """A list of places where the public gets a service, to attach to holdings.

    Each point is matched to the nearest holding (of ``partner``, when given) within
    ``within_m`` metres, and that holding then offers ``service``.
    """

    path: Path
    service: str
    partner: str | None
    within_m: float


@dataclass(frozen=True)
class TeamsFile:
    """A teams file named in a manifest: several occupying teams per holding (see :mod:`estate.teams`)."""

    path: Path
    columns: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """A parsed ``place.toml``, with every path resolved and checked to exist."""

    name: str
    directory: Path
    files: tuple[ManifestFile, ...]
    boundary: Path | None
    postcodes: Path | None
    assumptions: Path | None
    services: Path | None
    demand: Path | None
    zones: Path | None
    service_points: tuple[ServicePoints, ...] = ()
    demand_points: str | None = None
    imd: Path | None = None
    teams: tuple[TeamsFile, ...] = ()
    matrix: Path | None = None
    matrix_drop_unmatched: bool = False

    def digest(self) -> str:
        """A hash of the manifest and every file it names (for caches and run manifests)."""
        h = hashlib.sha256()
        paths = [
            self.directory / "place.toml",
            *(f.path for f in self.files),
            *(s.path for s in self.service_points),
            *(t.path for t in self.teams),
        ]
        # without its own services or assumptions file a place is measured and modelled with
        # the planner's defaults, so an edit to those is a change of the place's inputs
        services = self.services or DEFAULT_STANDARDS
        assumptions = self.assumptions or DEFAULT_ASSUMPTIONS
        paths += [
            p
            for p in (
                self.boundary,
                self.postcodes,
                assumptions,
                services,
                self.demand,
                self.zones,
                self.imd,
                self.matrix,
            )
            if p
        ]
        for path in paths:
            h.update(str(path.name).encode())
            stat = path.stat()
            if time.time_ns() - stat.st_mtime_ns < 2_000_000_000:
                # written in the last two seconds: a second edit might keep its size and time stamp
                h.update(_sha256(path).encode())
            else:
                h.update(_file_hash(str(path), stat.st_size, stat.st_mtime_ns).encode())
        return h.hexdigest()[:16]


@functools.lru_cache(maxsize=256)
def _file_hash(path: str, size: int, modified_ns: int) -> str:
    """A file's content hash, read once per size and modification time (pages ask on every rerun)."""
    return _sha256(Path(path))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Place:
    """A whole place's estate, validated and on one map.

    Attributes
    ----------
    name
        What the partnership calls the place.
    manifest
        Where everything came from.
    holdings
        Every partner's holdings (:data:`estate.schema.HOLDING_COLUMNS`), EPSG:27700.
    teams
        Occupying teams (:data:`estate.schema.TEAM_COLUMNS`).
    report
        The validation report: every input row of every file.
    shared_sites
        UPRNs held by more than one partner.
    boundary
        The place's outline in EPSG:27700 (``None`` if the manifest names none).
    demand
        Zones with population and a point (``None`` if the manifest names none).
    zones
        Zone outlines for maps (``None`` if the manifest names none).
    assumptions
        The benchmarks behind every modelled value.
    standards
        The access standards (the place's ``services`` file, else the planner's defaults).
    matrix
        The travel-time matrix the manifest names (:func:`estate.travel.load_matrix`),
        measuring the standards with minutes; ``None`` (straight lines) without one.

    """

    name: str
    manifest: Manifest
    holdings: gpd.GeoDataFrame
    teams: pd.DataFrame
    report: pd.DataFrame
    shared_sites: pd.DataFrame
    boundary: BaseGeometry | None
    demand: gpd.GeoDataFrame | None
    zones: gpd.GeoDataFrame | None
    assumptions: Assumptions
    standards: pd.DataFrame
    matrix: pd.DataFrame | None = None

    @property
    def directory(self) -> Path:
        """The place's folder."""
        return self.manifest.directory


def _path(directory: Path, value: object, what: str) -> Path | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ManifestError(f"place.toml: {what} should be a file name, not {value!r}.")
    path = (directory / value).resolve()
    if not path.exists():
        raise ManifestError(
            f"place.toml names {what} {value!r}, which is not in {directory}: add the file or correct the name."
        )
    return path


def read_manifest(directory: str | os.PathLike) -> Manifest:
    """Parse and check a place's ``place.toml``.

    Raises
    ------
    ManifestError
        When the folder or manifest is missing, is not TOML, lacks partners, names
        an unknown partner type, or names a file that is not there.

    """
    directory = Path(directory).resolve()
    if directory.is_file() and directory.name == "place.toml":
        directory = directory.parent  # the manifest named instead of its folder
    path = directory / "place.toml"
    if not directory.exists():
        raise ManifestError(f"{directory} does not exist: name a place's folder (the one holding its place.toml).")
    if not path.is_file():
        raise ManifestError(f"{directory} is not a place: it has no place.toml (see the README for the manifest).")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"place.toml in {directory.name} is not valid TOML: {exc}") from exc

    _check_keys(raw, _MANIFEST_KEYS[""], "place.toml")
    partners = raw.get("partners")
    if not partners:
        raise ManifestError("place.toml lists no [[partners]]: name each partner and its file(s).")
    types = {t.value for t in PartnerType}
    files: list[ManifestFile] = []
    for i, partner in enumerate(partners, start=1):
        name = partner.get("name")
        kind = str(partner.get("type", "other")).lower()
        if not name:
            raise ManifestError(f"place.toml: partner {i} has no name.")
        _check_keys(partner, _MANIFEST_KEYS["partners"], f"[[partners]] {name!r}")
        if kind not in types:
            raise ManifestError(
                f"place.toml: partner {name!r} has type {kind!r}; use one of {', '.join(sorted(types))}."
            )
        entries = partner.get("files") or []
        if not entries:
            raise ManifestError(f"place.toml: partner {name!r} names no files.")
        for entry in entries:
            entry = {"path": entry} if isinstance(entry, str) else dict(entry)
            file_path = _path(directory, entry.get("path"), f"{name}'s file")
            if file_path is None:
                raise ManifestError(f"place.toml: a file of partner {name!r} has no path.")
            columns = entry.get("columns", {})
            defaults = entry.get("defaults", {})
            if not isinstance(columns, Mapping) or not isinstance(defaults, Mapping):
                raise ManifestError(f"place.toml: columns and defaults of {file_path.name!r} must be tables.")
            _check_keys(entry, _MANIFEST_KEYS["partners.files"], f"[[partners.files]] {file_path.name!r}")
            _check_defaults(defaults, file_path.name)
            files.append(ManifestFile(file_path, PartnerFile(name, kind, dict(columns), dict(defaults))))
    points = []
    for entry in raw.get("service_points", []):
        _check_keys(entry, _MANIFEST_KEYS["service_points"], f"[[service_points]] {entry.get('path')!r}")
        path = _path(directory, entry.get("path"), "service points file")
        if path is None or not entry.get("service"):
            raise ManifestError("place.toml: each [[service_points]] needs a path and a service.")
        points.append(
            ServicePoints(path, str(entry["service"]), entry.get("partner"), float(entry.get("within_m", 150)))
        )
    teams = []
    entries = raw.get("teams", [])
    for entry in [entries] if isinstance(entries, str | Mapping) else entries:
        entry = {"path": entry} if isinstance(entry, str) else dict(entry)
        _check_keys(entry, _MANIFEST_KEYS["teams"], f"[[teams]] {entry.get('path')!r}")
        path = _path(directory, entry.get("path"), "teams file")
        if path is None:
            raise ManifestError("place.toml: each [[teams]] needs a path.")
        columns = entry.get("columns", {})
        if not isinstance(columns, Mapping):
            raise ManifestError(f"place.toml: columns of the teams file {path.name!r} must be a table.")
        teams.append(TeamsFile(path, dict(columns)))
    demand = raw.get("demand", {})
    _check_keys(demand, _MANIFEST_KEYS["demand"], "[demand]")
    return Manifest(
        name=str(raw.get("name") or directory.name),
        directory=directory,
        files=tuple(files),
        boundary=_path(directory, raw.get("boundary"), "boundary"),
        postcodes=_path(directory, raw.get("postcodes"), "postcode lookup"),
        assumptions=_path(directory, raw.get("assumptions"), "assumptions file"),
        services=_path(directory, raw.get("services"), "services file"),
        demand=_path(directory, demand.get("file"), "demand file"),
        zones=_path(directory, demand.get("zones"), "zones file"),
        service_points=tuple(points),
        demand_points=demand.get("points"),
        imd=_path(directory, demand.get("imd"), "IMD file"),
        teams=tuple(teams),
        matrix=_path(directory, demand.get("matrix"), "travel-time matrix"),
        matrix_drop_unmatched=_flag(demand.get("matrix_drop_unmatched", False), "[demand] matrix_drop_unmatched"),
    )


# the keys each table of a place.toml may have (the README's "A place is a folder")
_MANIFEST_KEYS = {
    "": {"name", "boundary", "postcodes", "assumptions", "services", "demand", "partners", "service_points", "teams"},
    "demand": {"file", "zones", "imd", "points", "matrix", "matrix_drop_unmatched"},
    "partners": {"name", "type", "files"},
    "partners.files": {"path", "columns", "defaults"},
    "service_points": {"path", "service", "partner", "within_m"},
    "teams": {"path", "columns"},
}
# the fields a file's defaults may give (estate.load reads these and no others)
_DEFAULT_FIELDS = {"use_class", "tenure", "services", "can_host", "locked", "occupied"}


def _check_keys(table: object, known: set[str], where: str) -> None:
    """Refuse a table of the manifest with a key the planner does not read (a typo would be ignored)."""
    if not isinstance(table, Mapping):
        raise ManifestError(f"place.toml: {where} should be a table, not {table!r}.")
    unknown = sorted(set(table) - known)
    if unknown:
        named = "; ".join(f"{key!r}: {_suggest(key, known)}" for key in unknown)
        raise ManifestError(f"place.toml: {where} has a key the planner does not read ({named}).")


def _check_defaults(defaults: Mapping[str, object], file_name: str) -> None:
    where = f"the defaults of {file_name!r}"
    _check_keys(defaults, _DEFAULT_FIELDS, where)
    use_class = defaults.get("use_class")
    classes = {u.value for u in UseClass}
    if use_class is not None and use_class not in classes:
        raise ManifestError(
            f"place.toml: {where} give use class {use_class!r}, which is not one: "
            f"{_suggest(str(use_class), classes)} (the use classes are {', '.join(sorted(classes))})."
        )


def _suggest(key: str, names: set[str]) -> str:
    return did_you_mean(key, names, f"use one of {', '.join(sorted(names))}, or remove it")


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ManifestError(f"place.toml: {what} must be true or false, not {value!r}.")
    return value


def combine(results: list[LoadResult]) -> LoadResult:
    """Stack several files' results into one estate, noting UPRNs shared across partners.

    A partner's holding whose register id was already loaded from an earlier file is
    excluded, its report line naming the file and row it repeats, so it is not counted twice.
    """
    results = _without_repeats(results)
    holdings = pd.concat([r.holdings for r in results], ignore_index=True) if results else None
    if holdings is None or holdings.empty:
        holdings = gpd.GeoDataFrame(columns=list(HOLDING_COLUMNS), geometry="geometry", crs=CRS)
    holdings = gpd.GeoDataFrame(holdings, geometry="geometry", crs=CRS)
    teams = (
        pd.concat([r.teams for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=list(TEAM_COLUMNS))
    )
    report = (
        pd.concat([r.report for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=list(REPORT_COLUMNS))
    )
    shared = shared_sites(holdings)
    notes = []
    for _, site in shared.iterrows():
        for hid in site["holding_ids"].split("; "):
            holding = holdings.loc[holdings["holding_id"] == hid].iloc[0]
            others = ", ".join(p for p in site["partners"].split("; ") if p != holding["partner"])
            notes.append(
                {
                    "partner": holding["partner"],
                    "file": holding["source_file"],
                    "row": holding["source_row"],
                    "name": holding["name"],
                    "holding_id": hid,
                    "outcome": Outcome.WARNING.value,
                    "field": "uprn",
                    "problem": f"UPRN {site['uprn']} is also held by {others} (a shared site)",
                    "action": "kept: each partner's interest is its own holding",
                }
            )
    if notes:
        report = pd.concat([report, pd.DataFrame(notes, columns=list(REPORT_COLUMNS))], ignore_index=True)
    return LoadResult(holdings=holdings, teams=teams, report=report)


def _without_repeats(results: list[LoadResult]) -> list[LoadResult]:
    """Exclude each holding a partner's earlier file already loaded under the same register id."""
    first: dict[tuple[str, str], tuple[int, str, int]] = {}  # (partner, id) -> (file number, file, row)
    kept = []
    for number, result in enumerate(results):
        h = result.holdings
        repeats: dict[int, tuple[str, int]] = {}
        columns = (h["partner"], h["register_id"], h["source_file"], h["source_row"].astype(int))
        for partner, local, file, row in zip(*columns, strict=True):
            if pd.isna(local):
                continue
            seen = first.setdefault((partner, local), (number, file, row))
            if seen[0] != number:
                repeats[row] = seen[1:]
        kept.append(_exclude_repeats(result, repeats) if repeats else result)
    return kept


def _exclude_repeats(result: LoadResult, repeats: Mapping[int, tuple[str, int]]) -> LoadResult:
    """Take the rows ``repeats`` names out of one file's holdings and teams; the report says why.

    Every line of a repeated row then says excluded: first the repeat (the reason), then
    any warnings the row had.
    """
    h = result.holdings
    repeated = h["source_row"].astype(int).isin(list(repeats))
    gone = set(h.loc[repeated, "holding_id"])
    report = result.report.reset_index(drop=True)
    of_row = report["row"].isin(list(repeats)) & report["field"].ne(WHOLE_FILE)
    report.loc[of_row, "holding_id"] = pd.NA
    # the row's warnings stay, as lines of an excluded row; its "loaded" line goes
    report.loc[of_row & report["outcome"].eq(Outcome.WARNING.value), "outcome"] = Outcome.EXCLUDED.value
    report = report[~(of_row & report["outcome"].eq(Outcome.LOADED.value))]
    lines = []
    for line in h[repeated].itertuples():
        file, row = repeats[int(line.source_row)]
        local = line.register_id
        lines.append(
            {
                "partner": line.partner,
                "file": line.source_file,
                "row": line.source_row,
                "name": line.name,
                "holding_id": pd.NA,
                "outcome": Outcome.EXCLUDED.value,
                "field": "local_id",
                "problem": f"holding id {local!r} is already loaded from '{file}, row {row}'",
                "action": f"no action: loaded once, from {file}; remove the repeat from one of the partner's files",
            }
        )
    # a file's report runs in row order (its whole-file lines first): a stable sort by row puts
    # each repeat's line, put in front, first among its row's lines
    report = pd.concat([pd.DataFrame(lines, columns=list(REPORT_COLUMNS)), report], ignore_index=True)
    report = report.sort_values("row", kind="stable", na_position="first").reset_index(drop=True)
    return LoadResult(
        holdings=h[~repeated].reset_index(drop=True),
        teams=result.teams[~result.teams["holding_id"].isin(gone)].reset_index(drop=True),
        report=report.astype({"row": "Int64"}),
    )


def shared_sites(holdings: pd.DataFrame) -> pd.DataFrame:
    """UPRNs held by more than one partner.

    Returns
    -------
    pandas.DataFrame
        Columns ``uprn``, ``partners``, ``holding_ids``, ``names`` (``"; "``-joined).

    """
    known = holdings[holdings["uprn"].notna()]
    multi = known.groupby("uprn")["partner"].transform("nunique") > 1
    groups = known[multi].groupby("uprn", sort=True)
    return pd.DataFrame(
        {
            "uprn": list(groups.groups),
            "partners": ["; ".join(dict.fromkeys(g["partner"])) for _, g in groups],
            "holding_ids": ["; ".join(g["holding_id"]) for _, g in groups],
            "names": ["; ".join(dict.fromkeys(g["name"])) for _, g in groups],
        },
        columns=["uprn", "partners", "holding_ids", "names"],
    )


def load_place(directory: str | os.PathLike = DEFAULT_PLACE) -> Place:
    """Load and validate a whole place from its folder.

    Parameters
    ----------
    directory
        A folder with a ``place.toml``; the bundled sample place by default.

    Returns
    -------
    Place

    Raises
    ------
    ManifestError
        For a missing or malformed manifest.
    estate.errors.EstateError
        For an assumptions, postcode or boundary file that cannot be read. A partner's
        file that cannot be read at all is one report line (field :data:`WHOLE_FILE`,
        outcome excluded) and the other files still load; a row-level problem is a
        report line of its row. So is a teams file (partner :data:`estate.teams.TEAMS_PARTNER`).

    """
    manifest = read_manifest(directory)
    assumptions = load_assumptions(manifest.assumptions)
    postcodes = PostcodeLookup.from_csv(manifest.postcodes) if manifest.postcodes else None
    boundary = load_boundary(manifest.boundary) if manifest.boundary else None
    combined = load_files(manifest.files, postcodes=postcodes, boundary=boundary, assumptions=assumptions)
    if postcodes is not None and postcodes.skipped:
        # postcodes the lookup left out: a line about the whole lookup file
        skipped = whole_file_lines(
            "postcode lookup",
            postcodes.label,
            [postcodes.skipped_note],
            outcome=Outcome.WARNING,
            action="rows with these postcodes and no coordinates are excluded, each with its own line",
        )
        combined = dataclasses.replace(combined, report=pd.concat([combined.report, skipped], ignore_index=True))
    standards = load_standards(manifest.services)
    labels = service_labels(standards)
    for points in manifest.service_points:
        if points.service not in labels:
            raise ManifestError(
                f"place.toml: [[service_points]] {points.path.name!r} names service {points.service!r}, which the "
                f"access standards do not have: {_suggest(points.service, set(labels))}"
            )
        combined = attach_service_points(
            combined, points, postcodes=postcodes, assumptions=assumptions, label=labels[points.service]
        )
    for teams_file in manifest.teams:
        combined = _apply_teams(combined, teams_file, assumptions)
    demand = zones = None
    if manifest.demand is not None:
        demand = load_demand(manifest.demand, imd_path=manifest.imd)
        if manifest.demand_points:
            demand.attrs["location"] = manifest.demand_points
    if manifest.zones is not None:
        zones = load_zones(manifest.zones)
    matrix = None
    if manifest.matrix is not None:
        matrix = _load_matrix(manifest, demand, combined.holdings)
        notes = list(matrix.attrs.get("notes", []))
        if notes:
            lines = whole_file_lines(
                "travel-time matrix",
                manifest.matrix.name,
                notes,
                outcome=Outcome.WARNING,
                action="check the matrix covers the place's zones and holdings; add the missing times if it should",
            )
            combined = dataclasses.replace(combined, report=pd.concat([combined.report, lines], ignore_index=True))
    return Place(
        name=manifest.name,
        manifest=manifest,
        holdings=combined.holdings,
        teams=combined.teams,
        report=combined.report,
        shared_sites=shared_sites(combined.holdings),
        boundary=boundary,
        demand=demand,
        zones=zones,
        assumptions=assumptions,
        standards=standards,
        matrix=matrix,
    )


def _load_matrix(manifest: Manifest, demand: gpd.GeoDataFrame | None, holdings: gpd.GeoDataFrame) -> pd.DataFrame:
    """The manifest's travel-time matrix, against the place's zones and holdings."""
    from estate.travel import TravelCostError, load_matrix

    if demand is None:
        raise ManifestError(
            f"place.toml names a travel-time matrix ({manifest.matrix.name}) but no demand file: the matrix "
            "times journeys from the demand's zones, so give [demand] file as well."
        )
    unmatched = "drop" if manifest.matrix_drop_unmatched else "raise"
    try:
        return load_matrix(manifest.matrix, zones=demand, sites=holdings, unmatched=unmatched)
    except TravelCostError as exc:
        hint = (
            " (In place.toml, matrix_drop_unmatched = true under [demand] leaves out ids that match nothing.)"
            if "drop them" in str(exc)
            else ""
        )
        raise TravelCostError(f"{exc}{hint}", getattr(exc, "problems", None)) from exc


def load_files(
    files: Sequence[ManifestFile],
    *,
    postcodes: PostcodeLookup | None = None,
    boundary: BaseGeometry | None = None,
    assumptions: Assumptions | None = None,
) -> LoadResult:
    """Load partners' files into one estate, every file and row accounted for in the report.

    A file that cannot be loaded at all, for a reason the loader names or one it did not
    foresee, is one report line (field :data:`WHOLE_FILE`, outcome excluded) and the other
    files still load. A partner's holding repeated in a later file is excluded there (see
    :func:`combine`). Holding ids are prefixed with the partner, and with the file's name
    when the partner has several files.
    """
    per_partner = Counter(f.spec.partner for f in files)
    results: list[LoadResult] = []
    unread: list[pd.DataFrame] = []
    for f in files:
        prefix = _prefix(f, per_partner[f.spec.partner])
        try:
            results.append(
                load_file(
                    f.path, f.spec, postcodes=postcodes, boundary=boundary, assumptions=assumptions, id_prefix=prefix
                )
            )
        except EstateError as exc:
            # one partner's unreadable file is reported and the others still load
            unread.append(_unreadable(f.spec.partner, f.path, exc))
        except Exception as exc:  # a fault of the planner's own must not stop the other files loading
            problem = (
                f"'{f.path.name}' could not be loaded: the planner failed on it ({type(exc).__name__}: {exc}). "
                "Please report this with the file"
            )
            unread.append(_unreadable(f.spec.partner, f.path, problem))
    combined = combine(results)
    if unread:
        combined = dataclasses.replace(combined, report=pd.concat([combined.report, *unread], ignore_index=True))
    return combined


def _unreadable(partner: str, path: Path, problem: EstateError | str) -> pd.DataFrame:
    """The one report line of a file that could not be read at all."""
    return whole_file_lines(
        partner,
        path.name,
        [str(problem)],
        outcome=Outcome.EXCLUDED,
        action="correct or replace the file and reload; the other files are loaded",
    )


def _apply_teams(estate: LoadResult, teams_file: TeamsFile, assumptions: Assumptions) -> LoadResult:
    """Put a teams file's teams in the estate; an unreadable file is one report line and changes nothing."""
    try:
        teams, lines = load_teams(
            teams_file.path, estate.holdings, estate.teams, columns=teams_file.columns, assumptions=assumptions
        )
    except EstateError as exc:
        teams, lines = estate.teams, _unreadable(TEAMS_PARTNER, teams_file.path, exc)
    return dataclasses.replace(estate, teams=teams, report=pd.concat([estate.report, lines], ignore_index=True))


def points_partner(service: str, label: str | None = None) -> str:
    """What the report calls a list of service points: "service points: <label>" (else the service's key)."""
    return f"service points: {label or service}"


def service_labels(standards: pd.DataFrame) -> dict[str, str]:
    """Each service's name in words, by its key, from a standards table."""
    return dict(zip(standards["service"], standards["label"], strict=True))


def attach_service_points(
    estate: LoadResult,
    points: ServicePoints,
    *,
    postcodes: PostcodeLookup | None = None,
    assumptions: Assumptions | None = None,
    label: str | None = None,
) -> LoadResult:
    """Mark the holdings where a listed service is offered.

    Each point is located like a holding, then matched to a holding (of the named
    partner, not bare land) within ``points.within_m``: the one whose name is most like the
    point's, the nearest among equals. That holding's ``services`` gains
    ``points.service``. Every point appears in the report: attached (with the
    holding and distance) or excluded (no holding in reach, or no location), under
    "service points: <label>" (the service's name in words, else its key).

    Returns
    -------
    LoadResult
        The same estate with services added and the points' lines in the report.

    """
    loaded = load_file(
        points.path,
        PartnerFile(points.partner or "service points", defaults={"use_class": "other"}),
        postcodes=postcodes,
        assumptions=assumptions,
        id_prefix="point",
    )
    holdings = estate.holdings.copy()
    candidates = holdings if points.partner is None else holdings[holdings["partner"] == points.partner]
    # a service is offered from a building: bare land named after one ("Hale Library Site",
    # vacant land) is not where the library is
    candidates = candidates[candidates["use_class"].astype("string").fillna("") != "land"]
    # Only what concerns a point's location matters here; its other fields are not a holding's.
    report = loaded.report[
        loaded.report["field"].isin(["location", "postcode"]) | loaded.report["outcome"].eq(Outcome.EXCLUDED.value)
    ]
    lines = []
    for point in loaded.holdings.itertuples():
        base = {
            "partner": points_partner(points.service, label),
            "file": point.source_file,
            "row": point.source_row,
            "name": point.name,
        }
        near = candidates[candidates.geometry.dwithin(point.geometry, points.within_m)]
        if near.empty:
            owner = points.partner or "any partner"
            lines.append(
                {
                    **base,
                    "holding_id": pd.NA,
                    "outcome": Outcome.EXCLUDED.value,
                    "field": "location",
                    "problem": f"no holding of {owner} within {points.within_m:g} m",
                    "action": "not attached: add the building to the partner's register or widen within_m",
                }
            )
            continue
        metres = near.geometry.distance(point.geometry)
        likeness = near["name"].map(lambda n, wanted=point.name: _name_overlap(wanted, n))
        ranked = near.assign(_m=metres, _like=likeness).sort_values(["_like", "_m"], ascending=[False, True])
        ranked = ranked[(ranked["_like"] >= _SAME_NAME) | (ranked["_m"] <= _SAME_BUILDING_M)]
        if ranked.empty:
            lines.append(
                {
                    **base,
                    "holding_id": pd.NA,
                    "outcome": Outcome.EXCLUDED.value,
                    "field": "name",
                    "problem": f"no holding within {points.within_m:g} m has a name like {point.name!r} "
                    f"(nearest: {near.loc[metres.idxmin(), 'name']}, {metres.min():.0f} m)",
                    "action": "not attached: add the building to the partner's register, or name it alike",
                }
            )
            continue
        best = ranked.iloc[0]
        target = holdings["holding_id"] == best["holding_id"]
        offered = services_of(holdings.loc[target, "services"].iloc[0])
        if points.service not in offered:
            holdings.loc[target, "services"] = SERVICE_SEPARATOR.join([*offered, points.service])
            # supplied when the register said so too; otherwise derived from the list of service points
            if not offered:
                holdings.loc[target, "services_source"] = Source.DERIVED.value
        lines.append(
            {
                **base,
                "holding_id": best["holding_id"],
                "outcome": Outcome.LOADED.value,
                "field": "services",
                "problem": "",
                "action": f"{points.service} attached to {best['name']} ({best['_m']:.0f} m away)",
            }
        )
    located = pd.DataFrame(lines, columns=list(REPORT_COLUMNS))
    excluded = located.loc[located["outcome"] == Outcome.EXCLUDED.value, "row"]
    report = report.assign(partner=points_partner(points.service, label), holding_id=pd.NA)
    report.loc[report["row"].isin(excluded), "outcome"] = Outcome.EXCLUDED.value
    report = pd.concat([report, located], ignore_index=True)
    return LoadResult(
        holdings=holdings, teams=estate.teams, report=pd.concat([estate.report, report], ignore_index=True)
    )


_SAME_NAME = 0.6
_SAME_BUILDING_M = 50.0
_FILLER_WORDS = {"the", "at", "and", "of", "in", "&", "-"}


def _words(text: object) -> set[str]:
    cleaned = str(text).lower().replace("'", "").replace("’", "")
    return {w for w in re.findall(r"[a-z0-9]+", cleaned)} - _FILLER_WORDS


def _name_overlap(point_name: object, holding_name: object) -> float:
    """Share of the point's name words found in the holding's name (0 to 1)."""
    words = _words(point_name)
    return len(words & _words(holding_name)) / len(words) if words else 0.0


def _prefix(f: ManifestFile, files_of_partner: int) -> str:
    from estate.load import slug

    base = slug(f.spec.partner)
    return base if files_of_partner == 1 else f"{base}/{slug(f.path.stem)}"

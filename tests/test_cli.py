"""The ``estate validate`` command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from estate import cli_access
from estate.assumptions import DEFAULT_ASSUMPTIONS
from estate.cli import build_parser, main
from tests.conftest import SAMPLE


def test_validate_the_real_register_prints_counts_and_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report.csv"
    code = main(
        [
            "validate",
            str(SAMPLE / "council_land_and_buildings.csv"),
            "--partner",
            "Trafford Council",
            "--partner-type",
            "council",
            "--postcodes",
            str(SAMPLE / "postcodes.csv"),
            "--boundary",
            str(SAMPLE / "boundary.geojson"),
            "--report",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "608 rows" in printed
    assert "excluded                  213" in printed
    assert "is only an outward code" in printed
    report = pd.read_csv(out, encoding="utf-8-sig")
    assert report["row"].nunique() == 608


def test_validate_a_whole_place(capsys):
    assert main(["validate", "--place", str(SAMPLE)]) == 0
    assert "place Trafford: 663 rows" in capsys.readouterr().out


def test_validate_exits_non_zero_only_when_nothing_loads(tmp_path: Path, capsys):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    good = tmp_path / "good.csv"
    good.write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    assert main(["validate", str(bad)]) == 1
    assert "empty.csv" in capsys.readouterr().err
    assert main(["validate", str(bad), str(good)]) == 0


def test_validate_prints_how_a_file_was_read(tmp_path: Path, capsys):
    legacy = tmp_path / "police.csv"
    legacy.write_bytes("Site Name,Easting,Northing\nCaf\u00e9 Hall,378000,392000\n".encode("cp1252"))
    assert main(["validate", str(legacy)]) == 0
    out = capsys.readouterr().out
    assert "note: police.csv: " in out and "Windows-1252" in out
    assert "1 rows" in out


def test_validate_places_a_teams_file_in_the_registers_loaded(tmp_path: Path, capsys):
    register = tmp_path / "council.csv"
    register.write_text("UPRN,Site Name,Easting,Northing\n1001,Civic Centre,378000,392000\n")
    teams = tmp_path / "teams.csv"
    teams.write_text(
        "UPRN,Partner,Service,FTE\n"
        "1001,Council,adult social care,40\n"
        "1001,NHS,community nursing,25\n"
        "9999,NHS,district nursing,5\n"
    )
    report = tmp_path / "report.csv"
    code = main(["validate", str(register), "--partner", "Council", "--teams", str(teams), "--report", str(report)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Validated 1 of 1 file(s) and teams file teams.csv: 4 rows" in out
    assert "teams                        2  (2 supplied, 0 modelled)" in out
    lines = pd.read_csv(report, encoding="utf-8-sig")
    excluded = lines[(lines["file"] == "teams.csv") & (lines["outcome"] == "excluded")]
    assert list(excluded["row"]) == [4] and "no holding in the place has uprn '9999'" in excluded.iloc[0]["problem"]


def test_validate_with_an_unreadable_teams_file_says_so_in_one_line(tmp_path: Path, capsys):
    register = tmp_path / "council.csv"
    register.write_text("Site Name,Easting,Northing\nCivic Centre,378000,392000\n")
    teams = tmp_path / "teams.csv"
    teams.write_bytes(b"")
    assert main(["validate", str(register), "--teams", str(teams)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "teams.csv" in err[0] and "empty" in err[0]


def test_access_without_a_place_measures_the_sample_place(tmp_path, capsys):
    assert main(["access", "--out", str(tmp_path)]) == 0
    by_service = pd.read_csv(tmp_path / "access_by_service.csv", encoding="utf-8-sig").set_index("service")
    assert by_service.loc["jobcentre", "share"] == pytest.approx(0.9143, abs=5e-5)
    assert set(by_service["measure"]) == {"straight-line km (circuity 1.0)"}
    zones = pd.read_csv(tmp_path / "zones.csv", encoding="utf-8-sig")
    assert len(zones) == len(by_service) * zones["zone_id"].nunique()
    assert "Access to services in" in capsys.readouterr().out


def test_access_with_a_bad_matrix_prints_one_clear_line_and_exits_2(tmp_path, capsys):
    matrix = tmp_path / "times.csv"
    matrix.write_text("zone_id,holding_id,minutes\nNOWHERE,ALSO-NOWHERE,5\n")
    assert main(["access", "--matrix", str(matrix), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("estate access: times.csv: none of the 1 zones in the matrix match ours (NOWHERE)")
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_validate_a_place_with_one_unreadable_file_reports_it_and_counts_the_rest(tmp_path, capsys):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\nDepot,378100,392000\n")
    (tmp_path / "fire.csv").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "place.toml").write_text(
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        '[[partners]]\nname = "Fire"\ntype = "fire"\nfiles = ["fire.csv"]\n'
    )
    assert main(["validate", "--place", str(tmp_path), "--report", str(tmp_path / "report.csv")]) == 0
    captured = capsys.readouterr()
    assert "Validated place Tiny: 2 rows" in captured.out
    assert captured.err.startswith("not loaded: ") and "fire.csv" in captured.err
    assert "Reasons for exclusion" not in captured.out  # the tally counts rows; the file is named above
    report = pd.read_csv(tmp_path / "report.csv", encoding="utf-8-sig")
    assert report.loc[report["file"] == "fire.csv", "field"].tolist() == ["(whole file)"]


def test_validate_report_writes_register_cells_that_look_like_formulas_as_text(tmp_path: Path):
    register = tmp_path / "council.csv"
    register.write_text(
        "UPRN,Site Name,Address,Easting,Northing\n"
        '1001,"=HYPERLINK(""http://x"",""Hall"")",@SUM(1+1),378000,392000\n'
        "1002,Depot,+44 161,378100,392000\n"
    )
    report = tmp_path / "report.csv"
    assert main(["validate", str(register), "--report", str(report)]) == 0
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, as every export
    names = pd.read_csv(report, encoding="utf-8-sig", dtype=str)["name"].tolist()
    assert names == ['\'=HYPERLINK("http://x","Hall")', "Depot"]
    cells = data.decode("utf-8-sig")
    assert ",=" not in cells and ",@" not in cells and ",+" not in cells


def test_access_writes_a_provider_named_like_a_formula_as_text(tmp_path: Path):
    place = SimpleNamespace(
        name="Tiny",
        demand=gpd.GeoDataFrame(
            {"zone_id": ["@z1"], "population": [100.0]}, geometry=[Point(400_000, 300_000)], crs="EPSG:27700"
        ),
        holdings=gpd.GeoDataFrame(
            {"holding_id": ["H1"], "name": ['=HYPERLINK("http://x")'], "services": ["jobcentre"]},
            geometry=[Point(400_000, 300_000)],
            crs="EPSG:27700",
        ),
        standards=pd.DataFrame(
            [
                {
                    "service": "jobcentre",
                    "label": "Jobcentre",
                    "threshold": 4.83,
                    "unit": "km",
                    "threshold_minutes": None,
                    "share": 0.9,
                    "population": "population",
                    "source": "test",
                }
            ]
        ).astype({"threshold_minutes": "float64"}),
    )
    args = build_parser().parse_args(["access", "--out", str(tmp_path)])
    assert cli_access.run(args, load=lambda _: place) == 0
    data = (tmp_path / "zones.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    zones = pd.read_csv(tmp_path / "zones.csv", encoding="utf-8-sig", dtype=str)
    assert zones[["zone_id", "nearest_name"]].values.tolist() == [["'@z1", '\'=HYPERLINK("http://x")']]


def test_validate_a_place_gives_a_team_without_space_the_places_own_space_per_workstation(tmp_path: Path):
    # The place's assumptions say 10 m² a workstation (the planner's default is 6), as its plans use.
    defaults = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    assert "m2_per_workstation = 6.0" in defaults
    (tmp_path / "assumptions.toml").write_text(
        defaults.replace("m2_per_workstation = 6.0", "m2_per_workstation = 10.0")
    )
    (tmp_path / "council.csv").write_text("UPRN,Site Name,Easting,Northing\n1001,Civic Centre,378000,392000\n")
    (tmp_path / "place.toml").write_text(
        'name = "Tiny"\nassumptions = "assumptions.toml"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["council.csv"]\n'
    )
    teams = tmp_path / "teams.csv"
    teams.write_text("UPRN,Partner,Service,FTE\n1001,Council,adult social care,40\n")
    report = tmp_path / "report.csv"
    assert main(["validate", "--place", str(tmp_path), "--teams", str(teams), "--report", str(report)]) == 0
    lines = pd.read_csv(report, encoding="utf-8-sig")
    action = lines.loc[lines["file"] == "teams.csv", "action"].iloc[0]
    assert action.endswith("40 FTE of adult social care, 400 m²")  # 40 FTE x 10 m², not x 6


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        (["validate", "--place", str(SAMPLE), "--report", "{tmp}"], "--report {tmp} is a folder: name a file"),
        (["validate", "--place", str(SAMPLE), "--report", "{tmp}/taken/report.csv"], "the file cannot be written"),
        (["access", "--out", "{tmp}/taken"], "--out {tmp}/taken is a file, not a folder"),
        (["access", "--out", "{tmp}/taken/out"], "files cannot be written there"),
    ],
)
def test_an_output_that_cannot_be_written_is_named_in_one_line_before_any_work(tmp_path, capsys, command, problem):
    (tmp_path / "taken").write_text("a file where a folder is named")
    command = [part.format(tmp=tmp_path) for part in command]
    assert main(command) == 2
    err = capsys.readouterr().err
    assert problem.format(tmp=tmp_path) in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # nothing left behind


class _ClosedPipe:
    """Standard output whose reader has gone (`estate validate ... | head -1`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        pass

    def fileno(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_CREAT)


def test_validate_writes_its_report_even_when_the_reader_of_its_summary_stops_early(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe(tmp_path / "stdout"))
    assert main(["validate", "--place", str(SAMPLE), "--report", str(tmp_path / "report.csv")]) == 1
    report = pd.read_csv(tmp_path / "report.csv", encoding="utf-8-sig")
    assert len(report) > 663  # every row, with a line per problem

"""A teams file: several occupying teams per holding, each row accounted for."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from estate.errors import ColumnMappingError, ManifestError
from estate.load import row_outcomes
from estate.place import load_place, read_manifest
from estate.schema import REPORT_COLUMNS, TEAM_COLUMNS, TEAM_DTYPES, WHOLE_FILE
from estate.teams import NO_PARTNER, TEAMS_PARTNER, load_teams
from tests.conftest import SAMPLE

# Six holdings: UPRN 100003 is a shared site (the NHS clinic and the fire station on one
# plot), and the council has two holdings named "Depot".
HOLDINGS = pd.DataFrame(
    {
        "holding_id": ["council:TH", "council:LIB", "nhs:CLINIC", "council:DEPOT-A", "council:DEPOT-B", "fire:ST"],
        "partner": ["Council", "Council", "NHS", "Council", "Council", "Fire"],
        "uprn": ["100001", "100002", "100003", None, None, "100003"],
        "name": ["Town Hall", "Central Library", "Health Centre", "Depot", "Depot", "Fire Station"],
        "use_class": ["office", "library", "clinic", "depot", "depot", "fire_station"],
        "services": [None, "library", None, None, None, "fire"],
    }
).astype("string")

EXISTING = pd.DataFrame(
    {
        "team_id": ["council:TH/staff", "council:LIB/staff", "nhs:CLINIC/staff"],
        "holding_id": ["council:TH", "council:LIB", "nhs:CLINIC"],
        "partner": ["Council", "Council", "NHS"],
        "service": ["office", "library", "clinic"],
        "fte": [130.0, 5.0, 20.0],
        "space_m2": [780.0, 30.0, 120.0],
        "fte_source": ["modelled", "supplied", "modelled"],
    }
).astype(TEAM_DTYPES)


def load(tmp_path, text: str, **kwargs):
    path = tmp_path / "teams.csv"
    path.write_text(text, encoding="utf-8")
    return load_teams(path, HOLDINGS, EXISTING, **kwargs)


def at(teams: pd.DataFrame, holding_id: str) -> list[dict]:
    return teams[teams["holding_id"] == holding_id].drop(columns="holding_id").to_dict("records")


def test_several_teams_of_two_partners_replace_the_modelled_team(tmp_path):
    teams, report = load(
        tmp_path,
        "Holding ID,Partner,Service,FTE\n"
        "council:TH,Council,adult social care,40\n"
        "council:TH,NHS,community nursing,25\n",
    )
    assert at(teams, "council:TH") == [
        {
            "team_id": "council:TH/council/adult-social-care",
            "partner": "Council",
            "service": "adult social care",
            "fte": 40.0,
            "space_m2": 240.0,
            "fte_source": "supplied",
        },
        {
            "team_id": "council:TH/nhs/community-nursing",
            "partner": "NHS",
            "service": "community nursing",
            "fte": 25.0,
            "space_m2": 150.0,
            "fte_source": "supplied",
        },
    ]
    # holdings the file does not name keep their teams
    assert list(teams["team_id"][:2]) == ["council:LIB/staff", "nhs:CLINIC/staff"]
    assert len(teams) == 4 and teams["team_id"].is_unique
    assert list(teams.columns) == list(TEAM_COLUMNS) and teams.dtypes.astype(str).to_dict() == TEAM_DTYPES
    assert list(report.columns) == list(REPORT_COLUMNS)
    assert list(report["outcome"]) == ["loaded", "loaded"]
    assert list(report["partner"]) == ["Council", "NHS"]
    assert list(report["name"]) == ["Town Hall", "Town Hall"]
    assert report.at[0, "action"] == (
        "loaded as team council:TH/council/adult-social-care: 40 FTE of adult social care, 240 m²; "
        "replaces the holding's 1 earlier team(s) (130 FTE, modelled)"
    )
    assert "replaces" not in report.at[1, "action"]


def test_holdings_found_by_uprn_and_by_name(tmp_path):
    teams, report = load(
        tmp_path,
        "uprn,name,organisation,team,staff fte,space (m2)\n"
        "100001.0,,Council,housing,12,\n"
        ",  central LIBRARY ,council,Library,4.5,100\n",
    )
    assert at(teams, "council:TH") == [
        {
            "team_id": "council:TH/council/housing",
            "partner": "Council",
            "service": "housing",
            "fte": 12.0,
            "space_m2": 72.0,
            "fte_source": "supplied",
        }
    ]
    # the partner takes the place's spelling, and the service the key of the service the library offers
    assert at(teams, "council:LIB") == [
        {
            "team_id": "council:LIB/council/library",
            "partner": "Council",
            "service": "library",
            "fte": 4.5,
            "space_m2": 100.0,
            "fte_source": "supplied",
        }
    ]
    assert list(report["holding_id"]) == ["council:TH", "council:LIB"]
    assert "replaces the holding's 1 earlier team(s) (5 FTE, supplied)" in report.at[1, "action"]


def test_a_shared_sites_uprn_picks_the_teams_partners_holding(tmp_path):
    teams, report = load(
        tmp_path,
        "UPRN,Partner,Service,FTE\n"
        "100003,nhs,district nursing,8\n"
        "100003,Fire,prevention,3\n"
        "100003,Police,neighbourhood,6\n",
    )
    assert at(teams, "nhs:CLINIC")[0]["team_id"] == "nhs:CLINIC/nhs/district-nursing"
    assert at(teams, "nhs:CLINIC")[0]["partner"] == "NHS"
    assert at(teams, "fire:ST")[0]["team_id"] == "fire:ST/fire/prevention"
    police = report[report["row"] == 4].set_index("field")
    assert police["outcome"].to_dict() == {"partner": "loaded with warnings", "uprn": "excluded"}
    police = police.loc["uprn"]
    assert police["problem"] == (
        "teams.csv row 4, uprn: '100003' is ambiguous, 2 holdings of NHS and Fire have it (nhs:CLINIC, fire:ST)"
    )
    assert "holding_id" in police["action"]
    assert "Police" not in set(teams["partner"])


def test_rows_that_cannot_be_a_team_are_excluded_with_the_field_and_reason(tmp_path):
    teams, report = load(
        tmp_path,
        "holding_id,name,partner,service,fte\n"
        "council:NOPE,,Council,finance,10\n"  # 2 unknown holding id
        ",Depot,Council,waste,10\n"  # 3 ambiguous name
        ",Old Baths,Council,leisure,10\n"  # 4 unknown name
        "council:TH,,Council,finance,lots\n"  # 5 not a number
        "council:TH,,Council,finance,0\n"  # 6 not positive
        "council:TH,,Council,finance,\n"  # 7 missing
        "council:TH,,,finance,10\n"  # 8 no partner
        ",,Council,finance,10\n",  # 9 no reference at all
    )
    excluded = report.set_index("row")
    assert set(excluded["outcome"]) == {"excluded"}
    assert excluded["field"].to_dict() == {
        2: "holding_id",
        3: "name",
        4: "name",
        5: "fte",
        6: "fte",
        7: "fte",
        8: "partner",
        9: "holding_id",
    }
    problems = excluded["problem"].to_dict()
    assert problems[2] == "teams.csv row 2, holding_id: no holding in the place has holding_id 'council:NOPE'"
    assert problems[3] == (
        "teams.csv row 3, name: 'Depot' is ambiguous, 2 holdings of Council have it (council:DEPOT-A, council:DEPOT-B)"
    )
    assert problems[4] == "teams.csv row 4, name: no holding in the place has name 'Old Baths'"
    assert problems[5] == "teams.csv row 5, fte: FTE 'lots' is not a number"
    assert problems[6] == "teams.csv row 6, fte: FTE 0 is not positive"
    assert problems[7] == "teams.csv row 7, fte: no FTE"
    assert problems[8] == "teams.csv row 8, partner: no partner (whose team is it?)"
    assert problems[9] == "teams.csv row 9, holding: no holding_id, UPRN or holding name"
    assert excluded.at[8, "partner"] == NO_PARTNER
    assert excluded.at[5, "action"].startswith("not loaded: give the team's staff FTE")
    assert excluded.at[2, "name"] == "council:NOPE" and pd.isna(excluded.at[2, "holding_id"])
    # nothing loaded, so every holding keeps the teams it had
    pd.testing.assert_frame_equal(teams, EXISTING)


def test_every_problem_of_a_row_is_reported_and_every_row_is_accounted_for(tmp_path):
    _, report = load(
        tmp_path,
        "holding_id,partner,service,fte,space_m2\n"
        "council:TH,Council,finance,10,\n"
        "council:NOPE,,finance,none at all,\n"
        "council:TH,Tafford Council,payroll,3,-5\n"
        "council:TH,Council,,2,\n",
    )
    rows = row_outcomes(report)
    assert dict(zip(rows["row"], rows["outcome"], strict=True)) == {
        2: "loaded",
        3: "excluded",
        4: "loaded with warnings",
        5: "loaded with warnings",
    }
    assert sorted(report.loc[report["row"] == 3, "field"]) == ["fte", "holding_id", "partner"]
    # and by the file's own heading, to find the cell
    assert sorted(report.loc[report["row"] == 3, "column"]) == ["fte", "holding_id", "partner"]
    warned = report[report["row"] == 4].set_index("field")
    assert warned.at["partner", "problem"] == (
        "teams.csv row 4, partner: 'Tafford Council' holds no holding and has no team in the place"
    )
    assert warned.at["space_m2", "problem"] == "teams.csv row 4, space_m2: space -5 is not positive"
    assert warned.at["space_m2", "action"].endswith(
        "loaded as team council:TH/tafford-council/payroll: 3 FTE of payroll, 18 m²"
    )
    no_service = report[report["row"] == 5].iloc[0]
    assert no_service["field"] == "service"
    assert no_service["action"].startswith("named 'office' after the holding's use")


def test_a_repeated_team_gets_its_own_id_and_a_warning(tmp_path):
    teams, report = load(
        tmp_path, "holding_id,partner,service,fte\ncouncil:TH,Council,finance,10\ncouncil:TH,Council,Finance,4\n"
    )
    assert list(teams.loc[teams["holding_id"] == "council:TH", "team_id"]) == [
        "council:TH/council/finance",
        "council:TH/council/finance-2",
    ]
    repeat = report[report["row"] == 3].iloc[0]
    assert repeat["outcome"] == "loaded with warnings"
    assert repeat["problem"] == "teams.csv row 3, service: Council's Finance is also at this holding on row 2"


def test_a_workbook_with_its_own_headings_mapped(tmp_path):
    path = tmp_path / "occupancy.xlsx"
    pd.DataFrame({"Building": ["Health Centre"], "Org": ["NHS"], "Directorate": ["podiatry"], "WTE": [6]}).to_excel(
        path, index=False
    )
    teams, report = load_teams(
        path, HOLDINGS, EXISTING, columns={"Org": "partner", "Directorate": "service", "WTE": "fte"}
    )
    assert at(teams, "nhs:CLINIC") == [
        {
            "team_id": "nhs:CLINIC/nhs/podiatry",
            "partner": "NHS",
            "service": "podiatry",
            "fte": 6.0,
            "space_m2": 36.0,
            "fte_source": "supplied",
        }
    ]
    assert list(report["file"]) == ["occupancy.xlsx"] and list(report["row"]) == [2]


def test_a_file_without_the_columns_a_team_needs_is_refused(tmp_path):
    with pytest.raises(ColumnMappingError, match="needs columns for partner, FTE"):
        load(tmp_path, "holding_id,service\ncouncil:TH,finance\n")
    with pytest.raises(ColumnMappingError, match="unknown field"):
        load(tmp_path, "holding_id,partner,fte\ncouncil:TH,Council,3\n", columns={"fte": "staff"})


def copy_place(tmp_path, teams_csv: str, manifest_lines: str):
    place = tmp_path / "trafford"
    shutil.copytree(SAMPLE, place)
    (place / "teams.csv").write_bytes(teams_csv.encode("utf-8"))
    with (place / "place.toml").open("a", encoding="utf-8") as manifest:
        manifest.write(manifest_lines)
    return place


ALTRINCHAM = "trafford-council:TMBC0001/T0000003"
TRAFFORD = "trafford-council:TMBC0008/T0000001"
SALE_LIBRARY = "trafford-council:TMBC0222/J0000017"


def test_the_sample_place_with_a_teams_file(tmp_path, trafford):
    place_dir = copy_place(
        tmp_path,
        "Holding ID,UPRN,Building,Partner,Directorate,FTE\n"
        f"{ALTRINCHAM},,,Trafford Council,adult social care,40\n"
        f"{ALTRINCHAM},,,NHS GP practices,community nursing,25\n"
        ",10091813602,,Trafford Council,finance,80\n"
        ",,sale library (integrated facility in sale waterside),trafford council,Library,12\n"
        # Sale Waterside and Sale Library share a UPRN, both the council's
        ",10024817974,,Trafford Council,customer services,30\n"
        "trafford-council:NOPE,,,Trafford Council,finance,5\n",
        '\n[[teams]]\npath = "teams.csv"\ncolumns = { "Directorate" = "service" }\n',
    )
    manifest = read_manifest(place_dir)
    assert [(t.path.name, dict(t.columns)) for t in manifest.teams] == [("teams.csv", {"Directorate": "service"})]
    place = load_place(place_dir)
    supplied = place.teams[place.teams["fte_source"] == "supplied"]
    assert supplied[["team_id", "partner", "service", "fte", "space_m2"]].to_dict("records") == [
        {
            "team_id": f"{ALTRINCHAM}/trafford-council/adult-social-care",
            "partner": "Trafford Council",
            "service": "adult social care",
            "fte": 40.0,
            "space_m2": 240.0,
        },
        {
            "team_id": f"{ALTRINCHAM}/nhs-gp-practices/community-nursing",
            "partner": "NHS GP practices",
            "service": "community nursing",
            "fte": 25.0,
            "space_m2": 150.0,
        },
        {
            "team_id": f"{TRAFFORD}/trafford-council/finance",
            "partner": "Trafford Council",
            "service": "finance",
            "fte": 80.0,
            "space_m2": 480.0,
        },
        {
            "team_id": f"{SALE_LIBRARY}/trafford-council/library",
            "partner": "Trafford Council",
            "service": "library",
            "fte": 12.0,
            "space_m2": 72.0,
        },
    ]
    # the modelled teams at the three holdings are gone; every other holding keeps its teams
    named = place.teams["holding_id"].isin([ALTRINCHAM, TRAFFORD, SALE_LIBRARY])
    assert set(place.teams.loc[named, "fte_source"]) == {"supplied"}
    others = trafford.teams[~trafford.teams["holding_id"].isin([ALTRINCHAM, TRAFFORD, SALE_LIBRARY])]
    pd.testing.assert_frame_equal(place.teams[~named].reset_index(drop=True), others.reset_index(drop=True))
    lines = place.report[place.report["file"] == "teams.csv"].set_index("row")
    assert lines["outcome"].to_dict() == {
        2: "loaded",
        3: "loaded",
        4: "loaded",
        5: "loaded",
        6: "excluded",
        7: "excluded",
    }
    assert lines.at[4, "name"] == "Trafford Town Hall"
    assert lines.at[6, "field"] == "uprn"
    assert lines.at[6, "problem"] == (
        "teams.csv row 6, uprn: '10024817974' is ambiguous, 2 holdings of Trafford Council have it "
        "(trafford-council:TMBC0006/TN000077, trafford-council:TMBC0222/J0000017)"
    )
    assert lines.at[7, "field"] == "holding_id"
    # the partners' own files are reported as before
    assert len(place.report) == len(trafford.report) + 6
    assert place.manifest.digest() != trafford.manifest.digest()


def test_an_unreadable_teams_file_is_one_line_and_the_place_still_loads(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N,FTE\nHQ,378000,392000,50\n")
    (tmp_path / "teams.xlsx").write_bytes(b"not a workbook at all" * 20)
    (tmp_path / "place.toml").write_text(
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        '[[teams]]\npath = "teams.xlsx"\n',
        encoding="utf-8",
    )
    place = load_place(tmp_path)
    assert list(place.holdings["name"]) == ["HQ"]
    assert place.teams[["partner", "fte", "fte_source"]].to_dict("records") == [
        {"partner": "Council", "fte": 50.0, "fte_source": "supplied"}
    ]
    lines = place.report[place.report["file"] == "teams.xlsx"]
    assert len(lines) == 1
    line = lines.iloc[0]
    assert (line["partner"], line["field"], line["outcome"]) == (TEAMS_PARTNER, WHOLE_FILE, "excluded")
    assert "teams.xlsx" in line["problem"]


def test_a_manifest_naming_a_missing_teams_file(tmp_path):
    (tmp_path / "council.csv").write_text("Site Name,Easting,Northing\nHQ,378000,392000\n")
    (tmp_path / "place.toml").write_text(
        '[[partners]]\nname = "Council"\nfiles = ["council.csv"]\n[[teams]]\npath = "gone.csv"\n', encoding="utf-8"
    )
    with pytest.raises(ManifestError, match="teams file 'gone.csv', which is not in"):
        read_manifest(tmp_path)


def test_how_a_teams_file_was_read_is_a_whole_file_note(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_bytes("Holding ID,Partner,Service,FTE\ncouncil:TH,Council,caf\u00e9 staff,4\n".encode("cp1252"))
    teams, report = load_teams(path, HOLDINGS, EXISTING)
    note = report[report["field"] == WHOLE_FILE].iloc[0]
    assert note["outcome"] == "loaded with warnings" and "Windows-1252" in note["problem"]
    assert at(teams, "council:TH")[0]["service"] == "caf\u00e9 staff"
    assert row_outcomes(report)["outcome"].tolist() == ["loaded"]


def test_a_semicolon_file_with_decimal_commas_reads_fte_and_space_by_their_mark(tmp_path):
    # a spreadsheet saved in a European locale: "12,5" FTE is twelve and a half, not 125,
    # and "7.407" m² in a column of decimal commas is seven thousand and some
    teams, report = load(
        tmp_path,
        "holding_id;partner;service;fte;space_m2\n"
        "council:TH;Council;finance;12,5;75,5\n"
        "council:TH;Council;payroll;1.234,5;7.407\n",
    )
    assert [(t["service"], t["fte"], t["space_m2"]) for t in at(teams, "council:TH")] == [
        ("finance", 12.5, 75.5),
        ("payroll", 1234.5, 7407.0),
    ]
    assert set(report.loc[report["row"].notna(), "outcome"]) == {"loaded"}


def test_a_number_either_mark_could_have_written_is_not_guessed(tmp_path):
    # the FTE column writes "12.5" and "0,5": "1,250" could be 1250 or 1.25
    teams, report = load(
        tmp_path,
        "holding_id,partner,service,fte,space_m2\n"
        "council:TH,Council,finance,12.5,75\n"
        'council:TH,Council,payroll,"0,5",3\n'
        'council:TH,Council,audit,"1,250",30\n'
        'council:LIB,Council,library,4,"1,200"\n',
    )
    rows = report[report["row"].notna()].set_index("row")
    assert rows.at[4, "outcome"] == "excluded" and rows.at[4, "field"] == "fte"
    assert "could be 1250 or 1.250" in rows.at[4, "problem"]
    assert rows.at[4, "action"].startswith("not read: the team is not loaded; in the teams file write it as 1250")
    assert [(t["service"], t["fte"]) for t in at(teams, "council:TH")] == [("finance", 12.5), ("payroll", 0.5)]
    # the space column shows no other mark: "1,200" is read with the file's own (a point), as 1200 m²
    assert at(teams, "council:LIB")[0]["space_m2"] == 1200.0


def test_a_teams_report_line_names_the_files_own_heading(tmp_path):
    _, report = load(
        tmp_path,
        "holding_id,partner,Directorate,Staff FTE\ncouncil:TH,Council,finance,lots\n",
        columns={"Directorate": "service", "Staff FTE": "fte"},
    )
    line = report[(report["row"] == 2) & (report["field"] == "fte")].iloc[0]
    assert line["column"] == "Staff FTE"

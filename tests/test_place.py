"""A place folder: the manifest, its errors, and the whole sample place."""

from __future__ import annotations

import pandas as pd
import pytest

import estate.place as place_module
from estate.assumptions import DEFAULT_ASSUMPTIONS
from estate.cli import main
from estate.errors import EstateError, ManifestError
from estate.load import outcome_counts, row_outcomes
from estate.place import load_place, read_manifest
from estate.schema import WHOLE_FILE


def test_sample_place_accounts_for_every_row_of_every_file(trafford):
    rows = row_outcomes(trafford.report)
    per_file = rows.groupby("file")["row"].nunique().to_dict()
    assert per_file == {
        "council_land_and_buildings.csv": 608,
        "nhs_gp_practices.csv": 26,
        "nhs_hospitals.geojson": 2,
        "dwp_jobcentres.csv": 2,
        "probation_offices.csv": 1,
        "fire_stations.csv": 3,
        "community_hubs.csv": 6,
        "service_points_libraries.csv": 13,
        "service_points_childrens_centres.csv": 2,
    }


def test_sample_place_partners_and_holdings(trafford):
    per_partner = trafford.holdings.groupby("partner").size().to_dict()
    assert per_partner == {
        "Trafford Council": 395,
        "NHS GP practices": 26,
        "NHS hospitals": 2,
        "DWP Jobcentre Plus": 2,
        "Probation Service": 1,
        "Greater Manchester Fire and Rescue": 3,
        "Voluntary and community sector": 6,
    }
    assert trafford.holdings["holding_id"].is_unique
    assert trafford.holdings.crs.to_epsg() == 27700


def test_service_points_attach_to_the_right_holdings(trafford):
    services = trafford.holdings.set_index("name")["services"]
    assert services["Stretford & Lostock Childrens Centre"] == "childrens_centre"
    assert "library" in services["Sale Library (Integrated Facility in Sale Waterside)"]
    # the register does not say so: the lists of service points do, so the services are derived
    source = trafford.holdings.set_index("name")["services_source"]
    assert source["Stretford & Lostock Childrens Centre"] == "derived"
    assert set(trafford.holdings.loc[trafford.holdings["services"].notna(), "services_source"]) == {
        "supplied",
        "derived",
    }
    unmatched = trafford.report[
        (trafford.report["file"] == "service_points_libraries.csv") & (trafford.report["outcome"] == "excluded")
    ]
    assert sorted(unmatched["name"]) == ["Hale Library", "Old Trafford Library at Limelight"]
    # Hale Library is not the vacant land called "Hale Library Site": a library is in a building
    assert "Hale Library Site" in services.index and not isinstance(services["Hale Library Site"], str)
    hale = unmatched.set_index("name").loc["Hale Library"]
    assert "no holding within 400 m has a name like 'Hale Library'" in hale["problem"]


def test_sample_place_demand(trafford):
    assert len(trafford.demand) == 738
    assert trafford.demand["population"].sum() == pytest.approx(241_025)
    assert trafford.zones is not None and len(trafford.zones) == 738


def test_outcome_counts_add_up(trafford):
    counts = outcome_counts(trafford.report)
    assert sum(counts.values()) == 663


PARTNER = '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["a.csv"]\n'


def write_place(tmp_path, manifest: str):
    (tmp_path / "place.toml").write_text(manifest, encoding="utf-8")
    return tmp_path


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match="has no place.toml"):
        read_manifest(tmp_path)


def test_manifest_naming_a_missing_file(tmp_path):
    write_place(tmp_path, 'name = "X"\n[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["gone.csv"]\n')
    with pytest.raises(ManifestError, match="'gone.csv', which is not in"):
        read_manifest(tmp_path)


def test_manifest_with_an_unknown_partner_type(tmp_path):
    (tmp_path / "a.csv").write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    write_place(tmp_path, '[[partners]]\nname = "Army"\ntype = "army"\nfiles = ["a.csv"]\n')
    with pytest.raises(ManifestError, match="type 'army'"):
        read_manifest(tmp_path)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (
            'postcode = "a.csv"\n' + PARTNER,
            "place.toml has a key the planner does not read ('postcode': did you mean 'postcodes'?)",
        ),
        (
            PARTNER + '[demand]\nfle = "a.csv"\n',
            "[demand] has a key the planner does not read ('fle': did you mean 'file'?)",
        ),
        (
            PARTNER + '[[service_point]]\npath = "a.csv"\n',
            "place.toml has a key the planner does not read ('service_point': did you mean 'service_points'?)",
        ),
        (
            PARTNER + '[[service_points]]\npath = "a.csv"\nservice = "library"\nwithn_m = 400\n',
            "[[service_points]] 'a.csv' has a key the planner does not read ('withn_m': did you mean 'within_m'?)",
        ),
        (
            PARTNER.replace(
                'files = ["a.csv"]', '[[partners.files]]\npath = "a.csv"\ndefaults = { use_clas = "library" }'
            ),
            "the defaults of 'a.csv' has a key the planner does not read ('use_clas': did you mean 'use_class'?)",
        ),
        (
            PARTNER.replace(
                'files = ["a.csv"]', '[[partners.files]]\npath = "a.csv"\ndefaults = { use_class = "libary" }'
            ),
            "the defaults of 'a.csv' give use class 'libary', which is not one: did you mean 'library'?",
        ),
        (
            PARTNER.replace('type = "council"', 'typ = "council"'),
            "[[partners]] 'Council' has a key the planner does not read ('typ': did you mean 'type'?)",
        ),
    ],
)
def test_a_manifest_key_or_use_class_the_planner_does_not_read_is_refused_with_a_suggestion(
    tmp_path, manifest, message
):
    # a mistyped key would otherwise be ignored, and the place load with other results
    (tmp_path / "a.csv").write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    write_place(tmp_path, manifest)
    with pytest.raises(ManifestError) as raised:
        read_manifest(tmp_path)
    assert message in str(raised.value)


def test_malformed_manifest(tmp_path):
    write_place(tmp_path, "name = \n")
    with pytest.raises(ManifestError, match="not valid TOML"):
        read_manifest(tmp_path)


def test_tiny_place_with_two_partners_and_a_mapping(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "nhs.csv").write_text("Site Name,Easting,Northing,GIA\nClinic,378200,392000,800\n")
    write_place(
        tmp_path,
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        '[[partners]]\nname = "NHS"\ntype = "nhs"\n'
        '[[partners.files]]\npath = "nhs.csv"\ndefaults = { use_class = "clinic", occupied = true }\n',
    )
    place = load_place(tmp_path)
    assert place.name == "Tiny"
    assert list(place.holdings["partner"]) == ["Council", "NHS"]
    clinic = place.holdings.iloc[1]
    assert clinic["use_class"] == "clinic" and clinic["gia_m2"] == 800
    assert list(place.teams["partner"]) == ["NHS"]
    assert place.demand is None and place.boundary is None


def test_postcodes_the_lookup_cannot_place_are_a_line_of_the_report(tmp_path):
    (tmp_path / "council.csv").write_text("Site Name,Postcode\nHQ,M1 1AA\nAnnexe,M2 2AA\n")
    (tmp_path / "postcodes.csv").write_text("pcds,oseast1m,osnrth1m\nM1 1AA,378000,392000\nM2 2AA,,\n")
    write_place(
        tmp_path,
        'name = "Tiny"\npostcodes = "postcodes.csv"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["council.csv"]\n',
    )
    place = load_place(tmp_path)
    note = place.report[place.report["field"] == WHOLE_FILE].iloc[0]
    assert (note["partner"], note["file"]) == ("postcode lookup", "postcodes.csv")
    assert note["outcome"] == "loaded with warnings"
    assert "1 postcode has no usable" in note["problem"] and "M2 2AA" in note["problem"]
    # HQ is placed by its postcode (a warning says so); the Annexe is excluded on its own line;
    # only the two register rows are counted
    assert outcome_counts(place.report) == {"loaded": 0, "loaded with warnings": 1, "excluded": 1}


def test_a_place_joins_deprivation_from_its_own_imd_file(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "demand.csv").write_text(
        "zone_id,lsoa_id,population,x,y\nE00000001,E01000001,300,378000,392000\nE00000002,E01000002,200,378500,392000\n"
    )
    (tmp_path / "imd.csv").write_text("lsoa_code,imd_decile\nE01000001,2\nE01000002,9\n")
    write_place(
        tmp_path,
        'name = "Tiny"\n'
        '[demand]\nfile = "demand.csv"\nimd = "imd.csv"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n',
    )
    place = load_place(tmp_path)
    assert place.demand.set_index("zone_id")["imd_decile"].to_dict() == {"E00000001": 2, "E00000002": 9}
    before = place.manifest.digest()
    (tmp_path / "imd.csv").write_text("lsoa_code,imd_decile\nE01000001,3\nE01000002,9\n")
    assert place.manifest.digest() != before  # editing the IMD file is seen by the caches


def test_an_unreadable_partner_file_is_reported_and_the_others_still_load(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "fire.csv").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "probation.csv").write_text("")
    write_place(
        tmp_path,
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        '[[partners]]\nname = "Fire"\ntype = "fire"\nfiles = ["fire.csv"]\n'
        '[[partners]]\nname = "Probation"\ntype = "other"\nfiles = ["probation.csv"]\n',
    )
    place = load_place(tmp_path)
    assert list(place.holdings["name"]) == ["HQ"]
    whole = place.report[place.report["field"] == WHOLE_FILE].set_index("file")
    assert set(whole.index) == {"fire.csv", "probation.csv"}
    assert set(whole["outcome"]) == {"excluded"}
    assert "fire.csv" in whole.at["fire.csv", "problem"]
    assert "is empty" in whole.at["probation.csv", "problem"]
    assert whole.at["fire.csv", "partner"] == "Fire"


def council_and(tmp_path, partner: str, kind: str, file: str, text: str):
    """A tiny place: the council's HQ (columns mapped in the manifest) and another partner's one file."""
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / file).write_text(text)
    return write_place(
        tmp_path,
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        f'[[partners]]\nname = "{partner}"\ntype = "{kind}"\nfiles = ["{file}"]\n',
    )


def test_a_partner_file_the_loader_fails_on_unexpectedly_is_one_line_and_the_others_load(tmp_path, monkeypatch):
    council_and(tmp_path, "NHS", "nhs", "nhs.csv", "Site,E,N\nClinic,378100,392000\n")
    real_load_file = place_module.load_file

    def failing_on_nhs(path, spec, **kwargs):
        if spec.partner == "NHS":
            raise TypeError("Cannot compare tz-naive and tz-aware timestamps")
        return real_load_file(path, spec, **kwargs)

    monkeypatch.setattr(place_module, "load_file", failing_on_nhs)
    place = load_place(tmp_path)
    assert list(place.holdings["name"]) == ["HQ"]
    line = place.report[place.report["field"] == WHOLE_FILE].iloc[0]
    assert (line["partner"], line["file"], line["outcome"]) == ("NHS", "nhs.csv", "excluded")
    assert "'nhs.csv' could not be loaded" in line["problem"] and "TypeError" in line["problem"]


def test_a_header_only_partner_file_is_a_line_of_the_report(tmp_path):
    council_and(tmp_path, "Police", "police", "police.csv", "Site Name,Easting,Northing\n")
    place = load_place(tmp_path)
    line = place.report[place.report["file"] == "police.csv"]
    assert line[["partner", "field", "outcome"]].values.tolist() == [["Police", WHOLE_FILE, "excluded"]]
    assert line["problem"].iloc[0] == "'police.csv' has column names but no rows"
    assert outcome_counts(place.report)["excluded"] == 0  # a line about the file, not a row


def test_validate_files_puts_each_file_it_could_not_load_in_the_report(tmp_path, capsys):
    (tmp_path / "good.csv").write_text("Site Name,Easting,Northing\nHQ,378000,392000\n")
    (tmp_path / "header_only.csv").write_text("Site Name,Easting,Northing\n")
    (tmp_path / "empty.csv").write_text("")
    files = [str(tmp_path / name) for name in ("good.csv", "header_only.csv", "empty.csv")]
    assert main(["validate", *files, "--report", str(tmp_path / "report.csv")]) == 0
    assert "Validated 1 of 3 file(s): 1 rows" in capsys.readouterr().out
    report = pd.read_csv(tmp_path / "report.csv", encoding="utf-8-sig")
    whole = report[report["field"] == WHOLE_FILE].set_index("file")
    assert sorted(whole.index) == ["empty.csv", "header_only.csv"]
    assert set(whole["outcome"]) == {"excluded"} and whole["row"].isna().all()
    assert "is empty (0 bytes)" in whole.at["empty.csv", "problem"]
    assert whole.at["header_only.csv", "problem"] == "'header_only.csv' has column names but no rows"


REGISTER_WITH_IDS = "AssetCode,PropertyName,Easting,Northing\n"


def test_a_holding_in_two_files_of_one_partner_is_loaded_once(tmp_path):
    (tmp_path / "part1.csv").write_text(REGISTER_WITH_IDS + "A1,Town Hall,378000,392000\nB2,Depot,378100,392000\n")
    (tmp_path / "part2.csv").write_text(REGISTER_WITH_IDS + "C3,Library,378200,392000\nA1,Town Hall,378000,392000\n")
    (tmp_path / "nhs.csv").write_text(REGISTER_WITH_IDS + "A1,Clinic,378300,392000\n")  # another partner's A1
    write_place(
        tmp_path,
        'name = "Tiny"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["part1.csv", "part2.csv"]\n'
        '[[partners]]\nname = "NHS"\ntype = "nhs"\nfiles = ["nhs.csv"]\n',
    )
    place = load_place(tmp_path)
    assert sorted(place.holdings["name"]) == ["Clinic", "Depot", "Library", "Town Hall"]
    assert set(place.teams["holding_id"]) <= set(place.holdings["holding_id"])
    rows = row_outcomes(place.report).set_index(["file", "row"])["outcome"]
    assert rows[("part2.csv", 3)] == "excluded" and len(rows) == 5  # every row accounted for, once
    line = place.report[(place.report["file"] == "part2.csv") & (place.report["row"] == 3)]
    assert line["problem"].tolist() == ["holding id 'A1' is already loaded from 'part1.csv, row 2'"]
    assert line["holding_id"].isna().all()


def test_a_register_id_that_reads_like_a_row_number_is_still_the_holdings_own(tmp_path):
    # a holding with no id on row 2 is loaded as 'council:r2'; here 'r2' is the register's own asset code
    (tmp_path / "part1.csv").write_text(REGISTER_WITH_IDS + "r2,Town Hall,378000,392000\n,Depot,378100,392000\n")
    (tmp_path / "part2.csv").write_text(REGISTER_WITH_IDS + "r2,Town Hall,378000,392000\n")
    partner = '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["part1.csv", "part2.csv"]\n'
    write_place(tmp_path, 'name = "Tiny"\n' + partner)
    place = load_place(tmp_path)
    assert sorted(place.holdings["name"]) == ["Depot", "Town Hall"]
    ids = place.holdings.set_index("name")["register_id"]
    assert ids["Town Hall"] == "r2" and pd.isna(ids["Depot"])  # the register's own id, blank where it gave none
    line = place.report[(place.report["file"] == "part2.csv") & (place.report["row"] == 2)]
    assert line["problem"].tolist() == ["holding id 'r2' is already loaded from 'part1.csv, row 2'"]


def test_validate_files_of_one_partner_loads_a_repeated_holding_once(tmp_path, capsys):
    (tmp_path / "part1.csv").write_text(REGISTER_WITH_IDS + "A1,Town Hall,378000,392000\n,Depot,378100,392000\n")
    (tmp_path / "part2.csv").write_text(REGISTER_WITH_IDS + "A1,Town Hall,378000,392000\n,Store,378200,392000\n")
    files = [str(tmp_path / "part1.csv"), str(tmp_path / "part2.csv")]
    assert main(["validate", *files, "--partner", "Council", "--report", str(tmp_path / "report.csv")]) == 0
    printed = capsys.readouterr().out
    assert "holdings on the map          3" in printed
    report = pd.read_csv(tmp_path / "report.csv", encoding="utf-8-sig")
    excluded = report[report["outcome"] == "excluded"]
    assert excluded[["file", "row"]].values.tolist() == [["part2.csv", 2]]
    assert excluded["problem"].iloc[0] == "holding id 'A1' is already loaded from 'part1.csv, row 2'"


def matrix_place(tmp_path, matrix: str, *, drop_unmatched: bool | None = None):
    """A tiny place with a jobcentre, a council office, two zones and a travel-time matrix."""
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "dwp.csv").write_text("AssetCode,PropertyName,Easting,Northing\nJ1,Jobcentre,378400,392000\n")
    (tmp_path / "demand.csv").write_text(
        "zone_id,population,x,y\nE00000001,300,378000,392000\nE00000002,200,378500,392000\n"
    )
    (tmp_path / "times.csv").write_text(matrix)
    flag = "" if drop_unmatched is None else f"matrix_drop_unmatched = {str(drop_unmatched).lower()}\n"
    return write_place(
        tmp_path,
        'name = "Tiny"\n'
        f'[demand]\nfile = "demand.csv"\nmatrix = "times.csv"\n{flag}'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n'
        '[[partners]]\nname = "DWP"\ntype = "dwp"\n'
        '[[partners.files]]\npath = "dwp.csv"\n'
        'defaults = { use_class = "jobcentre", services = "jobcentre", occupied = true }\n',
    )


TIMES = "zone_id,site,minutes\nE00000001,Jobcentre,25\nE00000002,Jobcentre,12\n"


def test_a_place_measures_access_by_its_own_travel_time_matrix(tmp_path, capsys):
    directory = matrix_place(tmp_path, TIMES)
    place = load_place(directory)
    assert place.matrix is not None and set(place.matrix["cost"]) == {25.0, 12.0}
    # estate access uses it without --matrix: the jobcentre (20 minutes) reaches the second zone only
    assert main(["access", "--place", str(directory), "--out", str(tmp_path / "out")]) == 0
    rows = pd.read_csv(tmp_path / "out" / "access_by_service.csv").set_index("service")
    assert rows.at["jobcentre", "measure"] == "travel time, minutes (from times.csv)"
    assert rows.at["jobcentre", "share"] == pytest.approx(200 / 500)
    assert rows.at["gp", "measure"].startswith("straight-line km")  # a standard in km only
    # editing the matrix is seen by the caches
    before = place.manifest.digest()
    (tmp_path / "times.csv").write_text(TIMES.replace("25", "15"))
    assert place.manifest.digest() != before


def test_a_place_matrix_naming_unknown_zones_is_refused_unless_the_manifest_drops_them(tmp_path):
    times = TIMES + "E09999999,Jobcentre,5\n"
    matrix_place(tmp_path, times)
    with pytest.raises(EstateError, match="matrix_drop_unmatched = true under \\[demand\\]"):
        load_place(tmp_path)
    place = load_place(matrix_place(tmp_path, times, drop_unmatched=True))
    line = place.report[place.report["partner"] == "travel-time matrix"]
    assert line[["file", "field", "outcome"]].values.tolist() == [["times.csv", WHOLE_FILE, "loaded with warnings"]]
    assert "E09999999" in line["problem"].iloc[0]


def test_a_place_matrix_needs_the_zones_it_times_from(tmp_path):
    (tmp_path / "council.csv").write_text("Site,E,N\nHQ,378000,392000\n")
    (tmp_path / "times.csv").write_text(TIMES)
    write_place(
        tmp_path,
        'name = "Tiny"\n[demand]\nmatrix = "times.csv"\n'
        '[[partners]]\nname = "Council"\ntype = "council"\n'
        '[[partners.files]]\npath = "council.csv"\ncolumns = { "Site" = "name", "E" = "x", "N" = "y" }\n',
    )
    with pytest.raises(ManifestError, match="no demand file"):
        load_place(tmp_path)


def test_estate_optimise_measures_a_place_by_its_own_matrix(tmp_path):
    import json

    (tmp_path / "place").mkdir()
    directory = matrix_place(tmp_path / "place", TIMES)
    assert main(["optimise", "--place", str(directory), "--time-limit", "10", "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert "travel time, minutes (from times.csv) for Jobcentre Plus office" in summary["access_measure"]
    access = pd.read_csv(tmp_path / "out" / "access.csv").set_index("service")
    assert access.at["jobcentre", "unit"] == "min" and access.at["jobcentre", "share_before"] == pytest.approx(0.4)


def test_every_line_of_a_repeat_from_another_file_says_excluded(tmp_path):
    (tmp_path / "part1.csv").write_text(REGISTER_WITH_IDS + "A1,Town Hall,378000,392000\n")
    # the repeat has a warning of its own (a leasehold with no dates) besides being a repeat
    (tmp_path / "part2.csv").write_text(
        "AssetCode,PropertyName,Easting,Northing,Tenure\nA1,Town Hall,378000,392000,Leasehold\n"
    )
    partner = '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["part1.csv", "part2.csv"]\n'
    write_place(tmp_path, 'name = "Tiny"\n' + partner)
    report = load_place(tmp_path).report
    repeat = report[(report["file"] == "part2.csv") & (report["row"] == 2)]
    assert repeat["field"].tolist() == ["local_id", "lease_expiry"]  # the reason it is excluded first
    assert set(repeat["outcome"]) == {"excluded"}


def test_editing_the_planners_default_assumptions_is_seen_by_the_caches_of_a_place_without_its_own(
    tmp_path, monkeypatch
):
    # a plan made with the old benchmarks must not be shown for the new ones
    defaults = tmp_path / "assumptions.toml"
    defaults.write_text(DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr("estate.place.DEFAULT_ASSUMPTIONS", defaults)
    (tmp_path / "place" / "a.csv").parent.mkdir()
    (tmp_path / "place" / "a.csv").write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    write_place(tmp_path / "place", PARTNER)
    manifest = read_manifest(tmp_path / "place")
    before = manifest.digest()
    defaults.write_text(defaults.read_text(encoding="utf-8").replace("gia_m2 = ", "gia_m2 = 1", 1), encoding="utf-8")
    assert manifest.digest() != before


def test_service_points_of_a_service_the_standards_do_not_have_are_refused_with_the_closest(tmp_path):
    # a mistyped service would be attached to holdings and never measured
    (tmp_path / "a.csv").write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    (tmp_path / "libraries.csv").write_text("Site Name,Easting,Northing\nA,378000,392000\n")
    write_place(tmp_path, PARTNER + '[[service_points]]\npath = "libraries.csv"\nservice = "libary"\n')
    with pytest.raises(
        ManifestError, match="names service 'libary', which the access standards do not have: did you mean 'library'"
    ):
        load_place(tmp_path)


def test_the_report_names_a_list_of_service_points_by_its_service_in_words(trafford):
    partners = set(trafford.report["partner"])
    assert {"service points: Public library", "service points: Children's centre"} <= partners

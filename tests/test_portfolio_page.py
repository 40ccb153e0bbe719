"""The Portfolio page: picking a partner's file from the place folder, and where each partner's data came from."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from estate.place import read_manifest
from tests.conftest import ROOT, SAMPLE

TIMEOUT = 120
POLICE = (
    b"Site Name,Easting,Northing,GIA\n"
    b"New police hub,378000,392000,900\n"
    b"Second base,378500,392500,400\n"
    b"Third base,,,\n"  # no location: excluded, with the reason
)
PARTNER = "Greater Manchester Police"


def portfolio_of(folder) -> AppTest:
    """The Portfolio page with ``folder`` opened from the sidebar, as a user opens a place."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    next(t for t in at.sidebar.text_input if t.label == "Place folder").set_value(str(folder)).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def place_folder(tmp_path):
    """A copy of the sample place with one more register beside its files, not named in place.toml."""
    folder = tmp_path / "trafford"
    shutil.copytree(SAMPLE, folder)
    (folder / "police_register.csv").write_bytes(POLICE)
    return folder


def metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The page's dataframe that has ``column`` (the totals have ``running_cost``, the report ``outcome``)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def files_markdown(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Where each partner's holdings came from**"))


def files_table(at: AppTest) -> pd.DataFrame:
    """The files table as the page shows it, read back from its Markdown (cells unescaped)."""
    lines = [line.strip() for line in files_markdown(at).splitlines() if line.startswith("|")]

    def cells(line: str) -> list[str]:
        return [re.sub(r"\\(.)", r"\1", c.strip()) for c in re.split(r"(?<!\\)\|", line[1:-1])]

    table = pd.DataFrame([cells(line) for line in lines[2:]], columns=cells(lines[0]))
    for column in ("Rows read", "Holdings"):
        table[column] = table[column].str.replace(",", "").astype(int)
    return table


def offered(at: AppTest) -> list[str]:
    """The files the page offers to pick from the place folder."""
    at.radio(key="register_source").set_value("picked from the place folder").run()
    assert not at.exception, at.exception
    return list(at.selectbox(key="pick_file").options)


def pick(at: AppTest, name: str, partner: str = PARTNER, partner_type: str = "police") -> AppTest:
    """Choose a file in the place folder and say whose it is, as a user does."""
    at.radio(key="register_source").set_value("picked from the place folder").run()
    at.selectbox(key="pick_file").set_value(name).run()
    at.text_input(key="upload_partner").set_value(partner).run()
    at.selectbox(key="upload_type").set_value(partner_type).run()
    assert not at.exception, at.exception
    return at


def test_a_picked_file_is_loaded_for_its_partner(place_folder):
    at = portfolio_of(place_folder)
    before = metrics(at)
    assert before["Holdings on the map"] == 435 and before["Partners"] == 7
    # only the file the manifest does not use is offered: not the registers, boundary, postcodes or demand
    assert offered(at) == ["police_register.csv"]

    pick(at, "police_register.csv")
    mapping = table_with(at, "field").set_index("column")["field"].to_dict()
    assert mapping == {"Site Name": "name", "Easting": "x", "Northing": "y", "GIA": "gia_m2"}
    at.button(key="load_register").click().run()
    assert not at.exception, at.exception
    assert any(s.value == f"police_register.csv: 2 holdings loaded for {PARTNER}." for s in at.success)

    after = metrics(at)
    assert after["Holdings on the map"] == 437
    assert after["Partners"] == 8
    assert after["Rows loaded"] == before["Rows loaded"] + 2
    assert after["Loaded with warnings"] == before["Loaded with warnings"]
    assert after["Excluded (reason given)"] == before["Excluded (reason given)"] + 1

    totals = table_with(at, "running_cost").set_index("partner")
    assert len(totals) == 8
    assert totals.loc[PARTNER, "holdings"] == 2
    assert totals.loc[PARTNER, "gia_m2"] == pytest.approx(1300.0)
    assert totals.loc["Trafford Council", "holdings"] == 395

    at.multiselect[0].set_value(["loaded", "loaded with warnings", "excluded"]).run()
    report = table_with(at, "outcome")
    mine = report[report["file"] == "police_register.csv"].set_index("row")
    assert list(mine.index) == [2, 3, 4]
    assert set(mine["partner"]) == {PARTNER}
    assert list(mine["outcome"]) == ["loaded", "loaded", "excluded"]
    assert list(mine["name"]) == ["New police hub", "Second base", "Third base"]
    assert mine.loc[4, "field"] == "location" and pd.isna(mine.loc[4, "holding_id"])

    files = files_table(at)
    manifest = read_manifest(place_folder)
    assert files["File"].tolist()[:-1] == [f.path.name for f in manifest.files] + [
        p.path.name for p in manifest.service_points
    ]
    assert files.iloc[-1].to_dict() == {
        "Partner": PARTNER,
        "File": "police_register.csv",
        "How it came in": "picked from the place folder",
        "Rows read": 3,
        "Holdings": 2,
    }
    assert "| police\\_register.csv |" in files_markdown(at)  # shown as named, not as Markdown emphasis
    # once loaded, the file is no longer offered
    assert not any(w.key == "pick_file" for w in at.selectbox)
    assert any("already loaded" in i.value for i in at.info)


def test_a_loaded_register_is_said_to_be_a_preview_that_plans_do_not_use(place_folder):
    """The figures count an added register, the Place page and plans do not: the page says so, and how to add it."""
    at = portfolio_of(place_folder)
    assert not [i.value for i in at.info if "preview" in i.value]  # nothing added, nothing to say
    pick(at, "police_register.csv").button(key="load_register").click().run()
    assert not at.exception, at.exception
    assert metrics(at)["Holdings on the map"] == 437
    notices = [i.value for i in at.info if "preview" in i.value]
    assert len(notices) == 1, [i.value for i in at.info]
    notice = notices[0]
    assert "The 1 register added on this page (2 holdings) is a preview" in notice
    assert "use only the files named in `trafford/place.toml`" in notice
    assert f"put it in `{place_folder}`" in notice and "`[[partners]]`" in notice
    assert "A place is a folder" in notice
    assert any("for this page only" in m.value and "police_register.csv" in m.value for m in at.markdown)


def test_the_files_table_lists_every_file_the_manifest_loads():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    assert not at.exception, at.exception
    files = files_table(at)
    manifest = read_manifest(SAMPLE)
    assert list(zip(files["Partner"], files["File"], strict=True)) == [
        (f.spec.partner, f.path.name) for f in manifest.files
    ] + [
        ("service points: Public library", "service_points_libraries.csv"),
        ("service points: Children's centre", "service_points_childrens_centres.csv"),
    ]
    assert set(files["How it came in"]) == {"named in place.toml"}
    # every row the validation report counts is in a file listed here
    assert files["Rows read"].sum() == 663
    by_file = files.set_index("File")
    assert by_file.loc["council_land_and_buildings.csv", ["Rows read", "Holdings"]].tolist() == [608, 395]
    assert by_file.loc["nhs_gp_practices.csv", ["Rows read", "Holdings"]].tolist() == [26, 26]
    assert by_file.loc["nhs_hospitals.geojson", ["Rows read", "Holdings"]].tolist() == [2, 2]
    assert by_file.loc["fire_stations.csv", ["Rows read", "Holdings"]].tolist() == [3, 3]
    assert files["Holdings"].sum() == 435 == metrics(at)["Holdings on the map"]
    assert list(files.columns) == ["Partner", "File", "How it came in", "Rows read", "Holdings"]  # no notes


def test_a_picked_file_that_is_not_a_register_is_refused_and_earlier_ones_kept(place_folder):
    (place_folder / "photo.csv").write_bytes(bytes(range(256)) * 8)
    (place_folder / "scan.xlsx").write_bytes(b"PK\x03\x04 not really a workbook" * 10)
    at = portfolio_of(place_folder)
    assert offered(at) == ["photo.csv", "police_register.csv", "scan.xlsx"]
    pick(at, "police_register.csv").button(key="load_register").click().run()
    assert metrics(at)["Holdings on the map"] == 437

    for name, words in (("photo.csv", "its content is binary"), ("scan.xlsx", "damaged zip archive")):
        pick(at, name, partner="Somebody else", partner_type="other")
        assert not at.exception, at.exception
        errors = [e.value for e in at.error]
        assert any(f"'{name}'" in e and words in e for e in errors), errors
        assert not any(w.key == "load_register" for w in at.button)  # nothing to load from it
        assert metrics(at)["Holdings on the map"] == 437
        files = files_table(at)
        assert files["File"].tolist()[-1] == "police_register.csv"
        assert name not in files["File"].tolist()
        assert any(f"police_register.csv ({PARTNER})" in m.value for m in at.markdown)
    assert offered(at) == ["photo.csv", "scan.xlsx"]


def test_a_partner_named_like_a_template_tag_is_loaded_and_mapped():
    """Names are the user's words: ``{%`` in one must not stop the page or change what is shown."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    at.file_uploader(key="register_upload").set_value(("police.csv", POLICE, "text/csv")).run()
    at.text_input(key="upload_partner").set_value("Police {% HQ {{ 7*7 }}").run()
    at.button(key="load_register").click().run()
    assert not at.exception, at.exception
    assert metrics(at)["Holdings on the map"] == 437
    totals = table_with(at, "running_cost").set_index("partner")
    assert totals.loc["Police {% HQ {{ 7*7 }}", "holdings"] == 2
    assert files_table(at).iloc[-1][["Partner", "File", "How it came in"]].tolist() == [
        "Police {% HQ {{ 7*7 }}",
        "police.csv",
        "uploaded",
    ]


def test_one_holding_loaded_is_counted_in_the_singular():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    one = b"Site Name,Easting,Northing\nFar away,300000,300000\n"  # well outside Trafford
    at.file_uploader(key="register_upload").set_value(("one.csv", one, "text/csv")).run()
    at.text_input(key="upload_partner").set_value(PARTNER).run()
    at.button(key="load_register").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [f"one.csv: 1 holding loaded for {PARTNER}."]
    # the sample's three holdings outside the boundary, and this one
    assert any(i.value.startswith("4 holdings lie outside Trafford's boundary") for i in at.info)


def test_a_manifest_file_that_cannot_be_read_is_listed_with_a_note(tmp_path):
    folder = tmp_path / "trafford"
    shutil.copytree(SAMPLE, folder)
    (folder / "probation_offices.csv").write_bytes(bytes(range(256)) * 8)
    # read, with a note that it was read as Windows-1252: not a file that could not be read
    fire = folder / "fire_stations.csv"
    fire.write_bytes(fire.read_text(encoding="utf-8").replace("Altrincham", "Altrincham caf\u00e9").encode("cp1252"))
    at = portfolio_of(folder)
    assert metrics(at)["Holdings on the map"] == 434  # the sample's one probation office is missing
    files = files_table(at).set_index("File")
    assert files.loc["probation_offices.csv", ["Partner", "Rows read", "Holdings", "Note"]].tolist() == [
        "Probation Service",
        0,
        0,
        "could not be read: see the validation report",
    ]
    assert files.loc["fire_stations.csv", "Note"] == ""


def test_a_teams_file_is_checked_row_by_row_against_the_holdings_on_the_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    teams = (
        b"UPRN,Partner,Service,FTE\n"
        b"100012797623,Trafford Council,adult social care,40\n"  # Altrincham Town Hall
        b"100012797623,NHS Trafford,community nursing,25.5\n"
        b"9999,NHS Trafford,district nursing,5\n"  # no such holding: excluded, with the reason
    )
    at.file_uploader(key="teams_upload").set_value(("teams.csv", teams, "text/csv")).run()
    assert not at.exception, at.exception
    summary = next(m.value for m in at.markdown if m.value.startswith("**teams.csv**"))
    assert "3 rows read; 2 teams placed from the file, 65.5 FTE, in 1 holding; 1 row excluded" in summary
    checked = table_with(at, "fte")
    assert sorted(checked["partner"]) == ["NHS Trafford", "Trafford Council"]
    assert set(checked["holding"]) == {"Altrincham Town Hall"}
    # the teams file's own lines: one per row, apart from the place's validation report
    rows = [d.value for d in at.dataframe if "outcome" in d.value.columns][-1]
    assert set(rows["file"]) == {"teams.csv"} and set(rows["row"]) == {2, 3, 4}
    excluded = rows[rows["outcome"] == "excluded"]
    assert excluded["row"].tolist() == [4] and "9999" in excluded.iloc[0]["problem"]
    # the place itself is unchanged: its runs use the teams files named in place.toml
    assert metrics(at)["Holdings on the map"] == 435


def test_a_teams_file_whose_rows_are_all_excluded_places_no_team():
    """The summary counts the file's rows, once each, and never the holding's modelled occupants as its teams."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    teams = (
        b"UPRN,Partner,Service,FTE\n"
        b"100012797623,Trafford Council,,lots\n"  # Altrincham Town Hall: no service (a warning), no FTE (excluded)
        b"9999,,district nursing,5\n"  # no partner and no such holding: excluded twice over
    )
    at.file_uploader(key="teams_upload").set_value(("teams.csv", teams, "text/csv")).run()
    assert not at.exception, at.exception
    rows = [d.value for d in at.dataframe if "outcome" in d.value.columns][-1]
    assert len(rows) > 2  # several lines for the two rows
    summary = next(m.value for m in at.markdown if m.value.startswith("**teams.csv**"))
    assert "2 rows read; 0 teams placed from the file, 0.0 FTE, in 0 holdings; 2 rows excluded" in summary, summary
    assert table_with(at, "fte").empty


def test_an_unreadable_teams_file_is_refused_by_name_without_a_traceback():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page("pages/portfolio.py").run()
    at.file_uploader(key="teams_upload").set_value(("teams.csv", b"", "text/csv")).run()
    assert not at.exception, at.exception
    assert any("teams.csv" in e.value and "empty" in e.value for e in at.error), [e.value for e in at.error]


def test_a_checked_teams_file_lists_its_own_teams_not_the_place_s(place_folder):
    """The place's own teams file (named in place.toml) is not mixed into the check of another."""
    own = b"UPRN,Partner,Service,FTE\n100012800714,Trafford Council,youth service,12\n"  # Broomwood Centre
    (place_folder / "teams.csv").write_bytes(own)
    with (place_folder / "place.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[[teams]]\npath = "teams.csv"\n')
    at = portfolio_of(place_folder)
    other = b"UPRN,Partner,Service,FTE\n100012797623,NHS Trafford,community nursing,25.5\n"
    at.file_uploader(key="teams_upload").set_value(("more_teams.csv", other, "text/csv")).run()
    assert not at.exception, at.exception
    checked = table_with(at, "fte")
    assert checked[["holding", "partner", "fte"]].values.tolist() == [["Altrincham Town Hall", "NHS Trafford", 25.5]]

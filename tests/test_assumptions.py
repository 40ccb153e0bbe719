"""Benchmark assumptions: a place's own file, malformed files, and the values they model."""

from __future__ import annotations

import re

import pytest

from estate.assumptions import DEFAULT_ASSUMPTIONS, load_assumptions
from estate.errors import InputFileError
from estate.load import PartnerFile, load_file
from estate.place import load_place

COUNCIL = PartnerFile("Council", "council")


def edited(section: str, key: str, value: str) -> str:
    """The default assumptions with ``key`` in ``[section]`` set to ``value`` (TOML text)."""
    text = DEFAULT_ASSUMPTIONS.read_text(encoding="utf-8")
    line = re.compile(rf"^{key} = .*$", re.MULTILINE).search(text, text.index(f"[{section}]\n"))
    return text[: line.start()] + f"{key} = {value}" + text[line.end() :]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_file_loads_with_every_use_class():
    defaults = load_assumptions()
    assert defaults.path == str(DEFAULT_ASSUMPTIONS)
    assert defaults.figure("office", "running_cost_gbp_per_m2") == 558
    assert defaults.occupancy["m2_per_workstation"] == 6.0
    assert defaults.flag("hospital", "locked_retain") and not defaults.flag("office", "locked_retain")
    # An unknown use class falls back to "other".
    assert defaults.figure("observatory", "gia_m2") == defaults.figure("other", "gia_m2") == 500


def test_a_places_own_assumptions_file_overrides_a_default_benchmark(tmp_path):
    write(tmp_path, "assumptions.toml", edited("use_class.office", "running_cost_gbp_per_m2", "600"))
    write(
        tmp_path,
        "place.toml",
        'name = "Testshire"\nassumptions = "assumptions.toml"\n\n'
        '[[partners]]\nname = "Council"\ntype = "council"\nfiles = ["register.csv"]\n',
    )
    register = write(
        tmp_path,
        "register.csv",
        "Site Name,Use Class,GIA,Running Cost,Easting,Northing\n"
        "Civic Offices,office,1000,,378000,392000\n"
        "Annexe,office,1000,90000,378100,392000\n",
    )
    with_defaults = load_file(register, COUNCIL).holdings
    place = load_place(tmp_path)
    assert place.assumptions.path == str(tmp_path / "assumptions.toml")
    ours = place.holdings.set_index("name")
    assert with_defaults.loc[0, "running_cost_gbp"] == 558_000
    assert ours.loc["Civic Offices", "running_cost_gbp"] == 600_000
    assert ours.loc["Civic Offices", "running_cost_gbp_source"] == "modelled"
    # A supplied value is never replaced by a benchmark.
    assert ours.loc["Annexe", "running_cost_gbp"] == 90_000
    assert ours.loc["Annexe", "running_cost_gbp_source"] == "supplied"


def test_modelled_values_follow_the_documented_formulas(tmp_path):
    register = write(
        tmp_path,
        "register.csv",
        "Site Name,Use Class,GIA,Site Area (ha),Easting,Northing\n"
        "Civic Offices,office,1000,,378000,392000\n"
        "Firs Field,land,,2,378100,392000\n",
    )
    h = load_file(register, COUNCIL).holdings.set_index("name")
    office, land = h.loc["Civic Offices"], h.loc["Firs Field"]
    # office: £558/m2 running, £1,500/m2 value, £60/m2 backlog; 95 + 120 kWh/m2 at 0.207 and 0.183 kg/kWh.
    assert office["running_cost_gbp"] == 558_000 and office["market_value_gbp"] == 1_500_000
    assert office["backlog_gbp"] == 60_000
    assert office["workstations"] == 133  # floor(1000 x 1.0 x 0.8 / 6)
    assert office["energy_kwh"] == 215_000
    assert office["tco2e"] == pytest.approx((95_000 * 0.207 + 120_000 * 0.183) / 1000)
    # land: by the hectare from the register's site area, no floor area.
    assert land["gia_m2"] == 0
    assert land["running_cost_gbp"] == 4_000 and land["market_value_gbp"] == 1_000_000
    for field in ("running_cost_gbp", "market_value_gbp", "workstations", "energy_kwh", "tco2e", "backlog_gbp"):
        assert (h[f"{field}_source"] == "modelled").all(), field


def test_running_cost_is_derived_from_its_parts(tmp_path):
    register = write(
        tmp_path,
        "register.csv",
        "Site Name,Use Class,GIA,Rent,Business Rates,Energy Cost,Maintenance,Running Cost,Easting,Northing\n"
        'All parts,office,1000,"£50,000",20000,15000,5000,,378000,392000\n'
        "Rent only,office,1000,40000,,,,,378100,392000\n"
        "No parts,office,1000,,,,,,378200,392000\n"
        "Total given,office,1000,40000,10000,,,75000,378300,392000\n",
    )
    h = load_file(register, COUNCIL).holdings.set_index("name")
    assert h.loc["All parts", "running_cost_gbp"] == 90_000
    assert h.loc["All parts", "running_cost_gbp_source"] == "derived"
    assert [h.loc["All parts", f"{part}_source"] for part in ("rent_gbp", "rates_gbp", "energy_cost_gbp")] == [
        "supplied"
    ] * 3
    assert h.loc["Rent only", "running_cost_gbp"] == 40_000
    assert h.loc["Rent only", "running_cost_gbp_source"] == "derived"
    assert h.loc["No parts", "running_cost_gbp"] == 558_000
    assert h.loc["No parts", "running_cost_gbp_source"] == "modelled"
    assert h.loc["Total given", "running_cost_gbp"] == 75_000
    assert h.loc["Total given", "running_cost_gbp_source"] == "supplied"


def test_a_file_that_is_not_toml_is_refused_with_its_name_and_line(tmp_path):
    path = write(tmp_path, "assumptions.toml", "version = 1\n[use_class.office\ngia_m2 = 1500\n")
    with pytest.raises(InputFileError, match=r"assumptions file 'assumptions.toml' is not valid TOML: .*line 2"):
        load_assumptions(path)


def test_a_missing_file_is_refused_with_its_path(tmp_path):
    with pytest.raises(InputFileError, match=r"assumptions file '.*nowhere\.toml' does not exist"):
        load_assumptions(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("section", "key", "value", "problem"),
    [
        ("use_class.office", "value_gbp_per_m2", "-1500", "[use_class.office] value_gbp_per_m2 = -1500 is negative"),
        ("use_class.library", "gia_m2", '"lots"', "[use_class.library] gia_m2 = 'lots' is not a number"),
        ("use_class.depot", "gia_m2", "inf", "[use_class.depot] gia_m2 = inf is not a finite number"),
        (
            "use_class.clinic",
            "backlog_gbp_per_m2",
            "nan",
            "[use_class.clinic] backlog_gbp_per_m2 = nan is not a number",
        ),
        ("use_class.school", "office_share", "true", "[use_class.school] office_share = True is not a number"),
        ("use_class.hospital", "can_host", '"no"', "[use_class.hospital] can_host = 'no' is not true or false"),
        ("occupancy", "m2_per_workstation", '"six"', "[occupancy] m2_per_workstation = 'six' is not a number"),
        ("carbon", "fossil_kg_per_kwh", "-0.183", "[carbon] fossil_kg_per_kwh = -0.183 is negative"),
    ],
)
def test_a_bad_benchmark_is_refused_naming_the_file_and_key(tmp_path, section, key, value, problem):
    path = write(tmp_path, "ours.toml", edited(section, key, value))
    with pytest.raises(InputFileError) as refused:
        load_assumptions(path)
    assert str(refused.value) == f"assumptions file 'ours.toml': {problem}."


def test_every_problem_in_a_file_is_named_at_once(tmp_path):
    text = edited("use_class.office", "gia_m2", "-1").replace(
        "[use_class.library]\ngia_m2 = 700\n", "[use_class.library]\n"
    )
    text += '\n[[classify]]\nuse_class = "pub"\nwords = ["arms"]\n'
    path = write(tmp_path, "ours.toml", text)
    with pytest.raises(InputFileError) as refused:
        load_assumptions(path)
    assert str(refused.value) == (
        "assumptions file 'ours.toml': [use_class.office] gia_m2 = -1 is negative; "
        "[use_class.library] lacks gia_m2; [[classify]] rule 15 names use class 'pub'."
    )


@pytest.mark.parametrize(
    ("name", "use_class"),
    [
        # a word inside another word is not that word
        ("Longford Park, Male Vets and Ladies Bowls Clubhouse", "leisure"),
        ("Liverpool Road Offices", "office"),
        ("Marshall Court", None),
        # plurals are the word
        ("Gorse Hill Allotments", "land"),
        ("Longford Park Old Stables: Parks Stores", "depot"),
    ],
)
def test_a_use_class_is_read_from_whole_words_of_a_name(name, use_class):
    assert load_assumptions().classify_text(name) == use_class

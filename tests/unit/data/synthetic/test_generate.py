"""Generated data is reproducible, valid for every registry, coherent and plausibly Vietnamese."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.unit.data.synthetic.conftest import PEOPLE, SEED, read_jsonl

from lienthong.data import read_rows
from lienthong.data.synthetic import (
    FILES,
    GENERATOR_VERSION,
    RECORD_TYPES,
    GenerateProgress,
    Rates,
    Summary,
    generate,
    iter_records,
    records,
)
from lienthong.errors import LienthongError
from lienthong.systems.core import core_registry
from lienthong.vn.ids import parse_pin, parse_plate, parse_tax_code
from lienthong.vn.units import commune

RECORD_TYPE_OF = core_registry().record_types()


def identity(record_type: str, content: dict[str, Any]) -> str:
    """Return a record's identifier, some of which (parcel, payment) are derived on validation."""
    record = RECORD_TYPE_OF[record_type]
    return record.record_id(record.validate(content))


def digests(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
    }


def by_type(stream: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in RECORD_TYPES}
    for record_type, content in stream:
        grouped[record_type].append(content)
    return grouped


def test_files_are_numbered_in_import_order_with_a_manifest(national: Summary) -> None:
    names = sorted(path.name for path in national.out.iterdir())
    assert names == [
        "01-population-Person.jsonl",
        "02-enterprises-Enterprise.jsonl",
        "03-land-Parcel.jsonl",
        "04-vehicles-Vehicle.jsonl",
        "05-tax-Taxpayer.jsonl",
        "06-finance-BudgetUnit.jsonl",
        "07-finance-FeePayment.jsonl",
        "manifest.json",
    ]
    manifest = json.loads(national.manifest.read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["people"], manifest["version"]) == (
        SEED,
        PEOPLE,
        GENERATOR_VERSION,
    )
    assert [entry["rows"] for entry in manifest["files"]] == [file.rows for file in national.files]
    assert national.counts["Person"] == PEOPLE


def test_the_same_seed_gives_identical_bytes_and_another_seed_other_data(tmp_path: Path) -> None:
    first = generate(people=400, seed=5, out=tmp_path / "a")
    again = generate(people=400, seed=5, out=tmp_path / "b")
    other = generate(people=400, seed=6, out=tmp_path / "c")
    assert digests(first.out) == digests(again.out)
    changed = digests(other.out)
    person = "01-population-Person.jsonl"
    assert changed[person] != digests(first.out)[person]


def test_parquet_output_is_reproducible_and_reads_back(tmp_path: Path) -> None:
    first = generate(people=300, seed=5, out=tmp_path / "a", format="parquet")
    again = generate(people=300, seed=5, out=tmp_path / "b", format="parquet")
    assert digests(first.out) == digests(again.out)
    jsonl = generate(people=300, seed=5, out=tmp_path / "c")
    for parquet_file, jsonl_file in zip(first.files, jsonl.files, strict=True):
        parquet_rows = [row for _, row in read_rows(parquet_file.path)]
        assert parquet_rows == read_jsonl(jsonl_file.path)


def test_csv_output_names_every_column_and_holds_every_row(tmp_path: Path) -> None:
    summary = generate(people=200, seed=5, out=tmp_path, format="csv")
    for file, layout in zip(summary.files, FILES, strict=True):
        header = file.path.read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == layout.column_names
        assert sum(1 for _ in read_rows(file.path)) == file.rows


def test_every_record_of_every_type_is_valid_for_its_registry(
    national_records: list[tuple[str, dict[str, Any]]],
) -> None:
    grouped = by_type(national_records)
    assert all(grouped[name] for name in RECORD_TYPES)
    for record_type, contents in grouped.items():
        for content in contents:
            RECORD_TYPE_OF[record_type].validate(content)


def test_the_files_hold_the_stream_in_file_order(
    national: Summary, national_records: list[tuple[str, dict[str, Any]]]
) -> None:
    grouped = by_type(national_records)
    for file in national.files:
        assert read_jsonl(file.path) == grouped[file.record_type]


def test_iter_records_gives_one_type_of_the_same_run() -> None:
    stream = [content for kind, content in records(people=500, seed=2) if kind == "Vehicle"]
    assert list(iter_records("Vehicle", people=500, seed=2)) == stream


def test_pins_are_unique_and_encode_sex_birth_year_and_a_real_province(
    national_records: list[tuple[str, dict[str, Any]]],
) -> None:
    people = by_type(national_records)["Person"]
    pins = [person["pin"] for person in people]
    assert len(set(pins)) == len(pins) == PEOPLE
    for person in people:
        parsed = parse_pin(person["pin"])
        assert parsed.sex.value == person["sex"]
        assert parsed.birth_year == int(person["birth_date"][:4])


def test_identifiers_are_unique_within_their_registry(
    national_records: list[tuple[str, dict[str, Any]]],
) -> None:
    for record_type, contents in by_type(national_records).items():
        ids = [identity(record_type, content) for content in contents]
        assert len(set(ids)) == len(ids), record_type
    enterprises = by_type(national_records)["Enterprise"]
    for enterprise in enterprises:
        parse_tax_code(enterprise["code"])  # the check digit holds
    vehicles = by_type(national_records)["Vehicle"]
    assert all(parse_plate(vehicle["plate"]).text == vehicle["plate"] for vehicle in vehicles)


def references(record_type: str, content: dict[str, Any]) -> list[tuple[str, str]]:
    """Return every (target type, id) a generated record refers to, enforced or not."""
    wanted = [
        (reference.target, value)
        for reference in RECORD_TYPE_OF[record_type].references
        for value in reference.values(content)
    ]
    if record_type == "Person":
        wanted += [
            ("Person", content[key])
            for key in ("father_pin", "mother_pin", "spouse_pin")
            if key in content
        ]
    return wanted


def test_every_reference_points_into_the_generated_set_and_comes_after_its_target(
    national_records: list[tuple[str, dict[str, Any]]],
) -> None:
    seen: set[tuple[str, str]] = set()
    people: set[str] = set()
    for record_type, content in national_records:
        if record_type == "Person":
            people.add(content["pin"])
    for record_type, content in national_records:
        for target, value in references(record_type, content):
            # Relatives are written together with their household: look them up in the set.
            assert (target, value) in seen or (target == "Person" and value in people), (
                record_type,
                target,
                value,
            )
        seen.add((record_type, identity(record_type, content)))


def test_spouses_name_each_other_and_children_carry_the_fathers_family_name(
    national_records: list[tuple[str, dict[str, Any]]],
) -> None:
    people = {person["pin"]: person for person in by_type(national_records)["Person"]}
    couples = [person for person in people.values() if "spouse_pin" in person]
    assert couples
    for person in couples:
        assert people[person["spouse_pin"]]["spouse_pin"] == person["pin"]
    children = [person for person in people.values() if "father_pin" in person]
    assert children
    for child in children:
        assert child["family_name"] == people[child["father_pin"]]["family_name"]
    assert any(person["status"] == "deceased" for person in people.values())
    assert any(len(person["birth_date"]) == 4 for person in people.values())


def test_family_names_and_residence_follow_the_countrys_proportions() -> None:
    families: Counter[str] = Counter()
    provinces: Counter[str | None] = Counter()
    groups: Counter[str] = Counter()
    for person in iter_records("Person", people=20_000, seed=3):
        families[person["family_name"]] += 1
        provinces[commune(person["permanent_residence"]["commune"]).province_code] += 1
        groups[person["ethnic_group"]] += 1
    assert 0.33 <= families["Nguyễn"] / 20_000 <= 0.43
    assert families.most_common(3)[1][0] == "Trần"
    # Hà Nội (8.6 %) and Hồ Chí Minh City with Bình Dương and Bà Rịa–Vũng Tàu (13.4 %).
    assert 0.19 <= (provinces["01"] + provinces["79"]) / 20_000 <= 0.25
    assert len(provinces) == 34
    assert 0.80 <= groups["01"] / 20_000 <= 0.90


def test_a_province_run_is_self_contained_and_is_that_provinces_share_of_the_country() -> None:
    chosen = ("01", "91")
    local = list(records(people=3000, seed=SEED, provinces=list(chosen)))
    national = {
        (kind, json.dumps(content, sort_keys=True))
        for kind, content in records(people=3000, seed=SEED)
    }
    assert {(kind, json.dumps(content, sort_keys=True)) for kind, content in local} <= national
    ids = {(kind, identity(kind, content)) for kind, content in local}
    for kind, content in local:
        for target, value in references(kind, content):
            assert (target, value) in ids
        partition = RECORD_TYPE_OF[kind].partition_of(RECORD_TYPE_OF[kind].validate(content))
        assert partition in chosen


def test_progress_is_reported_until_every_person_is_done(tmp_path: Path) -> None:
    steps: list[GenerateProgress] = []
    generate(people=12_000, seed=1, out=tmp_path, progress=steps.append)
    assert [step.people_done for step in steps] == [5000, 10_000, 12_000]
    assert steps[-1].people_total == 12_000


def test_rates_change_how_many_records_of_a_kind_are_made() -> None:
    none = Rates(enterprises=0, vehicles=0, parcels=0, individual_taxpayers=0, fee_payments=0)
    kinds = Counter(kind for kind, _ in records(people=500, seed=1, rates=none))
    assert set(kinds) == {"Person", "BudgetUnit"}


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({"people": -1}, "synthetic.people"),
        ({"people": 10, "provinces": ["89"]}, "synthetic.unknown_province"),
        ({"people": 10, "provinces": ["XX"]}, "synthetic.unknown_province"),
        ({"people": 10, "format": "xml"}, "synthetic.format"),
        ({"people": 10, "rates": Rates(vehicles=-1)}, "synthetic.rate"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    tmp_path: Path, arguments: dict[str, Any], code: str
) -> None:
    with pytest.raises(LienthongError) as caught:
        generate(seed=1, out=tmp_path / "out", **arguments)
    assert caught.value.code == code
    assert not (tmp_path / "out").exists()


def test_an_unwritable_directory_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(LienthongError) as caught:
        generate(people=10, seed=1, out=blocker / "out")
    assert caught.value.code == "synthetic.out_not_writable"

"""``make_legacy``: the extract, its ground truth and its mapping, for each kind and format."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import dbfread
import openpyxl
import pytest
from tests.unit.data.legacy.conftest import read_csv_bytes, read_truth

from lienthong.data.formats import read_rows
from lienthong.data.legacy import LegacyProgress, LegacySummary, make_legacy
from lienthong.data.legacy.damage import cmnd_for
from lienthong.data.synthetic import Summary
from lienthong.errors import LienthongError, VnError
from lienthong.linkage.mapping import load_mapping
from lienthong.vn import units
from lienthong.vn.ids import parse_parcel
from lienthong.vn.text import decode, fold
from lienthong.vn.units import successor

KINDS = ("population", "land", "driving")
FORMATS = ("csv", "xlsx", "dbf")


def _new_commune(code: str) -> str:
    """Return the post-2025 commune of a legacy commune code (old, or already new)."""
    try:
        return successor(code, level="commune").new.code
    except VnError:
        return units.commune(code).code


def _persons(registry: Summary) -> dict[str, dict[str, object]]:
    return {row["pin"]: row for _, row in read_rows(registry.files[0].path)}


def _parcels(registry: Summary) -> dict[str, dict[str, object]]:
    return {
        parse_parcel((row["commune"], row["map_sheet"], row["parcel_number"])).text: row
        for _, row in read_rows(registry.files[2].path)
    }


def _extract_rows(summary: LegacySummary) -> list[dict[str, bytes]]:
    """Return an extract's rows, whatever its format, as the raw bytes of each cell."""
    if summary.format == "csv":
        return read_csv_bytes(summary.extract)
    if summary.format == "dbf":
        table = dbfread.DBF(str(summary.extract), raw=True)
        return [{key: value.rstrip(b" ") for key, value in row.items()} for row in table]
    book = openpyxl.load_workbook(summary.extract, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    header = [str(cell) for cell in rows[0]]
    codec = "utf-8" if summary.encoding == "utf-8" else "latin-1"
    return [
        {key: (cell or "").encode(codec) for key, cell in zip(header, row, strict=True)}
        for row in rows[1:]
    ]


@pytest.fixture(scope="module")
def population(registry: Summary, tmp_path_factory: pytest.TempPathFactory) -> LegacySummary:
    """The national population extract of the shared registry."""
    return make_legacy(
        source=registry.out, kind="population", out=tmp_path_factory.mktemp("population")
    )


def test_the_same_seed_gives_the_same_bytes(registry: Summary, tmp_path: Path) -> None:
    for format in FORMATS:
        first = make_legacy(
            source=registry.out, kind="land", out=tmp_path / "a", format=format, seed=3
        )
        second = make_legacy(
            source=registry.out, kind="land", out=tmp_path / "b", format=format, seed=3
        )
        other = make_legacy(
            source=registry.out, kind="land", out=tmp_path / "c", format=format, seed=4
        )
        for mine, again in zip(first.files, second.files, strict=True):
            assert mine.read_bytes() == again.read_bytes(), mine
        assert first.extract.read_bytes() != other.extract.read_bytes()


def test_the_truth_matches_the_extract_row_for_row(population: LegacySummary) -> None:
    rows = _extract_rows(population)
    truth = read_truth(population.truth)
    assert len(rows) == len(truth) == population.rows
    assert [row["MA_DAN_CU"].decode() for row in rows] == [item["legacy_id"] for item in truth]
    assert len({item["legacy_id"] for item in truth}) == len(truth)


def test_matched_rows_are_the_registry_people_they_claim(
    registry: Summary, population: LegacySummary
) -> None:
    persons = _persons(registry)
    rows = _extract_rows(population)
    truth = read_truth(population.truth)
    matched = [(row, item) for row, item in zip(rows, truth, strict=True) if item["registry_id"]]
    assert len(matched) == population.matched
    same_given = 0
    for row, item in matched:
        person = persons[item["registry_id"]]
        identifier = row["SO_CMND"].decode()
        assert identifier in ("", person["pin"], cmnd_for(str(person["pin"])))
        home = person["permanent_residence"]
        assert isinstance(home, dict)
        assert _new_commune(row["MA_XA"].decode()) == home["commune"]
        if row["MA_HUYEN"]:
            old = units.commune(row["MA_XA"].decode(), on=units.LAST_DAY_BEFORE_REFORM)
            assert old.district_code == row["MA_HUYEN"].decode()
        assert (
            row["GIOI_TINH"].decode()
            in {"male": ("Nam",), "female": ("Nữ", "Nu")}[str(person["sex"])]
        )
        same_given += fold(str(person["given_name"])) in fold(row["HO_TEN"].decode())
    # Typing errors touch a few names; the given name survives in the rest.
    assert same_given / len(matched) > 0.9


def test_people_the_registry_lacks_have_identifiers_no_one_holds(
    registry: Summary, population: LegacySummary
) -> None:
    persons = _persons(registry)
    cmnds = {cmnd_for(pin) for pin in persons}
    rows = _extract_rows(population)
    truth = read_truth(population.truth)
    fresh = [row["SO_CMND"].decode() for row, item in zip(rows, truth, strict=True)]
    fresh = [
        value for value, item in zip(fresh, truth, strict=True) if not item["registry_id"] and value
    ]
    assert len(fresh) > 100
    assert not {value for value in fresh if len(value) == 12} & persons.keys()
    assert not {value for value in fresh if len(value) == 9} & cmnds


def test_overlap_and_duplicates_are_within_tolerance(population: LegacySummary) -> None:
    truth = read_truth(population.truth)
    assert 1900 < len(truth) < 2300
    clusters = Counter(item["cluster"] for item in truth)
    duplicates = sum(item["cluster"] != item["legacy_id"] for item in truth)
    assert duplicates == population.duplicates
    assert abs(duplicates / len(truth) - 0.05) < 0.015
    originals = [item for item in truth if item["cluster"] == item["legacy_id"]]
    assert abs(sum(bool(item["registry_id"]) for item in originals) / len(originals) - 0.8) < 0.03
    assert all(count == 2 for count in clusters.values() if count > 1)
    by_id = {item["legacy_id"]: item for item in truth}
    for item in truth:
        # A duplicate names its original, which comes first and is the same record.
        original = by_id[item["cluster"]]
        assert original["registry_id"] == item["registry_id"]
        assert truth.index(original) <= truth.index(item)


def test_other_rates_give_other_shares(registry: Summary, tmp_path: Path) -> None:
    summary = make_legacy(
        source=registry.out, kind="population", out=tmp_path, overlap=0.3, duplicates=0.2
    )
    assert abs(summary.duplicates / summary.rows - 0.2) < 0.03
    originals = summary.rows - summary.duplicates
    matched_originals = sum(
        1
        for item in read_truth(summary.truth)
        if item["registry_id"] and item["cluster"] == item["legacy_id"]
    )
    assert abs(matched_originals / originals - 0.3) < 0.04


def test_no_overlap_and_no_duplicates(registry: Summary, tmp_path: Path) -> None:
    summary = make_legacy(
        source=registry.out, kind="driving", out=tmp_path, overlap=0, duplicates=0
    )
    assert summary.rows > 0
    assert summary.matched == summary.duplicates == 0


def test_rows_caps_the_extract(registry: Summary, tmp_path: Path) -> None:
    summary = make_legacy(source=registry.out, kind="population", out=tmp_path, rows=150)
    assert summary.rows == 150
    assert len(read_truth(summary.truth)) == 150


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("format", FORMATS)
def test_each_kind_and_format_writes_a_file_its_mapping_reads(
    registry_csv: Summary, tmp_path: Path, kind: str, format: str
) -> None:
    summary = make_legacy(source=registry_csv.out, kind=kind, out=tmp_path, format=format)  # type: ignore[arg-type]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"{kind}.{format}", f"{kind}.truth.csv", f"{kind}.mapping.toml"]
    )
    mapping = tomllib.loads(summary.mapping.read_text(encoding="utf-8"))
    rows = _extract_rows(summary)
    assert len(rows) == summary.rows == len(read_truth(summary.truth))
    header = set(rows[0])
    assert set(mapping["source"]["id"]) <= header
    for rule in mapping["fields"].values():
        assert "value" in rule or rule["column"] in header
    loaded = load_mapping(summary.mapping).mapping
    assert loaded.target.record_type == {"land": "Parcel"}.get(kind, "Person")


def test_the_land_extract_is_tcvn3_with_old_units_and_its_parcels(
    registry_csv: Summary, tmp_path: Path
) -> None:
    summary = make_legacy(source=registry_csv.out, kind="land", out=tmp_path)
    assert (summary.encoding, summary.province) == ("tcvn3", "79")
    mapping = tomllib.loads(summary.mapping.read_text(encoding="utf-8"))
    assert mapping["source"]["encoding"] == "tcvn3"
    assert mapping["fields"]["holder_name"]["repair"] == ["encoding", "name"]
    assert mapping["fields"]["area_m2"]["repair"] == ["number"]
    assert mapping["fields"]["holder_pin"]["repair"] == ["identifier"]
    parcels = _parcels(registry_csv)
    rows = _extract_rows(summary)
    truth = read_truth(summary.truth)
    legacy_text = districts = 0
    for row, item in zip(rows, truth, strict=True):
        assert bool(row["MA_HUYEN"]) == bool(row["TEN_HUYEN"])
        districts += bool(row["MA_HUYEN"])
        legacy_text += not row["CHU_SUDUNG"].isascii()
        with pytest.raises(UnicodeDecodeError):
            # Every cell that carries diacritics is in TCVN3 bytes, never in UTF-8.
            (row["CHU_SUDUNG"] + row["TEN_XA"] + b"\xff").decode("utf-8")
        area = row["DIEN_TICH"].decode().replace(",", ".")
        if not item["registry_id"]:
            assert item["registry_id"] not in parcels
            continue
        parcel = parcels[item["registry_id"]]
        assert _new_commune(row["MA_XA"].decode()) == parcel["commune"]
        assert (row["TO_BD"].decode(), row["SO_THUA"].decode()) == (
            str(parcel["map_sheet"]),
            str(parcel["parcel_number"]),
        )
        assert abs(float(area) - float(str(parcel["area_m2"]))) <= 0.5
        decode(row["CHU_SUDUNG"], "tcvn3")
    assert legacy_text > len(rows) / 2
    assert districts > len(rows) * 0.9


def test_parcels_the_registry_lacks_do_not_take_a_registry_parcel_number(
    registry_csv: Summary, tmp_path: Path
) -> None:
    summary = make_legacy(source=registry_csv.out, kind="land", out=tmp_path, overlap=0.0)
    parcels = _parcels(registry_csv)
    old_to_new = {}
    for row in _extract_rows(summary):
        commune = _new_commune(row["MA_XA"].decode())
        key = parse_parcel((commune, row["TO_BD"].decode(), row["SO_THUA"].decode())).text
        assert key not in parcels
        old_to_new[key] = commune
    assert old_to_new


def test_the_driving_list_holds_adults_in_vni_with_birth_years_only(
    registry_csv: Summary, tmp_path: Path
) -> None:
    summary = make_legacy(source=registry_csv.out, kind="driving", out=tmp_path)
    assert (summary.encoding, summary.province) == ("vni", "91")
    mapping = tomllib.loads(summary.mapping.read_text(encoding="utf-8"))
    assert mapping["target"]["create_new"] is False
    assert mapping["fields"]["province"] == {"value": "91"}
    persons = {row["pin"]: row for _, row in read_rows(registry_csv.files[0].path)}
    rows = _extract_rows(summary)
    matched = same_family = 0
    for row, item in zip(rows, read_truth(summary.truth), strict=True):
        year = int(row["NAM_SINH"])
        assert year <= 2007
        assert row["HANG"].decode() in {"A1", "A2", "A3", "B1", "B2", "C", "D", "E"}
        issued = row["NGAY_CAP"].decode()
        assert int(issued[-4:]) >= year + 18
        if item["registry_id"]:
            assert str(persons[item["registry_id"]]["birth_date"]).startswith(str(year))
            matched += 1
            family = fold(str(persons[item["registry_id"]]["family_name"]))
            same_family += family in fold(decode(row["HO_TEN"], "vni")).split()
    assert any(not row["HO_TEN"].isascii() for row in rows)
    # Only a typing error in the family name hides it.
    assert matched and same_family / matched > 0.9


def test_an_encoding_and_a_province_can_be_chosen(registry_csv: Summary, tmp_path: Path) -> None:
    summary = make_legacy(
        source=registry_csv.out, kind="population", out=tmp_path, province="91", encoding="tcvn3"
    )
    rows = _extract_rows(summary)
    assert {row["MA_TINH"].decode() for row in rows} <= {"89", "91"}
    mapping = tomllib.loads(summary.mapping.read_text(encoding="utf-8"))
    assert mapping["fields"]["full_name"]["repair"] == ["encoding", "name"]


def test_progress_is_reported(registry: Summary, tmp_path: Path) -> None:
    seen: list[LegacyProgress] = []
    summary = make_legacy(
        source=registry.out, kind="population", out=tmp_path, progress=seen.append
    )
    assert seen and seen[-1].rows == summary.rows
    assert seen[-1].read == seen[-1].total


# -- bad input ----------------------------------------------------------------------------


def _code(error: pytest.ExceptionInfo[LienthongError]) -> str:
    return error.value.code


def test_a_directory_that_is_not_a_generated_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as missing:
        make_legacy(source=tmp_path / "none", kind="population", out=tmp_path / "out")
    assert _code(missing) == "legacy.not_generated"
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": "other"}), encoding="utf-8")
    with pytest.raises(LienthongError) as other:
        make_legacy(source=tmp_path, kind="population", out=tmp_path / "out")
    assert _code(other) == "legacy.not_generated"
    assert "data generate" in other.value.message("en")
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(LienthongError) as broken:
        make_legacy(source=tmp_path, kind="population", out=tmp_path / "out")
    assert _code(broken) == "legacy.not_generated"
    assert not (tmp_path / "out").exists()


def test_a_manifest_whose_file_is_gone_is_refused(registry: Summary, tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_bytes(registry.manifest.read_bytes())
    with pytest.raises(LienthongError) as error:
        make_legacy(source=tmp_path, kind="population", out=tmp_path / "out")
    assert _code(error) == "legacy.missing_file"
    assert not list((tmp_path / "out").iterdir())


def test_a_province_without_records_is_refused(registry_csv: Summary, tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as error:
        make_legacy(source=registry_csv.out, kind="population", out=tmp_path, province="01")
    assert _code(error) == "legacy.no_records"
    assert not list(tmp_path.iterdir())


def test_an_empty_registry_leaves_nothing_behind(tmp_path: Path) -> None:
    from lienthong.data.synthetic import generate

    empty = generate(people=0, seed=1, out=tmp_path / "empty")
    out = tmp_path / "out"
    with pytest.raises(LienthongError) as error:
        make_legacy(source=empty.out, kind="population", out=out)
    assert _code(error) == "legacy.no_records"
    assert not list(out.iterdir())


def test_an_unknown_province_is_refused(registry: Summary, tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as error:
        make_legacy(source=registry.out, kind="land", out=tmp_path, province="89")
    assert _code(error) == "legacy.unknown_province"


@pytest.mark.parametrize(
    ("argument", "value", "code"),
    [
        ("kind", "vehicles", "legacy.kind"),
        ("format", "parquet", "legacy.format"),
        ("encoding", "viscii", "legacy.encoding"),
        ("overlap", 1.2, "legacy.rate"),
        ("overlap", -0.1, "legacy.rate"),
        ("overlap", float("nan"), "legacy.rate"),
        ("duplicates", 1.0, "legacy.rate"),
        ("duplicates", "0.1", "legacy.rate"),
        ("rows", 0, "legacy.rows"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    registry: Summary, tmp_path: Path, argument: str, value: object, code: str
) -> None:
    arguments: dict[str, object] = {"source": registry.out, "kind": "population", "out": tmp_path}
    arguments[argument] = value
    with pytest.raises(LienthongError) as error:
        make_legacy(**arguments)  # type: ignore[arg-type]
    assert _code(error) == code
    assert not list(tmp_path.iterdir())

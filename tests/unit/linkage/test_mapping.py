"""The mapping file: legacy columns become linkage fields, repaired; bad rows are kept, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.errors import LienthongError
from lienthong.linkage.mapping import LegacyMapping, Mapper, load_mapping, parse_mapping
from lienthong.linkage.readers import LegacyRow, open_source
from lienthong.vn.text import encode

PERSON_MAPPING = """
[source]
system = "HCM-DANCU"
id = ["MA"]

[target]
system = "population"
record_type = "Person"

[fields.full_name]
column = "HO_TEN"
repair = ["encoding", "name"]
required = true

[fields.birth_date]
column = "NGAY_SINH"
repair = ["date"]

[fields.sex]
column = "GT"

[fields.pin]
column = "SO_CMND"
repair = ["identifier"]

[fields.commune]
column = "MA_XA"
repair = ["unit"]
"""


def write_mapping(tmp_path: Path, text: str = PERSON_MAPPING) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    return path


def tcvn3(text: str) -> bytes:
    return encode(text, "tcvn3", errors="lower")


def write_tcvn3_csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    header = b"MA,HO_TEN,NGAY_SINH,GT,SO_CMND,MA_XA\n"
    body = b"".join(b",".join(tcvn3(cell) for cell in row) + b"\n" for row in rows)
    path = tmp_path / "old.csv"
    path.write_bytes(header + body)
    return path


def mapper_for(mapping: LegacyMapping, columns: list[str]) -> Mapper:
    return Mapper(mapping, source="old.csv", columns=columns)


class TestLoading:
    def test_reads_a_mapping_and_keeps_its_text(self, tmp_path: Path) -> None:
        loaded = load_mapping(write_mapping(tmp_path))
        assert loaded.mapping.target.record_type == "Person"
        assert loaded.mapping.source.id == ["MA"]
        assert loaded.text == PERSON_MAPPING
        assert loaded.mapping.columns() == ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"]

    def test_a_missing_file_says_how_to_get_one(self, tmp_path: Path) -> None:
        with pytest.raises(LienthongError) as caught:
            load_mapping(tmp_path / "nope.toml")
        assert caught.value.code == "linkage.mapping.not_found"
        assert "consolidate profile" in caught.value.message_en

    def test_malformed_toml_names_the_line(self, tmp_path: Path) -> None:
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, "[source\nsystem = 1"))
        assert caught.value.code == "linkage.mapping.malformed"
        assert "line 1" in caught.value.message_en

    def test_a_field_needs_exactly_one_origin(self, tmp_path: Path) -> None:
        text = PERSON_MAPPING.replace('column = "GT"', 'column = "GT"\nvalue = "male"')
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, text))
        assert caught.value.code == "linkage.mapping.invalid"
        assert caught.value.field == "fields.sex"

    def test_an_unknown_repair_is_named(self, tmp_path: Path) -> None:
        text = PERSON_MAPPING.replace('repair = ["date"]', 'repair = ["guess"]')
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, text))
        assert caught.value.code == "linkage.mapping.invalid"
        assert caught.value.field == "fields.birth_date.repair.0"

    def test_a_field_the_record_type_lacks_is_refused_with_the_known_ones(
        self, tmp_path: Path
    ) -> None:
        text = PERSON_MAPPING + '\n[fields.parcel_number]\ncolumn = "SO_THUA"\n'
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, text))
        assert caught.value.code == "linkage.mapping.unknown_field"
        assert "full_name" in caught.value.message_en

    def test_the_record_type_must_belong_to_the_system(self, tmp_path: Path) -> None:
        text = PERSON_MAPPING.replace('system = "population"', 'system = "land"')
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, text))
        assert caught.value.code == "linkage.mapping.system"

    def test_a_unit_repair_on_a_field_that_is_no_unit_needs_its_level(self, tmp_path: Path) -> None:
        text = PERSON_MAPPING.replace('column = "GT"', 'column = "GT"\nrepair = ["unit"]')
        with pytest.raises(LienthongError) as caught:
            load_mapping(write_mapping(tmp_path, text))
        assert caught.value.code == "linkage.mapping.unit_level"

    def test_a_column_the_file_lacks_is_refused_before_reading(self, tmp_path: Path) -> None:
        mapping = load_mapping(write_mapping(tmp_path)).mapping
        with pytest.raises(LienthongError) as caught:
            mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND"])
        assert caught.value.code == "linkage.mapping.missing_column"
        assert caught.value.params["column"] == "MA_XA"
        assert "old.csv" in caught.value.message_en


class TestMapping:
    def test_a_tcvn3_file_becomes_repaired_linkage_fields(self, tmp_path: Path) -> None:
        path = write_tcvn3_csv(
            tmp_path,
            [
                ["1", "NGUYỄN VĂN THẮNG", "05/03/1985", "Nam", "079085001234", "26740"],
                ["2", "trần thị hoà", "1990", "Nữ", "023456789", "26734"],
            ],
        )
        mapping = load_mapping(write_mapping(tmp_path)).mapping
        with open_source(path) as source:
            mapper = mapper_for(mapping, list(source.columns))
            detected = mapper.learn(source.rows())
            rows = list(mapper.apply(source.rows()))
        assert detected["HO_TEN"].encoding == "tcvn3"
        first, second = rows
        assert first.legacy_id == "1"
        assert first.fields == {
            "full_name": "Nguyễn Văn Thắng",
            "birth_date": "1985-03-05",
            "sex": "male",
            "pin": "079085001234",
            "commune": "26740",
            "province": "79",
        }
        # A CMND is never taken for a PIN; an old ward without a known successor keeps
        # its province.
        assert second.fields["full_name"] == "Trần Thị Hòa"
        assert second.fields["pin"] is None
        assert second.fields["cmnd"] == "023456789"
        assert second.fields["commune"] is None
        assert second.fields["province"] == "79"

    def test_an_empty_required_field_rejects_the_row_with_its_number(self) -> None:
        mapping = parse_mapping(_data(), path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        row = mapper.map_row(LegacyRow(7, {"MA": "A7", "HO_TEN": None, "NGAY_SINH": "1990"}))
        assert row.rejected and row.problem is not None
        assert row.problem.code == "linkage.row.required"
        assert row.problem.params["row"] == 7
        assert row.problem.field == "HO_TEN"

    def test_an_unrepairable_optional_field_is_dropped_with_a_warning(self) -> None:
        mapping = parse_mapping(_data(), path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        row = mapper.map_row(
            LegacyRow(3, {"MA": "A3", "HO_TEN": "Lê Lai", "NGAY_SINH": "không rõ", "GT": "Nam"})
        )
        assert not row.rejected
        assert row.fields["birth_date"] is None
        assert row.warnings and row.warnings[0].startswith("NGAY_SINH:")

    def test_an_unrepairable_required_field_rejects_the_row_with_the_reason(self) -> None:
        data = _data()
        data["fields"]["birth_date"]["required"] = True
        mapping = parse_mapping(data, path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        row = mapper.map_row(LegacyRow(4, {"MA": "A4", "HO_TEN": "Lê Lai", "NGAY_SINH": "??"}))
        assert row.problem is not None
        assert row.problem.code == "linkage.row.unrepairable"
        assert row.problem.params["cause"].startswith("vn.date")

    def test_a_repeated_identifier_is_rejected_under_a_name_of_its_own(self) -> None:
        mapping = parse_mapping(_data(), path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        first = mapper.map_row(LegacyRow(1, {"MA": "A1", "HO_TEN": "Lê Lai"}))
        again = mapper.map_row(LegacyRow(9, {"MA": "A1", "HO_TEN": "Lê Lợi"}))
        assert not first.rejected
        assert again.problem is not None and again.problem.code == "linkage.row.duplicate_id"
        assert again.legacy_id == "A1#9"

    def test_a_row_the_reader_could_not_read_whole_is_rejected_not_lost(self) -> None:
        mapping = parse_mapping(_data(), path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        problem = LienthongError("linkage.source.row_shape", "bad row")
        row = mapper.map_row(LegacyRow(5, {"MA": "A5"}, problem=problem))
        assert row.problem is problem and row.legacy_id == "A5"

    def test_constants_and_joined_columns(self) -> None:
        data = _data()
        data["fields"]["full_name"] = {"columns": ["HO", "TEN"], "repair": ["name"]}
        data["fields"]["province"] = {"value": "91"}
        del data["fields"]["commune"]
        mapping = parse_mapping(data, path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO", "TEN", "NGAY_SINH", "GT", "SO_CMND"])
        row = mapper.map_row(LegacyRow(1, {"MA": "1", "HO": "Huỳnh", "TEN": " Thị  Mai "}))
        assert row.fields["full_name"] == "Huỳnh Thị Mai"
        assert row.fields["province"] == "91"

    def test_without_id_columns_the_row_number_identifies_the_record(self) -> None:
        data = _data()
        data["source"]["id"] = []
        mapping = parse_mapping(data, path=Path("map.toml"))
        mapper = mapper_for(mapping, ["MA", "HO_TEN", "NGAY_SINH", "GT", "SO_CMND", "MA_XA"])
        assert mapper.map_row(LegacyRow(12, {"HO_TEN": "Lê Lai"})).legacy_id == "12"


def _data() -> dict[str, dict[str, object]]:
    import tomllib

    data: dict[str, dict[str, object]] = tomllib.loads(PERSON_MAPPING)
    return data

"""A profile says what each legacy column holds and proposes the mapping that follows."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from lienthong.errors import LienthongError
from lienthong.i18n import current_language
from lienthong.linkage.profile import ColumnProfile, Profile, profile_source
from lienthong.linkage.readers import LegacyRow, Source, Value, open_source
from lienthong.vn.text import encode


class ListSource(Source):
    """Rows held in memory, numbered from 1; a row may carry a problem."""

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Value]],
        *,
        problems: Sequence[int] = (),
    ) -> None:
        self.name = "list"
        self.columns = tuple(columns)
        self._rows = rows
        self._problems = set(problems)
        self.reads = 0

    def rows(self) -> Iterator[LegacyRow]:
        for number, values in enumerate(self._rows, start=1):
            self.reads += 1
            problem = None
            if number in self._problems:
                problem = LienthongError("linkage.source.row_shape", "bad row")
            yield LegacyRow(number, dict(zip(self.columns, values, strict=True)), problem)


def column_of(
    values: Sequence[Value], *, name: str = "C1", record_type: str = "Person"
) -> ColumnProfile:
    profile = profile_source(
        ListSource([name], [[value] for value in values]), record_type=record_type
    )
    return profile.columns[0]


def mapping(profile: Profile, record_type: str = "Person") -> dict[str, Any]:
    system = {"Person": "population", "Parcel": "land"}[record_type]
    text = profile.proposed_mapping(system=system, record_type=record_type, source_system="OLD")
    return tomllib.loads(text)


PEOPLE = [
    ("1", "Nguyễn Văn Thắng", "05/03/1985", "Nam", "760", "079085000123", "Số 12 đường Lê Lợi"),
    ("2", "Trần Thị Thuỷ", "1990", "Nữ", "761", "123456789", "Khu phố 3 phường Tân Phú"),
    ("3", "Lê Văn Hùng", "12/1979", "Nam", "764", "079079000456", ""),
    ("4", "Phạm Thị Lan", "31/12/1960", "Nữ", "760", "", "Khu phố 2"),
]


def test_a_tcvn3_file_with_old_districts_is_profiled_and_mapped(tmp_path: Path) -> None:
    path = tmp_path / "hokhau.csv"
    lines = [b"STT,HO_TEN,NGAY_SINH,GIOI_TINH,MA_HUYEN,CMND,DIA_CHI,GHI_CHU"]
    for row in PEOPLE:
        cells = [value.encode() if value.isascii() else encode(value, "tcvn3") for value in row]
        lines.append(b",".join([*cells, b""]))
    path.write_bytes(b"\n".join(lines) + b"\n")

    with open_source(path) as source:
        profile = profile_source(source)

    by_name = {column.name: column for column in profile.columns}
    assert (profile.source, profile.rows, profile.sampled) == ("hokhau.csv", 4, 4)
    name = by_name["HO_TEN"]
    assert (name.kind, name.encoding, name.proposed_field) == ("name", "tcvn3", "full_name")
    assert name.proposed_repair == ("encoding", "name")
    assert name.confidence is not None and name.confidence > 0.5
    assert name.examples == ("Nguyễn Văn Thắng", "Trần Thị Thuỷ", "Lê Văn Hùng")
    assert by_name["DIA_CHI"].encoding == "tcvn3"
    assert by_name["DIA_CHI"].proposed_repair == ("encoding",)
    assert by_name["DIA_CHI"].fill_rate == 0.75
    assert (by_name["NGAY_SINH"].kind, by_name["NGAY_SINH"].encoding) == ("date", None)
    assert by_name["GIOI_TINH"].kind == "sex"
    assert (by_name["MA_HUYEN"].kind, by_name["MA_HUYEN"].proposed_field) == (
        "district_code",
        "province",
    )
    assert by_name["CMND"].kind == "pin_or_cmnd"
    assert by_name["GHI_CHU"].kind == "empty"

    text = profile.proposed_mapping(system="population", record_type="Person", source_system="HK")
    proposed = tomllib.loads(text)
    assert proposed["source"] == {"system": "HK", "id": ["STT"]}
    assert proposed["target"] == {
        "system": "population",
        "record_type": "Person",
        "create_new": True,
    }
    assert proposed["fields"] == {
        "full_name": {"column": "HO_TEN", "repair": ["encoding", "name"], "required": True},
        "birth_date": {"column": "NGAY_SINH", "repair": ["date"]},
        "sex": {"column": "GIOI_TINH", "repair": ["encoding"]},
        "province": {"column": "MA_HUYEN", "repair": ["unit"], "unit_level": "district"},
        "pin": {"column": "CMND", "repair": ["identifier"]},
        "address": {"column": "DIA_CHI", "repair": ["encoding"]},
    }
    comments = [line for line in text.splitlines() if line.startswith("# ")]
    for column in profile.columns:
        assert any(line.startswith(f"# {column.name}: {column.kind}") for line in comments)
    assert any("tcvn3" in line and "Nguyễn Văn Thắng" in line for line in comments)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["ghi chú thêm", "không rõ", "chuyển đi"], "text"),
        (["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng"], "name"),
        (["Nguyen Van An", "Tran Thi Bich", "Le Hoang"], "name"),
        (["05/03/1985", "31.12.1990", "1/1/2000", "ngày 5 tháng 3 năm 1985"], "date"),
        (["05031985", "31121990"], "date"),
        (["1985", "1990", "2001"], "year"),
        (["1", "20", "300"], "integer"),
        (["12,5", "100.25", "3"], "decimal"),
        (["079085000123", "001190000045"], "pin"),
        (["123456789", "023456781"], "cmnd"),
        (["079085000123", "123456789"], "pin_or_cmnd"),
        (["0100109106", "0301234562", "1800123450"], "tax_code"),
        (["30A-123.45", "51F-678.90", "29B-111.22"], "plate"),
        (["26734", "26737", "26740"], "commune_code"),
        (["760", "761", "764"], "district_code"),
        (["01", "79", "89"], "province_code"),
        (["Quận 1", "Huyện Củ Chi", "Quận Gò Vấp"], "unit_name"),
        (["Nam", "Nữ", "nam", "NU"], "sex"),
        ([None, "", "   "], "empty"),
    ],
)
def test_the_kind_comes_from_the_values(values: list[Value], kind: str) -> None:
    assert column_of(values).kind == kind


def test_a_column_mostly_of_one_kind_still_has_it_and_a_mixed_one_is_text() -> None:
    mostly = [f"0{number}/03/1985" for number in range(1, 10)] + ["không nhớ"]
    assert column_of(mostly).kind == "date"
    assert column_of(["05/03/1985", "không nhớ", "chưa rõ"]).kind == "text"


def test_codes_that_are_not_units_are_integers() -> None:
    assert column_of(["760", "762", "999"]).kind == "integer"


def test_unit_names_and_codes_carry_their_level_and_whether_they_are_old() -> None:
    districts = column_of(["Quận 1", "Huyện Củ Chi", "Quận Gò Vấp"], name="HUYEN")
    old_communes = column_of(["26734", "26737"], name="MA_XA")

    assert (districts.unit_level, districts.proposed_field) == ("district", "province")
    assert districts.proposed_repair == ("unit",)
    assert (old_communes.unit_level, old_communes.old_units) == ("commune", True)
    assert old_communes.proposed_repair == ("unit",)


def test_a_legacy_encoded_date_column_keeps_its_encoding_and_a_plain_one_has_none() -> None:
    legacy = column_of(
        [encode("ngày 5 tháng 3 năm 1985", "tcvn3"), encode("ngày 1 tháng 1 năm 1990", "tcvn3")]
    )
    plain = column_of(["05/03/1985"])

    assert (legacy.kind, legacy.encoding) == ("date", "tcvn3")
    assert (plain.encoding, plain.confidence) == (None, None)


@pytest.mark.parametrize(
    ("values", "encoding"),
    [
        ([encode("Nguyễn Văn Thắng", "vni"), encode("Trần Thị Thuỷ", "vni")], "vni"),
        ([encode("Nguyễn Văn Thắng", "tcvn3"), encode("Trần Thị Thuỷ", "tcvn3")], "tcvn3"),
        (["Nguyễn Văn Thắng", "Trần Thị Thuỷ"], "unicode"),
        (["Nguyen Van Thang", "Tran Thi Thuy"], "ascii"),
    ],
)
def test_the_encoding_is_detected_over_the_column_and_examples_are_unicode(
    values: list[Value], encoding: str
) -> None:
    column = column_of(values, name="HO_TEN")

    assert column.encoding == encoding
    assert column.examples[0] in ("Nguyễn Văn Thắng", "Nguyen Van Thang")
    legacy = encoding not in ("unicode", "ascii")
    assert column.proposed_repair == (("encoding", "name") if legacy else ("name",))


@pytest.mark.parametrize(
    ("header", "values", "field", "repair"),
    [
        ("HO_TEN", ["Nguyễn Văn An"], "full_name", ("name",)),
        ("HOTEN", ["Nguyễn Văn An"], "full_name", ("name",)),
        ("HO_VA_TEN", ["Nguyễn Văn An"], "full_name", ("name",)),
        ("Họ và tên", ["Nguyễn Văn An"], "full_name", ("name",)),
        ("NGAY_SINH", ["05/03/1985"], "birth_date", ("date",)),
        ("NGAYSINH", ["05/03/1985"], "birth_date", ("date",)),
        ("NS", ["05/03/1985"], "birth_date", ("date",)),
        ("NAM_SINH", ["1985"], "birth_date", ("date",)),
        ("CMND", ["123456789"], "pin", ("identifier",)),
        ("CCCD", ["079085000123"], "pin", ("identifier",)),
        ("SO_CMND", ["123456789"], "pin", ("identifier",)),
        ("SO_DD", ["079085000123"], "pin", ("identifier",)),
        ("SODINHDANH", ["079085000123"], "pin", ("identifier",)),
        ("GIOI_TINH", ["Nam"], "sex", ()),
        ("GT", ["1", "0"], "sex", ()),
        ("PHAI", ["Nữ"], "sex", ()),
        ("MA_XA", ["26734"], "commune", ("unit",)),
        ("MA_PHUONG", ["26734"], "commune", ("unit",)),
        ("MA_TINH", ["89"], "province", ("unit",)),
        ("DIA_CHI", ["Số 1 Lê Lợi"], "address", ()),
    ],
)
def test_a_person_column_named_for_a_field_proposes_it(
    header: str, values: list[Value], field: str, repair: tuple[str, ...]
) -> None:
    column = column_of(values, name=header)

    assert (column.proposed_field, column.proposed_repair) == (field, repair)


def test_a_birth_year_column_is_a_year() -> None:
    assert column_of(["1985", "1990"], name="NAM_SINH").kind == "year"


@pytest.mark.parametrize(
    ("header", "values", "field", "repair"),
    [
        ("TO_BD", ["12"], "map_sheet", ("code",)),
        ("SO_TO", ["12"], "map_sheet", ("code",)),
        ("TO_BAN_DO", ["12"], "map_sheet", ("code",)),
        ("SO_THUA", ["345"], "parcel_number", ("code",)),
        ("THUA", ["345"], "parcel_number", ("code",)),
        ("DIEN_TICH", ["120,5"], "area_m2", ("number",)),
        ("DT", ["120.5"], "area_m2", ("number",)),
        ("CHU_SD", ["Nguyễn Văn An"], "holder_name", ("name",)),
        ("CHU_SU_DUNG", ["Nguyễn Văn An"], "holder_name", ("name",)),
        ("TEN_CHU", ["Nguyễn Văn An"], "holder_name", ("name",)),
        ("HO_TEN", ["Nguyễn Văn An"], "holder_name", ("name",)),
        ("CMND_CHU", ["123456789"], "holder_pin", ("identifier",)),
        ("SO_GCN", ["BA 123456"], "certificate", ("code",)),
        ("MA_XA", ["26734"], "commune", ("unit",)),
    ],
)
def test_a_parcel_column_named_for_a_field_proposes_it(
    header: str, values: list[Value], field: str, repair: tuple[str, ...]
) -> None:
    column = column_of(values, name=header, record_type="Parcel")

    assert (column.proposed_field, column.proposed_repair) == (field, repair)


def test_a_column_whose_name_says_nothing_is_proposed_from_its_values() -> None:
    rows = [["Nguyễn Văn An", "05/03/1985", "079085000123", "26734", "ghi chú"]]
    profile = profile_source(ListSource(["A", "B", "C", "D", "E"], rows))

    assert [column.proposed_field for column in profile.columns] == [
        "full_name",
        "birth_date",
        "pin",
        "commune",
        None,
    ]


def test_fields_of_another_record_type_are_not_proposed() -> None:
    parcel_only = column_of(["12"], name="SO_TO")
    person_only = column_of(["05/03/1985"], name="NGAY_SINH", record_type="Parcel")

    assert (parcel_only.proposed_field, parcel_only.proposed_repair) == (None, ())
    assert person_only.proposed_field is None


def test_a_named_column_wins_a_field_over_one_that_only_looks_like_it() -> None:
    rows = [["Nguyễn Văn An", "Trần Thị Bích"], ["Lê Văn Hùng", "Phạm Thị Lan"]]
    profile = profile_source(ListSource(["NGUOI_KHAI", "HO_TEN"], rows))

    assert [column.proposed_field for column in profile.columns] == [None, "full_name"]


def test_a_second_identity_column_of_old_numbers_feeds_cmnd() -> None:
    rows = [["079085000123", "123456789"], ["001190000045", "023456781"]]
    profile = profile_source(ListSource(["CCCD", "CMND"], rows))

    assert [column.proposed_field for column in profile.columns] == ["pin", "cmnd"]
    assert [column.proposed_repair for column in profile.columns] == [
        ("identifier",),
        ("identifier",),
    ]


def test_an_empty_column_has_no_encoding_kind_or_field() -> None:
    profile = profile_source(
        ListSource(["HO_TEN", "GHI"], [["Nguyễn Văn An", None], ["Lê Hoa", ""]])
    )

    empty = profile.columns[1]
    assert (empty.total, empty.filled, empty.fill_rate) == (2, 0, 0.0)
    assert (empty.kind, empty.encoding, empty.confidence, empty.examples) == (
        "empty",
        None,
        None,
        (),
    )
    assert (empty.proposed_field, empty.proposed_repair) == (None, ())
    assert "GHI" not in {rule["column"] for rule in mapping(profile)["fields"].values()}


def test_a_header_only_file_profiles_every_column_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("HO_TEN;NGAY_SINH\n", encoding="utf-8")

    with open_source(path) as source:
        profile = profile_source(source)

    assert (profile.rows, profile.sampled) == (0, 0)
    assert [(column.kind, column.total, column.fill_rate) for column in profile.columns] == [
        ("empty", 0, 0.0),
        ("empty", 0, 0.0),
    ]
    proposed = mapping(profile)
    assert proposed["fields"] == {}
    assert "id" not in proposed["source"]


def test_every_row_is_counted_but_only_the_sample_is_judged() -> None:
    rows: list[list[Value]] = [["Nguyễn Văn An"]] * 5 + [[None]] * 20 + [["ghi chú"]] * 5
    reports: list[int] = []

    profile = profile_source(ListSource(["HO_TEN"], rows), sample=10, progress=reports.append)

    column = profile.columns[0]
    assert (profile.rows, profile.sampled) == (30, 10)
    assert (column.total, column.filled, column.fill_rate) == (10, 5, 0.5)
    assert column.kind == "name"
    assert reports[-1] == 30


def test_progress_is_reported_every_ten_thousand_rows() -> None:
    reports: list[int] = []

    profile_source(ListSource(["A"], [["1"]] * 25_000), sample=10, progress=reports.append)

    assert reports == [10_000, 20_000, 25_000]


def test_rows_with_problems_are_counted() -> None:
    profile = profile_source(ListSource(["A"], [["1"], ["2"], ["3"]], problems=[2]))

    assert (profile.rows, profile.problems) == (3, 1)


@pytest.mark.parametrize("sample", [0, -5])
def test_a_sample_of_no_rows_is_refused(sample: int) -> None:
    with pytest.raises(LienthongError) as caught:
        profile_source(ListSource(["A"], [["1"]]), sample=sample)

    assert caught.value.code == "linkage.profile.sample"


def test_an_unknown_record_type_is_refused() -> None:
    with pytest.raises(LienthongError) as caught:
        profile_source(ListSource(["A"], [["1"]]), record_type="Vehicle")

    assert caught.value.code == "linkage.spec.unknown"
    assert "Person" in caught.value.message_en and "Parcel" in caught.value.message_en


def test_a_month_first_date_column_asks_for_mdy() -> None:
    column = column_of(["03/25/1985", "12/31/1990", "01/02/2000"], name="NGAY_SINH")

    assert (column.kind, column.date_order) == ("date", "mdy")
    assert mapping(Profile("x", 3, (column,), 3))["fields"]["birth_date"]["date_order"] == "mdy"


def test_the_same_profile_maps_to_another_record_type() -> None:
    rows = [["Nguyễn Văn An", "123456789", "12", "05/03/1985"]]
    profile = profile_source(ListSource(["HO_TEN", "CMND", "SO_TO", "NGAY_SINH"], rows))

    assert set(mapping(profile)["fields"]) == {"full_name", "pin", "birth_date"}
    assert mapping(profile, "Parcel")["fields"] == {
        "holder_name": {"column": "HO_TEN", "repair": ["name"], "required": True},
        "holder_pin": {"column": "CMND", "repair": ["identifier"]},
        "map_sheet": {"column": "SO_TO", "repair": ["code"]},
    }


@pytest.mark.parametrize(
    ("system", "record_type", "code"),
    [
        ("land", "Person", "linkage.profile.system"),
        ("vehicles", "Vehicle", "linkage.spec.unknown"),
    ],
)
def test_a_mapping_for_a_wrong_target_is_refused(system: str, record_type: str, code: str) -> None:
    profile = profile_source(ListSource(["A"], [["1"]]))

    with pytest.raises(LienthongError) as caught:
        profile.proposed_mapping(system=system, record_type=record_type, source_system="OLD")

    assert caught.value.code == code


def test_column_names_and_examples_with_quotes_and_control_characters_stay_valid_toml() -> None:
    name = 'HO "TEN" \\ cũ'
    rows = [["Nguyễn Văn An", 'ghi "chú"\tx', "a"], ["Lê Thị Hoa", "dòng 1\ndòng 2\\", "b"]]
    profile = profile_source(ListSource([name, "GHI", "ID"], rows))

    text = profile.proposed_mapping(system="population", record_type="Person", source_system="O")
    proposed = tomllib.loads(text)

    assert proposed["fields"]["full_name"]["column"] == name
    assert proposed["source"]["id"] == ["ID"]
    assert "# GHI: text, unicode" in text


def test_no_identifier_is_proposed_when_no_column_is_unique_and_filled() -> None:
    profile = profile_source(ListSource(["A"], [["1"], ["1"], [None]]))

    token = current_language.set("en")
    try:
        text = profile.proposed_mapping(
            system="population", record_type="Person", source_system="O"
        )
    finally:
        current_language.reset(token)

    assert "id" not in tomllib.loads(text)["source"]
    assert "identified by their number" in text


def test_a_column_named_like_a_key_is_preferred_as_the_identifier() -> None:
    rows = [["x1", "AG-0001", "Nguyễn Văn An"], ["x2", "AG-0002", "Lê Thị Hoa"]]
    profile = profile_source(ListSource(["KY_HIEU", "SO_GPLX", "HO_TEN"], rows))

    assert mapping(profile)["source"]["id"] == ["SO_GPLX"]

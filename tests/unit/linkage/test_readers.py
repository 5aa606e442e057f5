"""Legacy CSV, XLSX, DBF files and SQL tables are read as streams of rows, values as found."""

from __future__ import annotations

import codecs
import struct
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from lienthong.errors import LienthongError
from lienthong.linkage.readers import LegacyRow, Source, open_source
from lienthong.vn.text import detect_column, encode

THANG = "Nguyễn Văn Thắng"
HOA = "Lê Thị Hoà"


def rows(source: Source) -> list[LegacyRow]:
    return list(source.rows())


def read(path: Path, **options: str) -> tuple[tuple[str, ...], list[LegacyRow]]:
    with open_source(path, **options) as source:
        return source.columns, rows(source)


def failure(path: str | Path, **options: str) -> LienthongError:
    with pytest.raises(LienthongError) as caught, open_source(path, **options) as source:
        rows(source)
    return caught.value


# --- CSV ------------------------------------------------------------------------------


def test_a_utf8_csv_gives_text_none_for_empty_cells_and_numbers_rows_from_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"HO_TEN,NAM_SINH,GHI_CHU\n{THANG},1985,\n{HOA},,x\n", encoding="utf-8")

    columns, found = read(path)

    assert columns == ("HO_TEN", "NAM_SINH", "GHI_CHU")
    assert found == [
        LegacyRow(1, {"HO_TEN": THANG, "NAM_SINH": "1985", "GHI_CHU": None}),
        LegacyRow(2, {"HO_TEN": HOA, "NAM_SINH": None, "GHI_CHU": "x"}),
    ]
    assert all(row.problem is None for row in found)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed_from_the_start_of_the_file(
    tmp_path: Path, delimiter: str
) -> None:
    path = tmp_path / "people.txt"
    lines = [["SO", "HO_TEN", "DIA_CHI"], ["1", THANG, "Xã An Bình, Huyện Châu Thành"]]
    # The address holds a comma inside quotes: it must not decide the delimiter.
    path.write_text(
        "\n".join(
            delimiter.join(f'"{cell}"' if "," in cell else cell for cell in line) for line in lines
        )
        + "\n",
        encoding="utf-8",
    )

    columns, found = read(path)

    assert columns == ("SO", "HO_TEN", "DIA_CHI")
    assert found[0].values["DIA_CHI"] == "Xã An Bình, Huyện Châu Thành"


def test_a_given_delimiter_wins_over_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A;B,C\n1;2,3\n", encoding="utf-8")

    assert read(path, delimiter=";")[0] == ("A", "B,C")
    assert read(path, delimiter=",")[0] == ("A;B", "C")


def test_a_delimiter_longer_than_one_character_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A,B\n", encoding="utf-8")

    error = failure(path, delimiter=";;")

    assert error.code == "linkage.source.delimiter"
    assert "';;'" in error.message_en


def test_quoted_fields_keep_delimiters_quotes_and_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text('A,B\n"x, ""y""\nz",2\n3,4\n', encoding="utf-8")

    _, found = read(path)

    assert [row.values for row in found] == [{"A": 'x, "y"\nz', "B": "2"}, {"A": "3", "B": "4"}]
    assert [row.number for row in found] == [1, 2]


def test_header_names_are_nfc_and_stripped(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    decomposed = unicodedata.normalize("NFD", "Họ tên")
    path.write_text(f"  {decomposed} , NĂM SINH\n{THANG},1985\n", encoding="utf-8")

    columns, found = read(path)

    assert columns == ("Họ tên", "NĂM SINH")
    assert found[0].values["Họ tên"] == THANG


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_byte_order_marks_are_honoured_and_not_part_of_the_first_column(
    tmp_path: Path, codec: str
) -> None:
    path = tmp_path / "people.csv"
    text = f"HO_TEN;NAM_SINH\r\n{THANG};1985\r\n"
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)

    columns, found = read(path)

    assert columns == ("HO_TEN", "NAM_SINH")
    assert found == [LegacyRow(1, {"HO_TEN": THANG, "NAM_SINH": "1985"})]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_8bit_values_come_as_their_bytes_so_the_column_can_be_detected(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "people.csv"
    names = [THANG, "Trần Thị Thuỷ", "Phạm Đức Hưng"]
    path.write_bytes(
        b"HO_TEN,NAM_SINH\n" + b"".join(encode(name, encoding) + b",1985\n" for name in names)
    )

    _, found = read(path)

    values = [row.values["HO_TEN"] for row in found]
    assert values == [encode(name, encoding) for name in names]
    assert all(isinstance(row.values["NAM_SINH"], str) for row in found)
    assert detect_column(values).encoding == encoding


def test_each_value_is_decided_on_its_own_not_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        b"HO_TEN,DIA_CHI\n"
        + encode(THANG, "tcvn3")
        + b","
        + "Phường Bến Nghé".encode()
        + b"\nNguyen Van An,"
        + encode("Quận 1", "vni")
        + b"\n"
    )

    _, found = read(path)

    assert found[0].values == {"HO_TEN": encode(THANG, "tcvn3"), "DIA_CHI": "Phường Bến Nghé"}
    assert found[1].values == {"HO_TEN": "Nguyen Van An", "DIA_CHI": encode("Quận 1", "vni")}


def test_a_legacy_header_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(encode("Họ tên", "tcvn3") + b",NS\n" + encode(THANG, "tcvn3") + b",1985\n")

    columns, _ = read(path)

    assert columns == ("Họ tên", "NS")


def test_an_explicit_python_codec_decodes_every_value(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"HO_TEN\n" + "Đàm Hùng".encode("cp1258") + b"\n")

    _, found = read(path, encoding="cp1258")

    assert found[0].values["HO_TEN"] == "Đàm Hùng"


def test_an_explicit_legacy_encoding_decodes_every_value(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"HO_TEN\n" + encode(THANG, "tcvn3") + b"\n")

    _, found = read(path, encoding="tcvn3")

    assert found[0].values["HO_TEN"] == THANG


def test_a_value_the_given_codec_cannot_decode_is_a_row_problem_and_reading_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"HO_TEN,NS\n" + encode(THANG, "tcvn3") + b",1985\nAn,1990\n")

    _, found = read(path, encoding="utf-8")

    assert found[0].problem is not None
    assert found[0].problem.code == "linkage.source.value"
    assert found[0].values["HO_TEN"] == encode(THANG, "tcvn3")
    assert "Row 1 of people.csv, column HO_TEN" in found[0].problem.message_en
    assert "utf-8" in found[0].problem.message_en
    assert found[1] == LegacyRow(2, {"HO_TEN": "An", "NS": "1990"})


def test_an_unknown_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A\n1\n", encoding="utf-8")

    error = failure(path, encoding="klingon")

    assert error.code == "linkage.source.encoding"
    assert "klingon" in error.message_en and "tcvn3" in error.message_en


def test_rows_of_the_wrong_width_come_with_their_problem_and_the_stream_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A,B,C\n1,2\n1,2,3,4\n5,6,7\n", encoding="utf-8")

    _, found = read(path)

    assert [row.number for row in found] == [1, 2, 3]
    short, long, whole = found
    assert short.values == {"A": "1", "B": "2", "C": None}
    assert short.problem is not None and short.problem.code == "linkage.source.row_shape"
    assert short.problem.params == {"path": "people.csv", "row": 1, "expected": 3, "found": 2}
    assert long.problem is not None and long.problem.params["found"] == 4
    assert "Row 2 of people.csv has 4 fields where the header has 3" in long.problem.message_en
    assert whole.problem is None


def test_a_stray_quote_spoils_only_its_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text('A,B\n"x"y,1\n2,3\n', encoding="utf-8")

    _, found = read(path)

    assert found[0].problem is not None
    assert found[0].problem.code == "linkage.source.row_malformed"
    assert found[0].number == 1
    assert found[1] == LegacyRow(2, {"A": "2", "B": "3"})


def test_blank_lines_yield_nothing_but_count_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\nA,B\n1,2\n\n3,4\n\n", encoding="utf-8")

    _, found = read(path)

    assert [(row.number, row.values["A"]) for row in found] == [(1, "1"), (3, "3")]


def test_a_csv_cut_inside_a_quoted_field_fails_after_the_rows_before_it(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('A,B\n1,2\n3,"never clos', encoding="utf-8")

    with open_source(path) as source:
        stream = source.rows()
        assert next(stream) == LegacyRow(1, {"A": "1", "B": "2"})
        with pytest.raises(LienthongError) as caught:
            next(stream)

    assert caught.value.code == "linkage.source.truncated"
    assert caught.value.params == {"path": "cut.csv", "row": 2}
    assert "cut.csv" in caught.value.message_en


def test_rows_reads_lazily_and_starts_again_from_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A\n" + "".join(f"{number}\n" for number in range(1, 1001)), encoding="utf-8")

    with open_source(path) as source:
        first = source.rows()
        assert next(first).values == {"A": "1"}
        assert next(first).values == {"A": "2"}
        again = list(source.rows())

    assert len(again) == 1000
    assert again[0].values == {"A": "1"}


def test_closing_the_source_closes_a_stream_left_open(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("A\n1\n2\n", encoding="utf-8")
    source = open_source(path)
    stream = source.rows()
    next(stream)

    source.close()

    with pytest.raises(ValueError):
        next(stream)


@pytest.mark.parametrize(
    ("header", "code", "named"),
    [
        ("A,B,A\n", "linkage.source.header_duplicate", "A"),
        ("A,,C\n", "linkage.source.header_blank", "Column 2"),
        ("A, \t ,C\n", "linkage.source.header_blank", "Column 2"),
    ],
)
def test_blank_or_repeated_header_names_are_refused_naming_file_and_column(
    tmp_path: Path, header: str, code: str, named: str
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(header + "1,2,3\n", encoding="utf-8")

    error = failure(path)

    assert error.code == code
    assert "people.csv" in error.message_en and named in error.message_en


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    error = failure(path)

    assert error.code == "linkage.source.empty"
    assert "empty.csv" in error.message_en


def test_a_header_only_file_has_columns_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("A;B\n", encoding="utf-8")

    assert read(path) == (("A", "B"), [])


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    error = failure(tmp_path / "missing.csv")

    assert error.code == "linkage.source.not_found"
    assert "missing.csv" in error.message_en


def test_a_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()

    error = failure(folder)

    assert error.code == "linkage.source.unreadable"
    assert "folder.csv" in error.message_en


def test_an_unknown_format_lists_the_supported_suffixes(tmp_path: Path) -> None:
    path = tmp_path / "people.ods"
    path.write_bytes(b"whatever")

    error = failure(path)

    assert error.code == "linkage.source.format"
    assert "people.ods" in error.message_en
    for suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".dbf", "sqlite:///"):
        assert suffix in error.message_en


# --- XLSX -----------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(list(line))
    book.save(path)
    return path


def test_an_xlsx_sheet_gives_numbers_and_dates_as_written_text(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "people.xlsx",
        {
            "DS": [
                [],
                [None, None],
                ["HO_TEN", "NGAY_SINH", "SO", "DIEN_TICH", "GHI_CHU"],
                [THANG, datetime(1985, 3, 5), 123.0, 45.5, None],
                [None, None, None, None, None],
                [HOA, date(1990, 12, 31), 7, 0.25, "  "],
            ]
        },
    )

    columns, found = read(path)

    assert columns == ("HO_TEN", "NGAY_SINH", "SO", "DIEN_TICH", "GHI_CHU")
    assert found == [
        LegacyRow(
            1,
            {
                "HO_TEN": THANG,
                "NGAY_SINH": "1985-03-05",
                "SO": "123",
                "DIEN_TICH": "45.5",
                "GHI_CHU": None,
            },
        ),
        LegacyRow(
            3,
            {
                "HO_TEN": HOA,
                "NGAY_SINH": "1990-12-31",
                "SO": "7",
                "DIEN_TICH": "0.25",
                "GHI_CHU": "  ",
            },
        ),
    ]


def test_a_named_sheet_is_read_and_a_missing_one_is_refused_listing_the_others(
    tmp_path: Path,
) -> None:
    path = workbook(tmp_path / "book.xlsm", {"First": [["A"], [1]], "Second": [["B"], ["x"]]})

    assert read(path) == (("A",), [LegacyRow(1, {"A": "1"})])
    assert read(path, sheet="Second") == (("B",), [LegacyRow(1, {"B": "x"})])
    error = failure(path, sheet="Third")
    assert error.code == "linkage.source.sheet"
    assert "book.xlsm has no sheet named Third: use one of First, Second" in error.message_en


def test_an_xlsx_cell_beyond_the_header_is_a_row_problem(tmp_path: Path) -> None:
    path = workbook(tmp_path / "people.xlsx", {"S": [["A", "B"], [1, 2, "stray"], [3, 4]]})

    _, found = read(path)

    assert found[0].problem is not None
    assert found[0].problem.params == {"path": "people.xlsx", "row": 1, "expected": 2, "found": 3}
    assert found[1] == LegacyRow(2, {"A": "3", "B": "4"})


def test_xlsx_header_problems_and_an_empty_sheet_are_refused(tmp_path: Path) -> None:
    repeated = workbook(tmp_path / "repeated.xlsx", {"S": [["A", "A"]]})
    blank = workbook(tmp_path / "blank.xlsx", {"S": [["A", None, "C"]]})
    empty = workbook(tmp_path / "empty.xlsx", {"S": []})

    assert failure(repeated).code == "linkage.source.header_duplicate"
    assert failure(blank).code == "linkage.source.header_blank"
    assert failure(empty).code == "linkage.source.empty"


def test_a_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    whole = workbook(tmp_path / "whole.xlsx", {"S": [["A"], *([n] for n in range(100))]})
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])

    error = failure(cut)

    assert error.code == "linkage.source.truncated"
    assert "cut.xlsx" in error.message_en


# --- DBF ------------------------------------------------------------------------------

Field = tuple[str, str, int, int]  # name, type, length, decimals


def dbf(
    path: Path, fields: Sequence[Field], records: Sequence[tuple[bool, Sequence[bytes]]]
) -> Path:
    """Write a dBase III table: a header, field descriptors, fixed-width records."""
    header_length = 32 + 32 * len(fields) + 1
    record_length = 1 + sum(length for _, _, length, _ in fields)
    data = bytearray(
        struct.pack("<BBBBIHH20x", 0x03, 125, 6, 30, len(records), header_length, record_length)
    )
    for name, kind, length, decimals in fields:
        data += struct.pack("<11sc4xBB14x", name.encode(), kind.encode(), length, decimals)
    data += b"\r"
    for deleted, values in records:
        data += b"*" if deleted else b" "
        for (_, kind, length, _), value in zip(fields, values, strict=True):
            cell = value.rjust(length) if kind in "NF" else value.ljust(length)
            assert len(cell) == length
            data += cell
    data += b"\x1a"
    path.write_bytes(bytes(data))
    return path


FIELDS: list[Field] = [
    ("HO_TEN", "C", 30, 0),
    ("NAM_SINH", "N", 4, 0),
    ("NGAY_CAP", "D", 8, 0),
    ("DIEN_TICH", "N", 8, 2),
    ("CON_SONG", "L", 1, 0),
]


def test_a_dbf_gives_text_as_legacy_bytes_and_numbers_and_dates_as_text(tmp_path: Path) -> None:
    path = dbf(
        tmp_path / "HOKHAU.DBF",
        FIELDS,
        [
            (False, [encode(THANG, "tcvn3"), b"1985", b"20010315", b"120.50", b"T"]),
            (True, [encode("Đã xoá", "tcvn3"), b"1900", b"19000101", b"1.00", b"F"]),
            (False, [encode(HOA, "vni"), b"", b"        ", b"", b"?"]),
        ],
    )

    columns, found = read(path)

    assert columns == ("HO_TEN", "NAM_SINH", "NGAY_CAP", "DIEN_TICH", "CON_SONG")
    assert found == [
        LegacyRow(
            1,
            {
                "HO_TEN": encode(THANG, "tcvn3"),
                "NAM_SINH": "1985",
                "NGAY_CAP": "2001-03-15",
                "DIEN_TICH": "120.5",
                "CON_SONG": "true",
            },
        ),
        LegacyRow(
            3,
            {
                "HO_TEN": encode(HOA, "vni"),
                "NAM_SINH": None,
                "NGAY_CAP": None,
                "DIEN_TICH": None,
                "CON_SONG": None,
            },
        ),
    ]
    assert detect_column([found[0].values["HO_TEN"]]).encoding == "tcvn3"


def test_a_dbf_value_its_type_cannot_hold_is_a_row_problem(tmp_path: Path) -> None:
    path = dbf(
        tmp_path / "bad.dbf",
        FIELDS,
        [
            (False, [b"An", b"19x5", b"20010315", b"1.00", b"T"]),
            (False, [b"Binh", b"1990", b"20011332", b"1.00", b"T"]),
            (False, [b"Chi", b"1991", b"20010101", b"1.00", b"T"]),
        ],
    )

    _, found = read(path)

    assert [row.number for row in found] == [1, 2, 3]
    first, second, third = found
    assert first.problem is not None and first.problem.code == "linkage.source.value"
    assert first.problem.field == "NAM_SINH"
    assert "Row 1 of bad.dbf, column NAM_SINH" in first.problem.message_en
    assert first.values["NAM_SINH"] == b"19x5"
    assert second.problem is not None and second.problem.field == "NGAY_CAP"
    assert third.problem is None


def test_a_dbf_cut_short_fails_after_the_records_before_the_cut(tmp_path: Path) -> None:
    whole = dbf(
        tmp_path / "whole.dbf",
        FIELDS,
        [(False, [b"An", b"1985", b"20010315", b"1.00", b"T"])] * 3,
    )
    cut = tmp_path / "cut.dbf"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) - 30])

    with open_source(cut) as source:
        stream = source.rows()
        assert next(stream).number == 1
        assert next(stream).number == 2
        with pytest.raises(LienthongError) as caught:
            next(stream)

    assert caught.value.code == "linkage.source.truncated"
    assert caught.value.params == {"path": "cut.dbf", "row": 3, "total": 3}


def test_a_dbf_whose_header_is_cut_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.dbf"
    path.write_bytes(b"\x03\x7d\x06")

    error = failure(path)

    assert error.code == "linkage.source.truncated"
    assert "cut.dbf" in error.message_en


# --- SQL ------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    people = sa.Table(
        "nhan_khau",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ho_ten", sa.String),
        sa.Column("ngay_sinh", sa.Date),
        sa.Column("dien_tich", sa.Numeric(10, 2)),
        sa.Column("ten_cu", sa.LargeBinary),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            people.insert(),
            [
                {
                    "id": 1,
                    "ho_ten": THANG,
                    "ngay_sinh": date(1985, 3, 5),
                    "dien_tich": Decimal("120.50"),
                    "ten_cu": encode(THANG, "tcvn3"),
                },
                {"id": 2, "ho_ten": HOA, "ngay_sinh": None, "dien_tich": None, "ten_cu": None},
            ],
        )
    engine.dispose()
    return url


def test_a_sql_table_streams_its_rows_as_text_and_bytes(database: str) -> None:
    with open_source(database, table="nhan_khau") as source:
        assert source.columns == ("id", "ho_ten", "ngay_sinh", "dien_tich", "ten_cu")
        found = rows(source)

    assert found == [
        LegacyRow(
            1,
            {
                "id": "1",
                "ho_ten": THANG,
                "ngay_sinh": "1985-03-05",
                "dien_tich": "120.50",
                "ten_cu": encode(THANG, "tcvn3"),
            },
        ),
        LegacyRow(
            2,
            {"id": "2", "ho_ten": HOA, "ngay_sinh": None, "dien_tich": None, "ten_cu": None},
        ),
    ]


def test_a_sql_query_gives_its_own_columns(database: str) -> None:
    with open_source(
        database, query="SELECT ho_ten AS name, id * 10 AS n FROM nhan_khau WHERE id = 2"
    ) as source:
        assert source.columns == ("name", "n")
        assert rows(source) == [LegacyRow(1, {"name": HOA, "n": "20"})]
        assert rows(source) == [LegacyRow(1, {"name": HOA, "n": "20"})]


@pytest.mark.parametrize(
    "options", [{}, {"table": "nhan_khau", "query": "SELECT 1"}], ids=["neither", "both"]
)
def test_a_sql_source_needs_exactly_one_of_table_and_query(
    database: str, options: dict[str, str]
) -> None:
    error = failure(database, **options)

    assert error.code == "linkage.source.sql_arguments"


def test_a_missing_table_is_refused_listing_the_tables(database: str) -> None:
    error = failure(database, table="ho_khau")

    assert error.code == "linkage.source.table"
    assert "ho_khau" in error.message_en and "nhan_khau" in error.message_en


def test_a_broken_query_is_refused(database: str) -> None:
    error = failure(database, query="SELECT name FROM nowhere")

    assert error.code == "linkage.source.query"
    assert "nowhere" in error.message_en


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "none.db"

    error = failure(f"sqlite:///{path}", table="x")

    assert error.code == "linkage.source.not_found"
    assert "none.db" in error.message_en
    assert not path.exists()


def test_a_database_that_cannot_be_reached_is_named_with_its_password_masked() -> None:
    url = "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/legacy"

    error = failure(url, table="nhan_khau")

    assert error.code == "linkage.source.unreachable"
    assert "127.0.0.1" in error.message_en
    assert "s3cret" not in error.message_en


def test_a_url_nothing_can_read_is_refused() -> None:
    error = failure("nosuchdb://host/x", table="t")

    assert error.code == "linkage.source.url"

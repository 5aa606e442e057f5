"""Rows go to JSONL, CSV and Parquet files and come back the same, read as a stream."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest

from lienthong.data import count_rows, format_of, open_writer, read_rows
from lienthong.errors import LienthongError

FORMATS = ["jsonl", "csv", "parquet"]
COLUMNS = ["pin", "full_name", "identifiers", "address", "height_cm", "weight_kg", "alive"]

ROWS: list[dict[str, Any]] = [
    {
        "pin": "001090000001",
        "full_name": "Nguyễn Thị Hồng Nhung",
        "identifiers": [{"system": "cccd", "value": "001090000001"}],
        "address": {"province": "Thành phố Hà Nội", "ward": "Phường Điện Biên"},
        "height_cm": 158.5,
        "weight_kg": 52,
        "alive": True,
    },
    # Empty list, missing values, commas, quotes and a line break inside a cell.
    {"pin": "079190000002", "full_name": 'Trần "Bé" Ba,\nÚt', "identifiers": []},
]


def read(path: Path) -> list[tuple[int, dict[str, Any]]]:
    return list(read_rows(path))


@pytest.mark.parametrize("kind", FORMATS)
def test_rows_round_trip_with_vietnamese_text_nested_fields_and_empty_values(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"people.{kind}"
    with open_writer(path, columns=COLUMNS) as writer:
        writer.write(ROWS[0])
        writer.write_many(ROWS[1:])

    rows = read(path)

    assert [number for number, _ in rows] == [1, 2]
    if kind == "csv":
        # CSV cells are text; the record type's model reads numbers and booleans from it.
        assert rows[0][1] == {**ROWS[0], "height_cm": "158.5", "weight_kg": "52", "alive": "true"}
    else:
        assert rows[0][1] == ROWS[0]
    assert rows[1][1] == ROWS[1]


@pytest.mark.parametrize("kind", FORMATS)
def test_a_file_appears_only_when_complete(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"people.{kind}"
    with pytest.raises(RuntimeError), open_writer(path, columns=COLUMNS) as writer:
        writer.write(ROWS[0])
        raise RuntimeError("stopped half-way")
    assert list(tmp_path.iterdir()) == []


def test_parquet_is_written_in_row_groups(tmp_path: Path) -> None:
    path = tmp_path / "many.parquet"
    with open_writer(path, columns=["n"], row_group_size=100) as writer:
        writer.write_many({"n": n} for n in range(1050))
    import pyarrow.parquet as pq

    assert pq.ParquetFile(path).metadata.num_row_groups == 11
    assert [row["n"] for _, row in read_rows(path, batch_size=64)] == list(range(1050))
    assert count_rows(path) == 1050


def test_count_rows_estimates_text_files_by_lines(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"a":1}\n{"a":2}\n{"a":3}', encoding="utf-8")
    (tmp_path / "a.csv").write_text("a\n1\n2\n", encoding="utf-8")
    assert (count_rows(tmp_path / "a.jsonl"), count_rows(tmp_path / "a.csv")) == (3, 2)


def test_text_is_read_as_written_even_decomposed(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    path = tmp_path / "nfd.jsonl"
    with open_writer(path) as writer:
        writer.write({"full_name": decomposed})
    assert read(path)[0][1]["full_name"] == decomposed


def test_a_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffpin,full_name\r\n001,Lê Văn Tám\r\n".encode())
    assert read(path) == [(1, {"pin": "001", "full_name": "Lê Văn Tám"})]


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [("a.JSONL", None, "jsonl"), ("a.ndjson", None, "jsonl"), ("a.txt", "csv", "csv")],
)
def test_the_format_comes_from_the_suffix_or_is_given(
    name: str, given: str | None, expected: str
) -> None:
    assert format_of(name, given) == expected


def error_of(path: Path) -> LienthongError:
    with pytest.raises(LienthongError) as caught:
        read(path)
    return caught.value


def test_an_unknown_suffix_is_refused() -> None:
    with pytest.raises(LienthongError) as caught:
        open_writer("people.xlsx")
    assert caught.value.code == "data.unknown_format"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    error = error_of(tmp_path / "absent.csv")
    assert (error.code, error.params["path"]) == ("data.not_found", str(tmp_path / "absent.csv"))


def test_a_malformed_jsonl_line_names_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"pin": "001"}\n\n{"pin": 001}\n', encoding="utf-8")
    error = error_of(path)
    assert (error.code, error.params["row"], error.field) == ("data.unreadable_row", 3, "10")
    assert str(path) in error.message_en


def test_a_jsonl_row_must_be_an_object(tmp_path: Path) -> None:
    path = tmp_path / "list.jsonl"
    path.write_text('["001"]\n', encoding="utf-8")
    assert error_of(path).code == "data.unreadable_row"


def test_a_cut_jsonl_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_text('{"pin": "001"}\n{"pin": "0', encoding="utf-8")
    error = error_of(path)
    assert (error.code, error.params["row"]) == ("data.truncated", 2)


def test_bad_utf8_names_row_and_character(tmp_path: Path) -> None:
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(b'{"a": "ok"}\n{"a": "Nguy' + b"\xc3\x28" + b'n"}\n')
    error = error_of(path)
    assert (error.code, error.params["row"], error.params["column"]) == ("data.bad_encoding", 2, 12)


def test_bad_utf8_in_csv_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(b"pin,full_name\n001,ok\n002,Nguy\xea\xf1n\n")
    error = error_of(path)
    assert (error.code, error.params["row"]) == ("data.bad_encoding", 2)


def test_a_csv_row_with_the_wrong_number_of_cells_names_the_column(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("pin,full_name,province\n001,An,01\n002,Bình\n", encoding="utf-8")
    error = error_of(path)
    assert (error.code, error.params["row"], error.field) == ("data.unreadable_row", 2, "province")


def test_a_csv_cut_inside_a_quoted_cell_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_text('pin,full_name\n001,"Nguyễn\n', encoding="utf-8")
    assert error_of(path).code == "data.truncated"


def test_a_cut_parquet_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    with open_writer(path, columns=["pin"]) as writer:
        writer.write_many({"pin": f"{n:012d}"} for n in range(100))
    path.write_bytes(path.read_bytes()[:-40])
    assert error_of(path).code == "data.truncated"


def test_with_a_handler_bad_rows_are_reported_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"n": 1}\n{"n": \n{"n": "\xff"}\n{"n": 4}\n')
    seen: list[tuple[str, int, str]] = []
    rows = list(
        read_rows(path, on_error=lambda error, row, raw: seen.append((error.code, row, raw)))
    )
    assert rows == [(1, {"n": 1}), (4, {"n": 4})]
    assert [(code, row) for code, row, _ in seen] == [
        ("data.unreadable_row", 2),
        ("data.bad_encoding", 3),
    ]
    assert seen[0][2] == '{"n": '


def test_writing_a_column_not_named_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(LienthongError) as caught,
        open_writer(tmp_path / "a.csv", columns=["pin"]) as writer,
    ):
        writer.write({"pin": "001", "extra": 1})
    assert (caught.value.code, caught.value.field) == ("data.unexpected_column", "extra")


def test_csv_needs_its_columns() -> None:
    with pytest.raises(LienthongError) as caught:
        open_writer("a.csv")
    assert caught.value.code == "data.no_columns"

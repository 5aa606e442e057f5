"""The encoding of a column is detected once, from how Vietnamese its values read."""

from __future__ import annotations

import random

import pytest

from lienthong.errors import VnError
from lienthong.vn.text import Detection, Encoding, convert, detect, detect_column, encode

NAMES = [
    "Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Long", "Phạm Minh Đức",
    "Huỳnh Thị Thu Thủy", "Đặng Quốc Bảo", "Võ Thị Lệ", "Bùi Xuân Trường",
    "Hồ Thị Phượng", "Ngô Quang Huy", "Dương Khánh Linh", "Lý Thị Mỹ Duyên",
    "Nguyễn Thị Tuyết Nhung", "Trần Đình Nghĩa", "Phan Thanh Hải", "Vũ Thị Hương Giang",
]  # fmt: skip
LEGACY = [Encoding.TCVN3, Encoding.VNI, Encoding.VISCII, Encoding.VPS, Encoding.CP1258]


@pytest.mark.parametrize("encoding", [*LEGACY, Encoding.VIQR])
@pytest.mark.parametrize("as_text", [False, True], ids=["bytes", "mis-decoded text"])
def test_a_column_of_names_is_detected_and_converted(encoding: Encoding, as_text: bool) -> None:
    column: list[bytes | str] = [encode(name, encoding) for name in NAMES]
    if as_text:
        column = [value.decode("latin-1") for value in column if isinstance(value, bytes)]
    detection = detect_column(column)
    assert detection.encoding is encoding
    assert detection.confidence >= 0.9
    assert not detection.ambiguous
    assert [convert(value, detection.encoding) for value in column] == NAMES


def test_utf8_read_as_cp1252_is_detected() -> None:
    column = [name.encode().decode("cp1252", errors="replace") for name in NAMES]
    assert detect_column(column).encoding is Encoding.UTF8


def test_unicode_stays_unicode_and_decomposed_unicode_is_reported() -> None:
    import unicodedata

    assert detect_column(NAMES).encoding is Encoding.UNICODE
    decomposed = [unicodedata.normalize("NFD", name) for name in NAMES]
    detection = detect_column(decomposed)
    assert detection.encoding is Encoding.NFD
    assert convert(decomposed[0], detection.encoding) == NAMES[0]


def test_plain_ascii_stays_ascii() -> None:
    detection = detect_column(["Hello. Is it here?", "Nguyen Van An", "e.g. a list"])
    assert detection.encoding is Encoding.UNICODE
    assert detect("Hello. I'm here?").text == "Hello. I'm here?"


def test_mixed_column_follows_the_majority_and_counts_the_dissenters() -> None:
    rng = random.Random(7)
    column = [encode(name, Encoding.TCVN3).decode("latin-1") for name in NAMES * 3]
    column += [encode(name, Encoding.VNI).decode("latin-1") for name in rng.sample(NAMES, 4)]
    detection = detect_column(column)
    assert detection.encoding is Encoding.TCVN3
    assert detection.conflicts == 4
    assert detection.confidence < 1.0


@pytest.mark.parametrize("encoding", LEGACY)
def test_single_values_are_detected_with_their_text(encoding: Encoding) -> None:
    correct = 0
    for name in NAMES:
        detection = detect(encode(name, encoding).decode("latin-1"))
        correct += detection.text == name
    assert correct >= len(NAMES) - 2


def test_a_short_value_that_two_encodings_explain_is_reported_as_a_tie() -> None:
    detection = detect("Lê")  # Unicode "Lê", or TCVN3 for "Lờ"
    assert detection.encoding is Encoding.UNICODE
    assert detection.ambiguous
    assert Encoding.TCVN3 in detection.alternatives
    assert detection.confidence == 0.0


def test_confidence_is_a_fraction() -> None:
    for name in NAMES:
        detection = detect(encode(name, Encoding.VNI))
        assert isinstance(detection, Detection)
        assert 0.0 <= detection.confidence <= 1.0


def test_empty_column_is_unicode_with_nothing_to_decide() -> None:
    assert detect_column([None, "", b""]) == Detection(Encoding.UNICODE, 1.0)


def test_bad_inputs_raise_stable_codes() -> None:
    with pytest.raises(VnError) as error:
        detect(3.14)  # type: ignore[arg-type]
    assert error.value.code == "vn.text.type"
    with pytest.raises(VnError) as error:
        detect_column(["a"], sample=0)
    assert error.value.code == "vn.text.sample"
    with pytest.raises(VnError) as error:
        detect_column([1, 2])  # type: ignore[list-item]
    assert error.value.code == "vn.text.type"
    with pytest.raises(VnError) as error:
        convert(b"\xff", Encoding.UNICODE)
    assert error.value.code == "vn.text.undecodable"

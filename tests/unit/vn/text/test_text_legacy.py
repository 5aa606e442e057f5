"""Legacy encodings decode to NFC Unicode and encode back, from bytes or mis-decoded text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lienthong.errors import VnError
from lienthong.vn.text import Encoding, decode, encode
from lienthong.vn.text._letters import VIETNAMESE_LETTERS

from .strategies import ALPHABET, vietnamese_text

EIGHT_BIT = [Encoding.TCVN3, Encoding.VNI, Encoding.VISCII, Encoding.VPS, Encoding.CP1258]
ALL = [*EIGHT_BIT, Encoding.VIQR, Encoding.NFD, Encoding.UNICODE, Encoding.UTF8]
# TCVN3 holds only these upper-case Vietnamese letters.
TCVN3_ALPHABET = (
    "".join(char for char in ALPHABET if not (char.isupper() and char in VIETNAMESE_LETTERS))
    + "ĂÂÊÔƠƯĐ"
)


def reads_as_capitals(text: str) -> bool:
    """Whether TCVN3 decoding would read a word of the text as typed in capitals."""
    return any(
        re.search("[A-ZĂÂÊÔƠƯĐ]{2}", word) and not re.search("[a-z]", word) and word != word.upper()
        for word in re.findall(r"[^\W\d_]+", text)
    )


def as_cp1252_tool_reads(data: bytes) -> str:
    """Read bytes the way a Windows tool does: cp1252, undefined bytes kept as themselves."""
    return "".join(bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in data)


@pytest.mark.parametrize(
    ("encoding", "legacy", "text"),
    [
        (Encoding.TCVN3, "NguyÔn V¨n Th¾ng", "Nguyễn Văn Thắng"),
        (Encoding.TCVN3, "§µ N½ng", "Đà Nẵng"),
        (Encoding.TCVN3, "Thõa Thiªn HuÕ", "Thừa Thiên Huế"),
        (Encoding.VNI, "Nguyeãn Vaên Thaéng", "Nguyễn Văn Thắng"),
        (Encoding.VNI, "Ñaø Naüng", "Đà Nẵng"),
        (Encoding.VNI, "Thöøa Thieân Hueá", "Thừa Thiên Huế"),
        (Encoding.VIQR, "Nguye^~n Va(n Tha('ng", "Nguyễn Văn Thắng"),
        (Encoding.VIQR, "DDa` Na(~ng", "Đà Nẵng"),
        (Encoding.VIQR, "O^ng te^n gi`\\? La` Hie^'u\\.", "Ông tên gì? Là Hiếu."),
        (Encoding.UTF8, "Nguyá»…n VÄƒn Tháº¯ng", "Nguyễn Văn Thắng"),
    ],
)  # fmt: skip
def test_known_legacy_strings_decode_to_unicode(encoding: Encoding, legacy: str, text: str) -> None:
    assert decode(legacy, encoding) == text


def test_tcvn3_upper_case_words_get_their_case_back() -> None:
    assert decode("NGUYÔN V¡N TH¾NG", Encoding.TCVN3) == "NGUYỄN VĂN THẮNG"
    assert decode("Hå ChÝ Minh", Encoding.TCVN3) == "Hồ Chí Minh"


def test_tcvn3_cannot_hold_most_upper_case_letters() -> None:
    with pytest.raises(VnError) as error:
        encode("Ấn", Encoding.TCVN3)
    assert error.value.code == "vn.text.unencodable"
    assert error.value.params["char"] == "Ấ"
    assert decode(encode("Ấn", Encoding.TCVN3, errors="lossy"), Encoding.TCVN3) == "ấn"


@pytest.mark.parametrize("encoding", EIGHT_BIT)
@given(text=vietnamese_text())
def test_eight_bit_round_trip_from_bytes_and_from_mis_decoded_text(
    encoding: Encoding, text: str
) -> None:
    if encoding is Encoding.TCVN3:
        text = "".join(
            char if char in TCVN3_ALPHABET or char.isascii() else char.lower() for char in text
        )
        assume(not reads_as_capitals(text))
    data = encode(text, encoding)
    assert decode(data, encoding) == text
    assert decode(data.decode("latin-1"), encoding) == text
    assert decode(as_cp1252_tool_reads(data), encoding) == text


@given(text=st.text(alphabet=ALPHABET + " .,?'`~^(+\\-dD0123456789", max_size=40))
def test_viqr_round_trip_holds_for_any_text_including_its_mark_characters(text: str) -> None:
    data = encode(text, Encoding.VIQR)
    assert data.isascii()
    assert decode(data, Encoding.VIQR) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("encoding", [Encoding.NFD, Encoding.UNICODE, Encoding.UTF8])
@given(text=vietnamese_text())
def test_unicode_forms_round_trip(encoding: Encoding, text: str) -> None:
    assert decode(encode(text, encoding), encoding) == text


def test_nfd_encoding_writes_decomposed_utf8() -> None:
    assert encode("ễ", Encoding.NFD) == "e\u0302\u0303".encode()


def test_cp1258_output_with_combining_tone_is_composed() -> None:
    assert decode(b"Vi\xea\xf2t", Encoding.CP1258) == "Việt"


@given(text=st.text(alphabet=TCVN3_ALPHABET + " ", max_size=30))
def test_tcvn3_lossy_encoding_keeps_the_search_key(text: str) -> None:
    from lienthong.vn.text import fold

    decoded = decode(encode(text.upper(), Encoding.TCVN3, errors="lossy"), Encoding.TCVN3)
    assert fold(decoded) == fold(text.upper())


def test_tables_agree_with_viparse_where_viparse_has_the_letter() -> None:
    viparse = pytest.importorskip("viparse.normalize.tables")
    charmaps = pytest.importorskip("viparse.normalize.encodings").CHARMAPS
    for encoding in (Encoding.TCVN3, Encoding.VNI, Encoding.VISCII, Encoding.VPS):
        for letter in sorted(VIETNAMESE_LETTERS):
            try:
                legacy = encode(letter, encoding).decode("latin-1")
            except VnError:
                continue
            theirs = viparse.convert(legacy, charmaps[encoding.value])
            if theirs != legacy:  # viparse leaves letters it lacks (VNI ẳ) unconverted
                assert theirs == letter, (encoding, letter, legacy)


def test_viscii_agrees_with_the_viscii_codec() -> None:
    pytest.importorskip("viscii")
    for letter in sorted(VIETNAMESE_LETTERS):
        assert encode(letter, Encoding.VISCII) == letter.encode("viscii")
    every_byte = bytes(range(256))
    assert decode(every_byte, Encoding.VISCII) == unicodedata.normalize(
        "NFC", every_byte.decode("viscii")
    )


@pytest.mark.parametrize("encoding", ALL)
def test_every_vietnamese_letter_survives_where_the_encoding_has_it(encoding: Encoding) -> None:
    letters = " ".join(sorted(VIETNAMESE_LETTERS))
    if encoding is Encoding.TCVN3:
        letters = " ".join(char for char in sorted(VIETNAMESE_LETTERS) if char in TCVN3_ALPHABET)
    assert decode(encode(letters, encoding), encoding) == letters


def test_unknown_encoding_names_the_known_ones() -> None:
    with pytest.raises(VnError) as error:
        decode(b"x", "ebcdic", field="ho_ten")
    assert error.value.code == "vn.text.encoding"
    assert error.value.field == "ho_ten"
    assert "tcvn3" in error.value.message_en


def test_invalid_utf8_is_reported_not_raised_bare() -> None:
    with pytest.raises(VnError) as error:
        decode(b"\xff\xfe", Encoding.UNICODE)
    assert error.value.code == "vn.text.undecodable"


@pytest.mark.parametrize("encoding", [*EIGHT_BIT, Encoding.VIQR])
def test_characters_outside_the_encoding_raise_unless_lossy(encoding: Encoding) -> None:
    with pytest.raises(VnError) as error:
        encode("Hà Nội 北京", encoding)
    assert error.value.code == "vn.text.unencodable"
    assert decode(encode("Hà Nội 北京", encoding, errors="lossy"), encoding) == "Hà Nội ??"


def test_wrong_input_types_are_refused() -> None:
    with pytest.raises(VnError) as error:
        decode(42, Encoding.TCVN3)  # type: ignore[arg-type]
    assert error.value.code == "vn.text.type"
    with pytest.raises(VnError):
        encode(b"bytes", Encoding.TCVN3)  # type: ignore[arg-type]

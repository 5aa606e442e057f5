"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI, VISCII, VPS, VIQR, cp1258, NFD and UTF-8.

Input is either ``bytes`` read from a legacy file, or a ``str`` holding those bytes as a tool
mis-decoded them (cp1252 or latin-1: "NguyÔn" is TCVN3 "Nguyễn"). Both reach the same byte
values, so every table here is indexed by byte. Decoded text is NFC.

Tables and their sources:

- VISCII: RFC 1456 (also GNU recode's ``VISCII``).
- TCVN3: TCVN 5712:1993, table VN3 — the ABC ``.Vn`` fonts. VN3 has only seven upper-case
  Vietnamese letters (Ă Â Ê Ô Ơ Ư Đ); the other upper-case letters were drawn from the
  lower-case codes in ``.VnTimeH`` fonts, so the bytes lose their case. Decoding also accepts
  the upper-case codes VN1 adds in 0x80–0xFF (GNU recode's ``TCVN``), and restores upper case in
  a word whose other letters are all upper case ("NGUYễN" → "NGUYỄN"). Encoding writes VN3 only.
- VPS: the VPS chart (GNU recode's ``VPS``; byte 0x99 is Ỗ, which recode leaves undefined).
- VNI (Windows): a base letter followed by a mark byte, from the VNI font layout.
- cp1258: Python's codec; its base letter plus combining tone is composed to NFC.
- VIQR: RFC 1456, see :mod:`lienthong.vn.text.viqr`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from enum import StrEnum
from typing import Final, Literal

from lienthong.errors import VnError
from lienthong.i18n import N_
from lienthong.vn.text._letters import JOIN_TONE, SPLIT_TONE, TONE_MARKS
from lienthong.vn.text.normalize import _compose
from lienthong.vn.text.viqr import decode_viqr, encode_viqr


class Encoding(StrEnum):
    """An encoding Vietnamese text is found in."""

    UNICODE = "unicode"  # UTF-8 bytes, or text that is already correct
    NFD = "nfd"  # Unicode with the marks decomposed
    UTF8 = "utf8"  # UTF-8 bytes mis-decoded as cp1252 ("Nguyá»…n")
    TCVN3 = "tcvn3"
    VNI = "vni"
    VISCII = "viscii"
    VPS = "vps"
    VIQR = "viqr"
    CP1258 = "cp1258"


Errors = Literal["strict", "lossy"]

# The 27 characters cp1252 puts at 0x80–0x9F, mapped back to the byte they were read from.
_CP1252_BACK: Final = {
    ord(bytes([byte]).decode("cp1252")): byte
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def _table(high: str, low: dict[int, str] | None = None) -> str:
    """Return a 256-character decoding table: latin-1, with 0x80–0xFF and some C0 bytes replaced."""
    chars = [chr(byte) for byte in range(0x80)] + list(high)
    for byte, char in (low or {}).items():
        chars[byte] = char
    if len(chars) != 256:
        raise AssertionError("a decoding table has exactly 256 entries")
    return "".join(chars)


_VISCII: Final = _table(
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"
    "ÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ",
    {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"},
)
_VPS: Final = _table(
    "ÀẢÃẤẦẨọỗĂếềểệẮẰẲẾ\x91\x92ỀỂỄỐỒỔỖýỷỵỚỜỞ"
    "\xa0ắằẳẵặỠớÙờởỡŨỨợỪổỬỲỸÍÌộỈĨÓửữÒỎÕự"
    "ầÁÂấẩẫậđẻÉÊẹỉễịỹƯỦồốÔỏơÈừứÚũưÝẺß"
    "àáâãảạăçèéêẽìíîĩẴĐòóôõöƠụùúủüỶẼỳ",
    {
        0x02: "Ạ",
        0x03: "Ậ",
        0x04: "Ặ",
        0x05: "Ẹ",
        0x06: "Ệ",
        0x10: "Ị",
        0x11: "Ọ",
        0x12: "Ộ",
        0x13: "Ợ",
        0x14: "Ụ",
        0x15: "Ự",
        0x19: "Ỵ",
        0x1C: "Ẫ",
        0x1D: "Ữ",
    },
)
# VN3 in 0xA1–0xFE; VN1's upper-case letters where VN3 leaves a code unassigned.
_TCVN3: Final = _table(
    "ÀẢÃÁẠẶẬÈẺẼÉẸỆÌỈĨÍỊÒỎÕÓỌỘỜỞỠỚỢÙỦŨ"
    "\xa0ĂÂÊÔƠƯĐăâêôơưđẰ°±²³´àảãáạẲằẳẵắẴ"
    "ẮẦẨẪẤỀặầẩẫấậèỂẻẽéẹềểễếệìỉỄẾỒĩíịò"
    "ỔỏõóọồổỗốộờởỡớợùỖủũúụừửữứựỳỷỹýỵỐ"
)
_VN1_ONLY: Final = frozenset(range(0x80, 0xA0)) | {
    0xAF, 0xBA, 0xBF, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xCD, 0xD9, 0xDA, 0xDB, 0xE0, 0xF0, 0xFF
}  # fmt: skip


def _cp1258_table() -> str:
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1258"))
        except UnicodeDecodeError:
            chars.append(chr(byte))  # undefined in cp1258: keep the byte's latin-1 reading
    return "".join(chars)


_CP1258: Final = _cp1258_table()
_SINGLE_BYTE: Final = {
    Encoding.TCVN3: _TCVN3,
    Encoding.VISCII: _VISCII,
    Encoding.VPS: _VPS,
    Encoding.CP1258: _CP1258,
}
_TRANSLATE: Final = {
    encoding: {byte: char for byte, char in enumerate(table) if char != chr(byte)}
    for encoding, table in _SINGLE_BYTE.items()
}


def _encoder(encoding: Encoding) -> dict[str, int]:
    table = _SINGLE_BYTE[encoding]
    skip = _VN1_ONLY if encoding is Encoding.TCVN3 else frozenset()
    # Bytes a character set leaves as their latin-1 reading are not letters it encodes.
    return {
        char: byte
        for byte, char in enumerate(table)
        if byte not in skip and (byte < 0x80 or char != chr(byte) or char.isalpha())
    }


_ENCODE: Final = {
    encoding: _encoder(encoding) for encoding in (Encoding.TCVN3, Encoding.VISCII, Encoding.VPS)
}

# VNI: a letter is its base plus a mark byte; four i-letters, ỵ, ơ, ư and đ are single bytes.
_VNI_TONE: Final = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX: Final = dict(zip(["", *_VNI_TONE], "âáàåãä", strict=True))
_VNI_BREVE: Final = dict(zip(["", *_VNI_TONE], "êéèúüë", strict=True))
_VNI_SINGLE: Final = {
    "đ": "ñ", "ơ": "ô", "ư": "ö", "í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"
}  # fmt: skip


def _vni_tables() -> tuple[dict[str, str], dict[str, str]]:
    encode: dict[str, str] = {}
    for toneless_letter, tone_mark in [
        (toneless, tone) for toneless in "aăâeêoôơuưy" for tone in ["", *TONE_MARKS]
    ]:
        letter = JOIN_TONE[(toneless_letter, tone_mark)]
        if letter in _VNI_SINGLE:
            continue
        if toneless_letter in "ăâêô":
            plain = unicodedata.normalize("NFD", toneless_letter)[0]
            marks = _VNI_BREVE if toneless_letter == "ă" else _VNI_CIRCUMFLEX
            spelling = plain + marks[tone_mark]
        else:
            base = _VNI_SINGLE.get(toneless_letter, toneless_letter)
            spelling = base + (_VNI_TONE[tone_mark] if tone_mark else "")
        if len(spelling) > 1 or spelling != letter:
            encode[letter] = spelling
    encode.update(
        {letter: spelling for letter, spelling in _VNI_SINGLE.items() if letter != spelling}
    )
    for letter, spelling in list(encode.items()):
        encode[letter.upper()] = spelling.upper()
    decode: dict[str, str] = {}
    for letter, spelling in encode.items():
        decode[spelling] = letter
        if len(spelling) == 2:
            # Typists mixed the case of the mark byte; the base letter carries the case.
            decode[spelling[0] + spelling[1].swapcase()] = letter
    return encode, decode


_VNI_ENCODE, _VNI_DECODE = _vni_tables()
_VNI_PATTERN: Final = re.compile(
    "|".join(re.escape(spelling) for spelling in sorted(_VNI_DECODE, key=len, reverse=True))
)
# Two upper-case letters in a row: the sign of a word typed in capitals.
_TWO_CAPS: Final = re.compile("[A-ZĂÂÊÔƠƯĐ]{2}")
_WORD: Final = re.compile(r"[^\W\d_]+")


def _to_raw(data: bytes | str, *, field: str | None) -> str:
    """Return the legacy bytes as a latin-1 string (one character per byte, others kept)."""
    if isinstance(data, bytes | bytearray):
        return bytes(data).decode("latin-1")
    if isinstance(data, str):
        return data if data.isascii() else data.translate(_CP1252_BACK)
    raise VnError(
        "vn.text.type",
        N_("Expected text or bytes but got {kind}: pass the value as read from the file."),
        field=field,
        kind=type(data).__name__,
    )


def _restore_caps(word: re.Match[str]) -> str:
    """Upper-case a word whose only lower-case letters came from TCVN3's lower-case codes."""
    text = word.group()
    if _TWO_CAPS.search(text) is None or any(char.islower() and char.isascii() for char in text):
        return text
    return text.upper()


def _decode_raw(raw: str, encoding: Encoding, *, field: str | None) -> str:
    if encoding in _SINGLE_BYTE:
        try:
            text = codecs.charmap_decode(raw.encode("latin-1"), "strict", _SINGLE_BYTE[encoding])[0]
        except UnicodeEncodeError:
            # Characters beyond one byte are already Unicode: keep them, convert the rest.
            text = raw.translate(_TRANSLATE[encoding])
        if encoding is Encoding.TCVN3 and not text.isascii() and _TWO_CAPS.search(text):
            text = _WORD.sub(_restore_caps, text)
        elif encoding is Encoding.CP1258:
            return _compose(text)
        return text
    if encoding is Encoding.VNI:
        return _VNI_PATTERN.sub(lambda match: _VNI_DECODE[match.group()], raw)
    if encoding is Encoding.VIQR:
        return decode_viqr(raw)
    try:
        return _compose(raw.encode("latin-1").decode("utf-8"))
    except UnicodeError:
        raise VnError(
            "vn.text.undecodable",
            N_("The value is not valid {encoding}: check the column's encoding and read it again."),
            field=field,
            encoding=encoding.value,
        ) from None


def _as_encoding(encoding: Encoding | str, field: str | None) -> Encoding:
    try:
        return Encoding(encoding)
    except ValueError:
        raise VnError(
            "vn.text.encoding",
            N_("Unknown encoding {encoding}: use one of {known}."),
            field=field,
            encoding=str(encoding),
            known=", ".join(member.value for member in Encoding),
        ) from None


def decode(data: bytes | str, encoding: Encoding | str, *, field: str | None = None) -> str:
    """Return the NFC text that legacy bytes (or their mis-decoded string) spell."""
    encoding = _as_encoding(encoding, field)
    if encoding in (Encoding.UNICODE, Encoding.NFD):
        if isinstance(data, str):
            return _compose(data)
        return _decode_raw(_to_raw(data, field=field), encoding, field=field)
    if encoding is Encoding.UTF8 and isinstance(data, str) and data.isascii():
        return data
    return _decode_raw(_to_raw(data, field=field), encoding, field=field)


def _unencodable(text: str, position: int, encoding: Encoding, field: str | None) -> VnError:
    return VnError(
        "vn.text.unencodable",
        N_(
            "{encoding} cannot represent the character {char!r} at position {position}: "
            "keep the value in Unicode, or encode with errors='lossy'."
        ),
        field=field,
        encoding=encoding.value,
        char=text[position],
        position=position,
    )


def _lower_fallback(char: str, table: dict[str, int] | dict[str, str]) -> str | None:
    lower = char.lower()
    return lower if lower != char and lower in table else None


def encode(
    text: str,
    encoding: Encoding | str,
    *,
    errors: Errors = "strict",
    field: str | None = None,
) -> bytes:
    """Return the bytes of a text in a legacy encoding.

    With ``errors="strict"`` a character the encoding cannot hold raises
    ``vn.text.unencodable``; with ``errors="lossy"`` an upper-case letter falls back to its lower
    case (what TCVN3 files did) and anything else becomes ``?``.
    """
    encoding = _as_encoding(encoding, field)
    if not isinstance(text, str):
        raise VnError(
            "vn.text.type",
            N_("Expected text but got {kind}: pass a string (decode bytes with decode() first)."),
            field=field,
            kind=type(text).__name__,
        )
    text = unicodedata.normalize("NFC", text)
    if encoding in (Encoding.UNICODE, Encoding.UTF8):
        return text.encode("utf-8")
    if encoding is Encoding.NFD:
        return unicodedata.normalize("NFD", text).encode("utf-8")
    if encoding is Encoding.VIQR:
        spelled = encode_viqr(text)
        if not spelled.isascii():
            return _encode_ascii(spelled, encoding, errors, field)
        return spelled.encode("ascii")
    if encoding is Encoding.CP1258:
        return _encode_cp1258(text, errors, field)
    if encoding is Encoding.VNI:
        out: list[str] = []
        for position, char in enumerate(text):
            spelling = _VNI_ENCODE.get(char)
            if spelling is None:
                if char < "\x80" or (char < "\u0100" and char not in _VNI_LATIN1_USED):
                    spelling = char
                elif errors == "lossy":
                    spelling = "?"
                else:
                    raise _unencodable(text, position, encoding, field)
            out.append(spelling)
        return "".join(out).encode("latin-1")
    table = _ENCODE[encoding]
    data = bytearray()
    for position, char in enumerate(text):
        byte = table.get(char)
        if byte is None:
            if errors == "strict":
                raise _unencodable(text, position, encoding, field)
            fallback = _lower_fallback(char, table)
            byte = table[fallback] if fallback is not None else ord("?")
        data.append(byte)
    return bytes(data)


# Latin-1 characters VNI uses as mark or letter bytes: as themselves they cannot be written.
_VNI_LATIN1_USED: Final = frozenset("".join(_VNI_DECODE)) - frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def _encode_ascii(spelled: str, encoding: Encoding, errors: Errors, field: str | None) -> bytes:
    if errors == "lossy":
        # An escaped "?" so the replacement is not read as a hook on the letter before it.
        return "".join(char if char.isascii() else "\\?" for char in spelled).encode("ascii")
    position = next(index for index, char in enumerate(spelled) if not char.isascii())
    raise _unencodable(spelled, position, encoding, field)


def _encode_cp1258(text: str, errors: Errors, field: str | None) -> bytes:
    data = bytearray()
    for position, char in enumerate(text):
        try:
            data += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = SPLIT_TONE.get(char)
        if parts is not None and parts[1]:
            # cp1258 holds the toneless letter and the tone as a combining mark.
            data += parts[0].encode("cp1258") + parts[1].encode("cp1258")
        elif errors == "strict":
            raise _unencodable(text, position, Encoding.CP1258, field)
        else:
            data += b"?"
    return bytes(data)

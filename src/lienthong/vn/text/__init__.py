"""Vietnamese text: NFC, tone-mark placement, folding for search, legacy encodings, dates."""

from lienthong.vn.text.dates import PartialDate, Precision, format_datetime, parse_date, swapped
from lienthong.vn.text.detect import Detection, convert, detect, detect_column
from lienthong.vn.text.fold import fold
from lienthong.vn.text.legacy import Encoding, decode, encode
from lienthong.vn.text.normalize import nfc, normalize

__all__ = [
    "Detection",
    "Encoding",
    "PartialDate",
    "Precision",
    "convert",
    "decode",
    "detect",
    "detect_column",
    "encode",
    "fold",
    "format_datetime",
    "nfc",
    "normalize",
    "parse_date",
    "swapped",
]

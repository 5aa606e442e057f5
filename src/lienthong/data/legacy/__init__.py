"""Labelled legacy extracts derived from generated registry data, with the damage legacy
systems do and the ground truth beside them: the benchmark data of the linkage.

    from lienthong.data.legacy import make_legacy

    summary = make_legacy(source=Path("data/"), kind="land", out=Path("legacy/"))
    # legacy/land.csv (TCVN3 bytes), legacy/land.truth.csv, legacy/land.mapping.toml

See docs/synthetic-data.md, "Legacy extracts", for the columns and the damage rates.
"""

from lienthong.data.legacy.damage import FILE_ENCODINGS, Damage
from lienthong.data.legacy.extracts import KINDS
from lienthong.data.legacy.service import LegacyProgress, LegacySummary, make_legacy
from lienthong.data.legacy.writers import EXTRACT_FORMATS

__all__ = [
    "EXTRACT_FORMATS",
    "FILE_ENCODINGS",
    "KINDS",
    "Damage",
    "LegacyProgress",
    "LegacySummary",
    "make_legacy",
]

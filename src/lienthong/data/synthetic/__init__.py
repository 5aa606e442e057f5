"""Coherent synthetic national data for the six core registries, generated in constant memory.

    from lienthong.data.synthetic import generate, records

    summary = generate(people=100_000, seed=7, out="data/")     # seven files + manifest.json
    for record_type, content in records(people=1000, seed=7, provinces=["91"]):
        ...                                                     # references always met first

See docs/synthetic-data.md for the distributions and their sources.
"""

from lienthong.data.synthetic.engine import AS_OF
from lienthong.data.synthetic.layout import FILES, RECORD_TYPES, RecordFile
from lienthong.data.synthetic.service import (
    FORMATS,
    GENERATOR_VERSION,
    MANIFEST,
    FileSummary,
    GenerateProgress,
    Rates,
    Summary,
    generate,
    iter_records,
    records,
)

__all__ = [
    "AS_OF",
    "FILES",
    "FORMATS",
    "GENERATOR_VERSION",
    "MANIFEST",
    "RECORD_TYPES",
    "FileSummary",
    "GenerateProgress",
    "Rates",
    "RecordFile",
    "Summary",
    "generate",
    "iter_records",
    "records",
]

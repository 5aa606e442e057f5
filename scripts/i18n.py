"""Keep the Vietnamese catalogue in step with the source.

    python scripts/i18n.py update    # extract msgids from src/, merge into the .po
    python scripts/i18n.py compile   # write the .mo the package loads at run time

Source strings are English and marked with ``_()`` or ``N_()``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "lienthong"
PO = SOURCE / "locale" / "vi" / "LC_MESSAGES" / "lienthong.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None}


def extract() -> Catalog:
    """Return a template catalogue of every marked string under src/lienthong."""
    template = Catalog(project="lienthong")
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        template.add(message, locations=[(f"src/lienthong/{filename}", lineno)])
    return template


def load() -> Catalog:
    """Read the Vietnamese catalogue."""
    with PO.open("rb") as handle:
        return read_po(handle, locale="vi")


def compiled(catalog: Catalog) -> bytes:
    """Return the .mo bytes of a catalogue."""
    buffer = BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update() -> None:
    """Merge new msgids into the .po; obsolete ones are dropped."""
    catalog = load() if PO.exists() else Catalog(locale="vi", project="lienthong")
    catalog.update(extract(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.header_comment = "# Vietnamese translations of lienthong's user-facing strings."
    catalog.project, catalog.fuzzy = "lienthong", False
    catalog.last_translator = catalog.language_team = "lienthong contributors"
    catalog.revision_date = datetime.now(UTC)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} without a Vietnamese translation")


def compile_mo() -> None:
    """Write the .mo beside the .po."""
    MO.write_bytes(compiled(load()))


if __name__ == "__main__":
    commands = {"update": update, "compile": compile_mo}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()

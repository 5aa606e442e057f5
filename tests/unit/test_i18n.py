"""Every user-facing string has a Vietnamese translation, and the compiled catalogue is current."""

from __future__ import annotations

import gettext
import importlib.util
import string
from pathlib import Path

from lienthong.errors import LienthongError
from lienthong.i18n import N_, translate

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec and _spec.loader
i18n_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(i18n_script)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_marked_string_has_a_vietnamese_translation() -> None:
    catalog = i18n_script.load()
    missing = []
    for message in i18n_script.extract():
        translated = catalog.get(message.id) if message.id else None
        if message.id and not (translated and translated.string and not translated.fuzzy):
            missing.append(message.id)
    assert not missing, "run `python scripts/i18n.py update` and translate:\n" + "\n".join(missing)


def test_translations_keep_every_placeholder() -> None:
    for message in i18n_script.load():
        if message.id and message.string:
            assert _fields(message.string) == _fields(message.id), message.id


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with i18n_script.MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    source = {m.id: m.string for m in i18n_script.load() if m.id and m.string}
    shipped = {key: value for key, value in compiled.items() if key}
    assert shipped == source, "run `python scripts/i18n.py compile`"


def test_errors_speak_both_languages() -> None:
    error = LienthongError(
        "config.not_found",
        N_(
            "The configuration file {path} does not exist. Create it or point --config at the right file."
        ),
        path="/etc/lt.toml",
    )
    assert error.message_en.startswith("The configuration file /etc/lt.toml")
    assert error.message_vi != error.message_en and "/etc/lt.toml" in error.message_vi
    assert error.to_dict()["code"] == "config.not_found"
    assert str(error).startswith("config.not_found: ")


def test_an_unknown_language_falls_back_to_english() -> None:
    assert translate("default", language="fr") == "default"

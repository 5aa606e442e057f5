"""Translations of user-facing strings (gettext, Vietnamese first).

Source strings are English msgids; Vietnamese comes from the catalogue in
``lienthong/locale/vi/LC_MESSAGES/lienthong.po`` (compiled to ``.mo`` beside it).
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from functools import cache
from importlib.resources import files
from typing import Final, Literal

Language = Literal["vi", "en"]

DOMAIN: Final = "lienthong"
LANGUAGES: Final[tuple[Language, ...]] = ("vi", "en")
DEFAULT_LANGUAGE: Final[Language] = "vi"

current_language: ContextVar[Language] = ContextVar("lienthong_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Return the catalogue for a language (English is the source, so it is the identity)."""
    localedir = str(files("lienthong") / "locale")
    return gettext.translation(DOMAIN, localedir=localedir, languages=[language], fallback=True)


def translate(message: str, *, language: str) -> str:
    """Translate one msgid into the given language."""
    return translations(language).gettext(message)


def _(message: str) -> str:
    """Translate into the language of the current context."""
    return translate(message, language=current_language.get())

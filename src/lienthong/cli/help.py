"""Pick the language of ``--help`` texts, which are built when the command is imported."""

from __future__ import annotations

import os

from lienthong.i18n import LANGUAGES, current_language


def help_language() -> None:
    """Set the current language from ``LIENTHONG_LANGUAGE`` before help texts are translated."""
    language = os.environ.get("LIENTHONG_LANGUAGE", "").strip().lower()
    if language in LANGUAGES:
        current_language.set(language)

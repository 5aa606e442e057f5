"""The one error type every boundary raises: a stable code plus a message in both languages."""

from __future__ import annotations

from typing import Any

from lienthong.i18n import current_language, translate


class LienthongError(Exception):
    """A failure that says what went wrong, where, and what to do.

    ``code`` is stable and machine-readable (``vn.pin.length``); ``template`` is the
    English msgid, translated through gettext; ``params`` fill its ``{placeholders}``.
    """

    def __init__(
        self, code: str, template: str, /, *, field: str | None = None, **params: Any
    ) -> None:
        self.code = code
        self.template = template
        self.field = field
        self.params = params
        super().__init__(code)

    def message(self, language: str | None = None) -> str:
        """Return the message in a language (default: the current context's)."""
        text = translate(self.template, language=language or current_language.get())
        return text.format(**self.params)

    @property
    def message_vi(self) -> str:
        """The message in Vietnamese."""
        return self.message("vi")

    @property
    def message_en(self) -> str:
        """The message in English."""
        return self.message("en")

    def to_dict(self) -> dict[str, str | None]:
        """Return the error as a JSON-ready mapping (the shape HTTP and files use)."""
        return {
            "code": self.code,
            "field": self.field,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, field={self.field!r}, params={self.params!r})"


class VnError(LienthongError, ValueError):
    """Bad Vietnamese reference input: an identifier, unit, text, date or name."""

"""Error codes map onto HTTP statuses by family, and clients choose the language put first."""

from __future__ import annotations

import pytest

from lienthong.web.api.errors import preferred_language, status_of


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("store.not_found", 404),
        ("systems.unknown_service", 404),
        ("store.deleted", 410),
        ("store.already_exists", 409),
        ("store.version_conflict", 412),
        ("store.not_owner", 403),
        ("access.forbidden", 403),
        ("access.purpose_required", 403),
        ("access.unauthenticated", 401),
        ("access.invalid_token", 401),
        ("store.invalid_record", 422),
        ("api.invalid_input", 422),
        ("api.precondition_required", 428),
        ("store.bad_cursor", 400),
        ("api.bad_filter", 400),
        ("vn.pin.length", 400),
    ],
)
def test_each_code_family_has_its_status(code: str, status: int) -> None:
    assert status_of(code) == status


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "vi"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,en;q=0.5", "vi"),
        ("fr,en;q=0.3", "en"),
        ("en;q=0.2,vi;q=0.8", "vi"),
        ("de", "vi"),
        ("en;q=abc", "vi"),
    ],
)
def test_the_preferred_language_is_read_from_accept_language(
    header: str | None, language: str
) -> None:
    assert preferred_language(header) == language

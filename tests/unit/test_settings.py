"""Settings are declared once, documented, and fail with a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from lienthong.errors import LienthongError
from lienthong.settings import CONFIG_ENV, ENV_PREFIX, Settings, describe, load_settings, mask

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [CONFIG_ENV, *(ENV_PREFIX + field.upper() for field in Settings.model_fields)]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_every_setting_is_documented_with_its_variable_and_default() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        row = re.search(rf"^\| `{name}` \| `LIENTHONG_{name.upper()}` \| `([^`]*)` \|", text, re.M)
        assert row, f"docs/configuration.md has no row for the setting {name}"
        assert row.group(1) == str(field.default), f"documented default of {name} is stale"


def test_every_setting_has_help_text() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"


def test_defaults_apply_without_file_or_environment() -> None:
    settings = load_settings()
    assert settings.language == "vi"
    assert settings.state_dir == Path("state")


def test_the_environment_overrides_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "node.toml"
    config.write_text('language = "en"\nlog_level = "INFO"\n', encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_LOG_LEVEL", "ERROR")
    settings = load_settings(config_file=config)
    assert (settings.language, settings.log_level) == ("en", "ERROR")
    sources = {s.name: s.source for s in describe(settings, config_file=config)}
    assert sources["language"] == "file"
    assert sources["log_level"] == "environment"
    assert sources["state_dir"] == "default"


def test_lienthong_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "lienthong.toml").write_text('language = "en"\n', encoding="utf-8")
    assert load_settings().language == "en"


def test_the_config_variable_names_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('state_dir = "/srv/node"\n', encoding="utf-8")
    monkeypatch.setenv("LIENTHONG_CONFIG", str(config))
    assert load_settings().state_dir == Path("/srv/node")


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LienthongError) as raised:
        load_settings(config_file=tmp_path / "absent.toml")
    assert raised.value.code == "config.not_found"
    assert "absent.toml" in raised.value.message_en


def test_a_malformed_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("language = \n", encoding="utf-8")
    with pytest.raises(LienthongError) as raised:
        load_settings(config_file=config)
    assert raised.value.code == "config.malformed"


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('language = "fr"\n', "language"),
        ('colour = "red"\n', "colour"),
        ("log_level = 3\n", "log_level"),
    ],
)
def test_an_invalid_or_unknown_setting_names_the_setting(
    tmp_path: Path, content: str, field: str
) -> None:
    config = tmp_path / "node.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(LienthongError) as raised:
        load_settings(config_file=config)
    assert raised.value.code == "config.invalid"
    assert raised.value.field == field


def test_an_invalid_environment_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_LANGUAGE", "klingon")
    with pytest.raises(LienthongError) as raised:
        load_settings()
    assert raised.value.field == "language"


def test_the_database_defaults_to_a_file_in_the_state_directory(tmp_path: Path) -> None:
    assert load_settings(state_dir=tmp_path).effective_database_url == (
        f"sqlite:///{tmp_path / 'node.sqlite'}"
    )
    url = "postgresql://lt@db/lt"
    assert load_settings(database_url=url).effective_database_url == url


def test_config_show_masks_the_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_DATABASE_URL", "postgresql://lt:hunter2@db:5432/lt")
    shown = {s.name: s.value for s in describe(load_settings())}
    assert shown["database_url"] == "postgresql://lt:********@db:5432/lt"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (SecretStr("hunter2"), "********"),
        (SecretStr(""), ""),
        (
            "postgresql://lt:hunter2@db.example:5432/lt",
            "postgresql://lt:********@db.example:5432/lt",
        ),
        ("postgresql://lt@db.example/lt", "postgresql://lt@db.example/lt"),
        ("sqlite:///state/node.sqlite", "sqlite:///state/node.sqlite"),
    ],
)
def test_secrets_and_url_passwords_are_masked(value: object, shown: str) -> None:
    assert mask(value) == shown

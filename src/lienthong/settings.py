"""Settings declared once: typed, each with a default and help text.

Sources, strongest first: keyword arguments (tests), ``LIENTHONG_*`` environment
variables, the node configuration file (TOML), the defaults below. Every setting is
documented in ``docs/configuration.md``; a test fails when one is missing there.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from lienthong.errors import LienthongError
from lienthong.i18n import N_, Language

ENV_PREFIX = "LIENTHONG_"
CONFIG_ENV = "LIENTHONG_CONFIG"
DEFAULT_CONFIG_FILE = Path("lienthong.toml")
MASK = "********"

_config_data: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "lienthong_config_data", default=None
)


class Settings(BaseSettings):
    """The configuration of one lienthong node."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", validate_default=True, frozen=True
    )

    language: Language = Field(
        default="vi",
        description=N_("Language of messages in the CLI and the web pages: vi (Vietnamese) or en."),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING",
        description=N_("Least severe log level that is written to standard error."),
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description=N_(
            "How log lines are written: text for people, json (one object per line) for log collectors."
        ),
    )
    state_dir: Path = Field(
        default=Path("state"),
        description=N_("Directory where the node keeps its database, keys and caches."),
    )
    node_id: str = Field(
        default="VN-central",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$",
        description=N_(
            "Identifier of this node in the network; records it creates are owned by it."
        ),
    )
    database_url: str | None = Field(
        default=None,
        description=N_(
            "SQLAlchemy URL of the node's database (sqlite:///… or postgresql://…). Default: a SQLite file in the state directory."
        ),
    )
    http_host: str = Field(
        default="127.0.0.1", description=N_("Address the node's HTTP API listens on.")
    )
    http_port: int = Field(
        default=8080, ge=1, le=65535, description=N_("Port the node's HTTP API listens on.")
    )

    network_instance: str = Field(
        default="VN",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description=N_(
            "The exchange network's instance, the first part of every X-Road identifier."
        ),
    )
    gateway_host: str = Field(
        default="127.0.0.1",
        description=N_(
            "Address the gateway's client side listens on: keep it on the node's internal network."
        ),
    )
    gateway_port: int = Field(
        default=8081,
        ge=1,
        le=65535,
        description=N_(
            "Port where the node's own systems call other agencies (X-Road REST protocol)."
        ),
    )
    gateway_tls_host: str = Field(
        default="127.0.0.1",
        description=N_("Address other nodes' gateways reach this node at (mutual TLS)."),
    )
    gateway_tls_port: int = Field(
        default=5500,
        ge=1,
        le=65535,
        description=N_("Port other nodes' gateways call this node on (mutual TLS)."),
    )
    directory_url: str | None = Field(
        default=None,
        description=N_(
            "Where the node fetches the signed directory (central's gateway, https://…/directory). Default: none, for the network authority itself."
        ),
    )
    directory_validity_days: int = Field(
        default=7,
        ge=1,
        description=N_(
            "How many days each published version of the directory stays valid: how long nodes keep working on it while central is unreachable (central only)."
        ),
    )
    directory_max_age_hours: float | None = Field(
        default=None,
        gt=0,
        description=N_(
            "Refuse the cached directory once it was issued longer ago than this, even before its own expiry. Default: only the directory's own expiry."
        ),
    )
    directory_poll_seconds: float = Field(
        default=60.0,
        gt=0,
        description=N_(
            "How often the node fetches the directory; failures back off up to ten times this."
        ),
    )
    exchange_window_seconds: float = Field(
        default=60.0,
        gt=0,
        description=N_("How far a message's timestamp may be from this node's clock, either way."),
    )
    exchange_max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=0,
        description=N_("The largest request or response body a gateway passes on, in bytes."),
    )
    exchange_body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description=N_("How long a gateway waits for the next part of a body before it gives up."),
    )
    exchange_upstream_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description=N_("How long a gateway waits for the provider system or node to answer."),
    )
    exchange_audit_bodies: bool = Field(
        default=False,
        description=N_(
            "Whether the audit log keeps request and response bodies, not only their hashes."
        ),
    )
    exchange_upstreams: dict[str, str] = Field(
        default={},
        description=N_(
            "Services this node provides from another system: service id → base URL. Registries the node hosts need none."
        ),
    )
    audit_checkpoint_seconds: float = Field(
        default=300.0,
        gt=0,
        description=N_(
            "How often the gateway signs a checkpoint of the audit log and has central witness it."
        ),
    )
    sync_upstream: str | None = Field(
        default=None,
        description=N_(
            "The sync service this node pushes its changes to and pulls from (VN/GOV/central/sync/sync); none on central."
        ),
    )
    sync_client: str | None = Field(
        default=None,
        description=N_(
            "This node's sync subsystem, the client of the upstream's sync service (VN/GOV/AGG/sync)."
        ),
    )
    sync_partitions: list[str] = Field(
        default=[],
        description=N_(
            "Partitions this node receives (province codes such as 91); empty receives everything, as central does."
        ),
    )
    sync_interval_seconds: float = Field(
        default=5.0,
        gt=0,
        description=N_("How long the sync loop waits between rounds when it is caught up."),
    )
    sync_batch_size: int = Field(
        default=2000,
        ge=1,
        le=5000,
        description=N_("Change-log entries per sync batch."),
    )
    sync_transport: Literal["http", "nats"] = Field(
        default="http",
        description=N_(
            "How sync batches travel: http through the gateways, or nats through NATS JetStream."
        ),
    )
    sync_nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description=N_("The NATS server (a leaf node on a province) the nats sync transport uses."),
    )
    linkage_match_threshold: float = Field(
        default=0.95,
        gt=0,
        le=1,
        description=N_(
            "Match probability from which consolidate link decides match: the legacy record is the registry record."
        ),
    )
    linkage_review_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description=N_(
            "Match probability from which a pair goes to the review queue; below it the legacy record is new."
        ),
    )

    console_host: str = Field(
        default="127.0.0.1",
        description=N_(
            "Address the operator console listens on: keep it on the node's internal network."
        ),
    )
    console_port: int = Field(
        default=8700, ge=1, le=65535, description=N_("Port the operator console listens on.")
    )
    console_lockout_failures: int = Field(
        default=5,
        ge=1,
        description=N_("Failed sign-ins in a row after which a console login name is locked."),
    )
    console_lockout_minutes: float = Field(
        default=15.0,
        gt=0,
        description=N_("How long a console login name stays locked after too many failures."),
    )
    console_session_idle_minutes: float = Field(
        default=30.0,
        gt=0,
        description=N_("A console session ends after this many minutes without a request."),
    )
    console_session_hours: float = Field(
        default=12.0,
        gt=0,
        description=N_(
            "A console session ends this many hours after signing in, however active it is."
        ),
    )
    console_sample_seconds: float = Field(
        default=10.0,
        gt=0,
        description=N_(
            "How often the console records each sync link's lag and the audited traffic, for its charts."
        ),
    )
    console_history_hours: float = Field(
        default=24.0,
        gt=0,
        description=N_("How long the console keeps the lag and traffic it recorded."),
    )

    @property
    def effective_database_url(self) -> str:
        """Return the database URL, defaulting to ``<state_dir>/node.sqlite``."""
        return self.database_url or f"sqlite:///{self.state_dir / 'node.sqlite'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read keyword arguments, then the environment, then the configuration file."""
        file_settings = InitSettingsSource(settings_cls, init_kwargs=dict(_config_data.get() or {}))
        return (init_settings, env_settings, file_settings)


#: How ``config show`` names the origin of a value (msgids, translated when shown).
SOURCES = {
    "default": N_("default"),
    "file": N_("file"),
    "environment": N_("environment"),
    "argument": N_("argument"),
}


@dataclass(frozen=True)
class ShownSetting:
    """One line of ``lienthong config show``."""

    name: str
    env: str
    value: str
    source: Literal["default", "file", "environment", "argument"]
    description: str


def config_file_path(explicit: Path | None = None) -> Path | None:
    """Return the configuration file to read: the given one, ``$LIENTHONG_CONFIG``, or ``./lienthong.toml`` if present."""
    if explicit is not None:
        return explicit
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def read_config_file(path: Path) -> dict[str, Any]:
    """Read a node configuration file, failing with a clear error if it is missing or malformed."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise LienthongError(
            "config.not_found",
            N_(
                "The configuration file {path} does not exist. Create it or point --config at the right file."
            ),
            field="config",
            path=str(path),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise LienthongError(
            "config.malformed",
            N_("The configuration file {path} is not valid TOML: {reason}. Fix the line it names."),
            field="config",
            path=str(path),
            reason=str(exc),
        ) from None


def load_settings(*, config_file: Path | None = None, **overrides: Any) -> Settings:
    """Return the effective settings from arguments, environment and configuration file."""
    path = config_file_path(config_file)
    data = read_config_file(path) if path is not None else {}
    token = _config_data.set(data)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        raise LienthongError(
            "config.invalid",
            N_(
                "The setting {name} is invalid: {reason}. See docs/configuration.md for its allowed values."
            ),
            field=name,
            name=name,
            reason=first["msg"],
        ) from None
    finally:
        _config_data.reset(token)


def mask(value: object) -> str:
    """Return a value as text that is safe to print: secrets and URL passwords masked."""
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    text = str(value)
    if "://" in text:
        parts = urlsplit(text)
        if parts.password:
            netloc = f"{parts.username}:{MASK}@{parts.hostname}"
            if parts.port:
                netloc += f":{parts.port}"
            return urlunsplit(parts._replace(netloc=netloc))
    return text


def describe(
    settings: Settings, *, config_file: Path | None = None, overrides: Mapping[str, Any] = {}
) -> Iterator[ShownSetting]:
    """Yield every setting with its masked value and where the value came from."""
    path = config_file_path(config_file)
    file_keys = set(read_config_file(path)) if path is not None else set()
    for name, field in type(settings).model_fields.items():
        env = ENV_PREFIX + name.upper()
        source: Literal["default", "file", "environment", "argument"] = "default"
        if name in overrides:
            source = "argument"
        elif env in os.environ:
            source = "environment"
        elif name in file_keys:
            source = "file"
        yield ShownSetting(
            name=name,
            env=env,
            value=mask(getattr(settings, name)),
            source=source,
            description=field.description or "",
        )

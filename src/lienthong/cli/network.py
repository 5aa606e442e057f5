"""``lienthong network``: create and inspect the network authority (run at central)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lienthong.cli.help import help_language
from lienthong.exchange.directory.authority import (
    latest_directory,
    latest_version,
    publish,
)
from lienthong.exchange.keys import public_key_text
from lienthong.exchange.pki import CA_DAYS, Authority, NetworkPaths, fingerprint, init_authority
from lienthong.i18n import _
from lienthong.settings import Settings

help_language()
app = typer.Typer(
    help=_(
        "Create and inspect the network authority: its CA and the key that signs the "
        'directory. Example: lienthong network init --instance VN --name "Mạng liên thông"'
    ),
    no_args_is_help=True,
)


def validity(settings: Settings) -> timedelta:
    """Return how long a published directory stays valid (``directory_validity_days``)."""
    return timedelta(days=settings.directory_validity_days)


@app.command(
    "init",
    help=_(
        "Create the network's certificate authority and directory key under the state "
        "directory, and publish the first, empty directory. Private keys are written with "
        "mode 0600 and never printed. Example: lienthong network init --instance VN --name "
        '"Mạng liên thông quốc gia"'
    ),
)
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help=_("The network's name, shown in its CA."))],
    instance: Annotated[
        str | None,
        typer.Option(
            "--instance",
            help=_(
                "The network's instance code, such as VN. Default: the network_instance setting."
            ),
        ),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, help=_("How many days the CA certificate is valid."))
    ] = CA_DAYS,
) -> None:
    """Create the network authority."""
    settings: Settings = ctx.obj["settings"]
    paths = NetworkPaths.of(settings.state_dir)
    now = datetime.now(UTC)
    authority = init_authority(
        directory=paths.root,
        instance=instance or settings.network_instance,
        name=name,
        now=now,
        days=days,
    )
    directory = publish(state_dir=settings.state_dir, now=now, validity=validity(settings))
    typer.echo(
        _(
            "Created the network {instance} in {path}: CA certificate {ca}, directory key "
            "{key}. Published directory version {version}."
        ).format(
            instance=authority.instance,
            path=paths.root,
            ca=paths.ca_certificate,
            key=paths.directory_public_key,
            version=directory.version,
        )
    )
    typer.echo(
        _("CA fingerprint (SHA-256): {fingerprint}").format(
            fingerprint=fingerprint(authority.ca_certificate)
        )
    )


@app.command(
    "show",
    help=_(
        "Show the network: instance, name, CA validity and fingerprint, directory key and "
        "newest version; no secret. Example: lienthong network show"
    ),
)
def show(ctx: typer.Context) -> None:
    """Print the network authority's public facts."""
    settings: Settings = ctx.obj["settings"]
    authority = Authority.load(NetworkPaths.of(settings.state_dir).root)
    ca = authority.ca_certificate
    version = latest_version(settings.state_dir)
    table = Table(
        title=_("Network {instance}").format(instance=authority.instance), show_header=False
    )
    table.add_column(_("Property"))
    table.add_column(_("Value"), overflow="fold")
    rows = [
        (_("Instance"), authority.instance),
        (_("Name"), authority.name),
        (_("CA subject"), ca.subject.rfc4514_string()),
        (_("CA valid until"), ca.not_valid_after_utc.isoformat(timespec="seconds")),
        (_("CA fingerprint (SHA-256)"), fingerprint(ca)),
        (_("CA certificate"), str(authority.paths.ca_certificate)),
        (_("Directory key"), public_key_text(authority.directory_public_key)),
        (_("Directory key file"), str(authority.paths.directory_public_key)),
    ]
    if version is not None:
        directory = latest_directory(settings.state_dir)
        rows.append((_("Directory version"), str(version)))
        rows.append((_("Directory expires"), directory.expires_at.isoformat(timespec="seconds")))
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)

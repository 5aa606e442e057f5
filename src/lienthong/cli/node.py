"""``lienthong node``: a node's identity in the network: its keys, request and certificate."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer

from lienthong.cli.help import help_language
from lienthong.exchange.keys import NodePaths, write_public
from lienthong.exchange.pki import (
    install_certificate,
    install_directory_key,
    make_node_request,
    read_public_key_pem,
    request_bundle,
)
from lienthong.i18n import _
from lienthong.settings import Settings

help_language()
app = typer.Typer(
    help=_(
        "Give this node its identity in the network: keys, a certificate request for central, "
        "then the certificate central issued. Example: lienthong node request --member "
        "VN/GOV/01 --host gw.hanoi.gov.vn"
    ),
    no_args_is_help=True,
)

REQUEST_FILE = "node-request.json"


@app.command(
    "request",
    help=_(
        "Create this node's TLS and signing keys (kept if they exist) and write the request "
        "to send to central; no private key is printed or leaves the node. Example: lienthong "
        "node request --node-id VN-01 --member VN/GOV/01 --host gw.hanoi.gov.vn --host 10.0.0.5"
    ),
)
def request(
    ctx: typer.Context,
    member: Annotated[
        str, typer.Option("--member", help=_("The member this node belongs to, such as VN/GOV/01."))
    ],
    host: Annotated[
        list[str],
        typer.Option(
            "--host",
            help=_("A DNS name or IP address other gateways reach this node at; repeat for more."),
        ),
    ],
    node_id: Annotated[
        str | None,
        typer.Option("--node-id", help=_("The node's identifier. Default: the node_id setting.")),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help=_(
                "Where to write the request. Default: node-request.json in the state directory."
            ),
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Create the node's keys and its request."""
    settings: Settings = ctx.obj["settings"]
    paths = NodePaths(settings.state_dir)
    make_node_request(paths=paths, node_id=node_id or settings.node_id, member=member, hosts=host)
    bundle = request_bundle(paths=paths)
    target = output or settings.state_dir / REQUEST_FILE
    write_public(target, bundle)
    typer.echo(
        _(
            "Wrote the request of node {node_id} to {path}. Send it to the network authority, "
            "and read them this digest to compare: {digest}"
        ).format(
            node_id=node_id or settings.node_id,
            path=target,
            digest=hashlib.sha256(bundle).hexdigest(),
        )
    )


@app.command(
    "install",
    help=_(
        "Install the certificate central issued for this node, the network CA and the key "
        "that verifies the directory; each is checked first. Example: lienthong node install "
        "--certificate VN-01.crt --ca ca.crt --directory-key directory.pub"
    ),
)
def install(
    ctx: typer.Context,
    certificate: Annotated[
        Path,
        typer.Option(
            "--certificate",
            help=_("The node's certificate, as central wrote it."),
            exists=True,
            dir_okay=False,
        ),
    ],
    ca: Annotated[
        Path,
        typer.Option(
            "--ca", help=_("The network CA's certificate (ca.crt)."), exists=True, dir_okay=False
        ),
    ],
    directory_key: Annotated[
        Path,
        typer.Option(
            "--directory-key",
            help=_("The directory's public key (directory.pub)."),
            exists=True,
            dir_okay=False,
        ),
    ],
) -> None:
    """Install the node's certificate, the CA and the directory key."""
    settings: Settings = ctx.obj["settings"]
    paths = NodePaths(settings.state_dir)
    key_pem = directory_key.read_bytes()
    read_public_key_pem(key_pem)  # every file checked before any is installed
    installed = install_certificate(
        paths=paths, certificate_pem=certificate.read_bytes(), ca_pem=ca.read_bytes()
    )
    install_directory_key(paths=paths, public_pem=key_pem)
    typer.echo(
        _(
            "Installed the certificate of {subject}, valid until {until}, the network CA and "
            "the directory key in {path}."
        ).format(
            subject=installed.subject.rfc4514_string(),
            until=installed.not_valid_after_utc.isoformat(timespec="seconds"),
            path=paths.keys,
        )
    )

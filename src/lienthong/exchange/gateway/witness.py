"""Central witnesses every node's audit checkpoints; nodes ask for it at an interval.

A node signs a checkpoint of its audit log and sends it to central's gateway, over the
same mutual TLS as every call, with a consistency proof from the last checkpoint central
co-signed for it. Central checks the node's signature and that the new log extends the
old one, remembers the checkpoint, and answers with its co-signature, which the node
stores. A node that rewrote its log cannot get that co-signature again: the rewrite is
visible to anyone comparing the two.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from lienthong.errors import LienthongError
from lienthong.exchange.audit.checkpoints import (
    Checkpoint,
    make_checkpoint,
    record_cosignature,
    witness_checkpoint,
)
from lienthong.exchange.audit.models import audit_checkpoints
from lienthong.exchange.audit.proofs import consistency_between
from lienthong.exchange.directory.models import NodeEntry
from lienthong.exchange.gateway.bodies import read_request_body
from lienthong.exchange.gateway.context import Gateway, Receive, Scope, Send, send_json
from lienthong.exchange.gateway.tls import tls_peer
from lienthong.i18n import N_
from lienthong.node import Node

PATH = "/witness"


def _checkpoint(data: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        tree_size=int(data["tree_size"]),
        root_hash=str(data["root_hash"]),
        issued_at=datetime.fromisoformat(str(data["issued_at"]).replace("Z", "+00:00")),
        node_id=str(data["node_id"]),
        signature=str(data["signature"]),
    )


class Witness:
    """Central's side: co-signs checkpoints, remembering the last one per node on disk."""

    def __init__(self, gateway: Gateway, state_dir: Path) -> None:
        self.gateway = gateway
        self.directory = state_dir / "witness"

    def _last(self, node_id: str) -> Checkpoint | None:
        path = self.directory / f"{node_id}.json"
        if not path.is_file():
            return None
        return _checkpoint(json.loads(path.read_text(encoding="utf-8")))

    def _remember(self, checkpoint: Checkpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{checkpoint.node_id}.json"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(json.dumps(checkpoint.as_dict()), encoding="utf-8")
        os.replace(partial, path)

    def cosign(self, peer: NodeEntry, payload: dict[str, Any]) -> dict[str, Any]:
        """Check and co-sign a node's checkpoint; return the co-signature."""
        checkpoint = _checkpoint(payload["checkpoint"])
        if checkpoint.node_id != peer.node_id:
            raise LienthongError(
                "audit.witness.node",
                N_(
                    "The checkpoint is {node}'s but the previous one is {previous}'s:"
                    " compare a node's checkpoints with its own only."
                ),
                node=checkpoint.node_id,
                previous=peer.node_id,
            )
        previous = self._last(peer.node_id)
        if previous is not None and checkpoint.tree_size < previous.tree_size:
            raise LienthongError(
                "audit.witness.inconsistent",
                N_(
                    "The audit log of {node} at {tree_size} entries does not extend the one"
                    " co-signed at {previous_size}: its earlier entries were changed, so the"
                    " checkpoint is not co-signed."
                ),
                node=peer.node_id,
                tree_size=checkpoint.tree_size,
                previous_size=previous.tree_size,
            )
        proof = [base64.b64decode(item) for item in payload.get("proof", [])]
        signature = witness_checkpoint(
            checkpoint=checkpoint,
            previous=previous,
            proof=proof,
            node_key=peer.public_key,
            witness_id=self.gateway.node_id,
            witness_key=self.gateway.signing_key,
        )
        self._remember(checkpoint)
        return {
            "witness": self.gateway.node_id,
            "signature": signature,
            "previous_size": None if previous is None else previous.tree_size,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``POST /witness`` from a node's gateway."""
        try:
            if scope["method"] != "POST":
                raise LienthongError(
                    "exchange.method",
                    N_("{path} answers only {method}."),
                    field="method",
                    path=PATH,
                    method="POST",
                )
            directory = self.gateway.directory.current()
            peer = tls_peer(scope, directory, now=self.gateway.clock())
            body = await read_request_body(receive, limit=1 << 20, timeout=30)
            payload = json.loads(body.small() or b"{}")
            body.close()
            await send_json(send, 200, self.cosign(peer, payload))
        except LienthongError as error:
            await send_json(send, 409 if error.code.startswith("audit.") else 403, error.to_dict())
        except (ValueError, KeyError, TypeError):
            malformed = LienthongError(
                "audit.witness.malformed",
                N_("The witness request is not a checkpoint with its consistency proof."),
                field="body",
            )
            await send_json(send, 400, malformed.to_dict())


async def checkpoint_and_witness(
    *,
    node: Node,
    gateway: Gateway,
    session: aiohttp.ClientSession,
    central: NodeEntry | None,
) -> Checkpoint:
    """Sign a checkpoint of the node's audit log and have central co-sign it."""
    with node.engine.begin() as connection:
        checkpoint = make_checkpoint(
            connection=connection,
            node_id=gateway.node_id,
            key=gateway.signing_key,
            at=gateway.clock(),
        )
        if central is None or checkpoint.witness is not None:
            return checkpoint
        row = connection.execute(
            audit_checkpoints.select()
            .where(audit_checkpoints.c.witness.is_not(None))
            .order_by(audit_checkpoints.c.tree_size.desc())
            .limit(1)
        ).first()
        previous_size = 0 if row is None else int(row.tree_size)
        proof = consistency_between(
            connection=connection, old_size=previous_size, new_size=checkpoint.tree_size
        )
    payload = {
        "checkpoint": checkpoint.as_dict(),
        "proof": [base64.b64encode(item).decode("ascii") for item in proof.path]
        if previous_size
        else [],
    }
    async with session.post(central.address.rstrip("/") + PATH, json=payload) as response:
        answer = await response.json()
        if response.status != 200:
            raise LienthongError(
                "audit.witness.refused",
                N_("Central refused to witness checkpoint {tree_size}: {reason}"),
                field="witness",
                tree_size=checkpoint.tree_size,
                reason=str(answer.get("message_en") or answer.get("code")),
            )
    with node.engine.begin() as connection:
        return record_cosignature(
            connection=connection,
            tree_size=checkpoint.tree_size,
            witness_id=str(answer["witness"]),
            signature=str(answer["signature"]),
            witness_key=central.public_key,
        )


def witness_node(gateway: Gateway, directory_url: str | None) -> NodeEntry | None:
    """Return the node that witnesses this one's checkpoints: the one serving the directory."""
    if not directory_url:
        return None  # the network authority's own log is checked by the auditors directly
    origin = "/".join(directory_url.split("/")[:3])
    try:
        directory = gateway.directory.current()
    except LienthongError:
        return None
    return next((entry for entry in directory.nodes if entry.address.rstrip("/") == origin), None)

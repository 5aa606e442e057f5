"""Whose key verifies a batch: each node's message-signing key, as the directory lists it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lienthong.errors import LienthongError
from lienthong.exchange.directory.cache import DirectoryCache, cache_path
from lienthong.exchange.directory.models import Directory
from lienthong.exchange.keys import NodePaths
from lienthong.exchange.pki import load_directory_key
from lienthong.i18n import N_

#: Return the public key that verifies a node's batches, or refuse an unknown node.
KeyRing = Callable[[str], Ed25519PublicKey]


def unknown_node(node_id: str) -> LienthongError:
    """Return the refusal of a batch from a node the directory does not list (or revoked)."""
    return LienthongError(
        "sync.unknown_node",
        N_(
            "Node {node} is not in the network's directory, or was revoked; its batches"
            " are refused. Add the node to the directory (lienthong directory node add)."
        ),
        field="sender",
        node=node_id,
    )


def node_key(directory: Directory, node_id: str) -> Ed25519PublicKey:
    """Return a node's message-signing key as a directory lists it, or refuse the node."""
    entry = directory.node(node_id)
    if entry is None or entry.revoked_at is not None:
        raise unknown_node(node_id)
    return entry.public_key


class CachedDirectoryKeys:
    """The key ring of the directory copy a node keeps on disk, re-read when it changes.

    For a process that does not poll central itself (the API beside a gateway): the
    gateway keeps the copy current, and an expired copy refuses as it does there.
    """

    def __init__(self, state_dir: Path, *, instance: str) -> None:
        self.state_dir = state_dir
        self.instance = instance
        self._stamp: float | None = None
        self._cache: DirectoryCache | None = None

    def directory(self) -> Directory:
        """Return the directory copy on disk, verified and current."""
        path = cache_path(self.state_dir)
        try:
            stamp = path.stat().st_mtime
        except FileNotFoundError:
            stamp = None
        if self._cache is None or stamp != self._stamp:
            self._cache = DirectoryCache(
                path=path,
                key=load_directory_key(NodePaths(self.state_dir)),
                instance=self.instance,
                fetch=_no_fetch,
            )
            self._stamp = stamp
        return self._cache.current()

    def __call__(self, node_id: str) -> Ed25519PublicKey:
        """Return a node's message-signing key."""
        return node_key(self.directory(), node_id)


async def _no_fetch() -> bytes:
    raise AssertionError("this copy is refreshed by the node's gateway")

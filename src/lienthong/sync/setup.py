"""A node's sync, assembled from its settings: its key, whom it trusts, what it receives."""

from __future__ import annotations

from lienthong.exchange.keys import NodePaths, load_signing_key
from lienthong.node import Node
from lienthong.sync.keys import CachedDirectoryKeys, KeyRing
from lienthong.sync.requests import DECISION, REQUEST
from lienthong.sync.service import SyncNode, not_joined
from lienthong.sync.subscriptions import Subscription


def subscription_of(node: Node) -> Subscription:
    """Return what a node receives: everything (central) or its partitions (a province)."""
    partitions = node.settings.sync_partitions
    if not partitions:
        return Subscription.everything()
    return Subscription.of_partitions(
        node=node.node_id,
        partitions=partitions,
        record_types=node.record_types(),
        addressed=(REQUEST, DECISION),
    )


def open_sync(node: Node, *, keys: KeyRing | None = None, signing: bool = True) -> SyncNode:
    """Return the node's sync: its message-signing key and the directory's keys.

    The node must have joined the network (``lienthong node request`` and ``node
    install``): its batches are signed with the key its gateway signs messages with.
    ``signing=False`` opens a node only to compare or repair it (``sync verify``),
    which sends nothing and needs no key.
    """
    settings = node.settings
    path = NodePaths(settings.state_dir).signing_key
    if signing and not path.is_file():
        raise not_joined(node.node_id, path)
    return SyncNode(
        node=node,
        signing_key=load_signing_key(path) if signing else None,
        keys=keys or CachedDirectoryKeys(settings.state_dir, instance=settings.network_instance),
        subscription=subscription_of(node),
    )

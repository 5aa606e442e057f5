"""Sync between central and provincial nodes: feeds, subscriptions, apply, change requests, digests."""

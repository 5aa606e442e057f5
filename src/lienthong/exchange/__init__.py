"""The exchange layer: signed, authorized, audited calls between the agencies' systems."""

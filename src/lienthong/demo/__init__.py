"""The demo: Vietnam's reference data, then the national network on one machine."""

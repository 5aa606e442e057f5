"""The ``lienthong`` command."""

"""lienthong: one platform for a country's e-government information systems."""

__version__ = "0.1.0"

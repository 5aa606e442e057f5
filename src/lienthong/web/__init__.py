"""The node's web face: its HTTP API (``lienthong.web.api``), later the portal and console."""

"""The operator console: server-rendered pages where operators see and run the node.

``create_console(node)`` returns the FastAPI app; ``lienthong console serve`` runs it.
"""

from lienthong.web.console.app import create_console

__all__ = ["create_console"]

"""Alembic environment: runs on the connection that ``lienthong.store.migrate`` hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from lienthong.errors import LienthongError
from lienthong.i18n import N_
from lienthong.store.migrate import target_metadata


def run() -> None:
    """Run the migrations on the connection given in the Alembic config's attributes."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise LienthongError(
            "store.migration_entry",
            N_("Run the store's migrations with lienthong.store.upgrade(engine), not alembic."),
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        # SQLite alters tables by copying them; batch mode does that transparently.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

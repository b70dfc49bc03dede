"""Engine and session factory: opened in the application's lifespan (never at import), or for one
command of the CLI (`command_session`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from service.settings import DatabaseSettings


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: DatabaseSettings, *, application_name: str = "whistle") -> Database:
    engine = create_engine(
        settings.url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_pre_ping=True,  # survive a database restart: stale connections are replaced at checkout
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            "application_name": application_name,
            "options": f"-c statement_timeout={settings.statement_timeout_ms} -c timezone=UTC",
        },
    )

    @event.listens_for(engine, "connect")
    def _prepare_statements(dbapi_connection: object, _record: object) -> None:
        # psycopg 3 prepares a statement on the server after it has run this many times on a connection.
        dbapi_connection.prepare_threshold = 2  # type: ignore[attr-defined]

    return Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))


@contextmanager
def command_session(
    settings: DatabaseSettings, *, application_name: str = "whistle-cli"
) -> Iterator[Session]:
    """A session on a database opened for one command: committed when the block ends without an
    exception, rolled back otherwise; the engine is disposed either way."""
    db = open_database(settings, application_name=application_name)
    try:
        with db.session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        db.dispose()

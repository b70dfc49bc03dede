"""Dependencies shared by every router that are not about who is asking: the database and its session,
the settings (and their groups), the caller's address.

Who is asking (the bearer token, role checks) is the accounts domain's: `service.accounts.deps`. The
photo store of the running app is the photos domain's: `service.photos.store.MediaStoreDep`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from service.audit.service import ClientInfo
from service.db.session import Database
from service.settings import PublicMapSettings, Settings


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_session(request: Request) -> Iterator[Session]:
    with get_database(request).session() as session:
        yield session


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_publicmap_settings(request: Request) -> PublicMapSettings:
    return get_settings(request).publicmap


def get_client(request: Request) -> ClientInfo:
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PublicMapSettingsDep = Annotated[PublicMapSettings, Depends(get_publicmap_settings)]
ClientDep = Annotated[ClientInfo, Depends(get_client)]

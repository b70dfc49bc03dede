"""The FastAPI application factory. Pools and indexes are opened in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.accounts.views import admin_router, auth_router
from service.cases.views import ROUTERS as CASES_ROUTERS
from service.couriers.views import COURIERS_ROUTERS
from service.db.session import open_database
from service.errors import install_error_handlers
from service.field.views import router as field_router
from service.geography.routing import warm_routers
from service.geography.views import router as geography_router
from service.health.views import router as health_router
from service.lifecycle import ShutdownSignal
from service.middleware import Cors, GZipMiddleware, HeadAsGet, SecurityHeaders, UploadGate
from service.ogc.views import router as ogc_router
from service.open311.views import router as open311_router
from service.outbound.views import router as webhooks_router
from service.outbound.views import unit_router as unit_webhooks_router
from service.outbound.worker import OutboundWorker
from service.photos.store import build_media_store
from service.photos.views import media_router
from service.photos.views import router as photos_router
from service.publicmap.views import router as public_router
from service.reports.views import console_router as handmade_router
from service.reports.views import router as reports_router
from service.settings import Settings, get_settings
from service.supervision.views import admin_router as offices_admin_router
from service.supervision.views import console_router as offices_console_router
from service.tiles.views import router as tiles_router
from service.web.views import mount_web_apps
from service.web.views import router as web_router

DESCRIPTION = """
Whistle (吹哨) is the grid incident service of Jilin City's grassroots-governance platform: grid workers and
couriers report hazards with geotagged photos, a spatial router assigns each report to its grid and
department unit, the command center judges and "blows the whistle", departments report in and handle
the case, and every case is scored on 100 points.

Every error answers with one JSON shape: `{"error": {"code", "message", "details"}}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        shutdown = app.state.shutdown = ShutdownSignal()
        watcher = asyncio.create_task(shutdown.watch(), name="shutdown-watch")
        app.state.db = open_database(settings.database)
        app.state.media_store = build_media_store(settings.media)
        warming = None
        if settings.router.warm_on_start:
            # Reports are accepted at once; the first one waits only if it arrives before this ends.
            warming = threading.Thread(
                target=warm_routers,
                args=(app.state.db.sessions,),
                kwargs={"tolerance_m": settings.router.snap_tolerance_m},
                name="router-warm-up",
                daemon=True,
            )
            warming.start()
        outbound = None
        if settings.outbound.worker:
            # Webhooks are delivered here, never inside a request (a dead receiver never slows a whistle).
            outbound = OutboundWorker(settings.database, settings.outbound)
            outbound.start()
        try:
            yield
        finally:
            shutdown.set()
            watcher.cancel()
            if outbound is not None:
                outbound.stop()
            if warming is not None:
                warming.join()
            app.state.db.dispose()

    app = FastAPI(title="Whistle", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    # Added innermost first (Starlette wraps each new one around the others): see service.middleware.
    app.add_middleware(UploadGate, limit=settings.media.max_concurrent_uploads)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    app.add_middleware(Cors, origins=settings.security.cors_origins)
    app.add_middleware(HeadAsGet)
    for router in (
        health_router,
        auth_router,
        admin_router,
        offices_admin_router,
        offices_console_router,
        web_router,
        geography_router,
        reports_router,
        handmade_router,
        photos_router,
        media_router,
        *CASES_ROUTERS,
        field_router,
        public_router,
        tiles_router,
        ogc_router,
        open311_router,
        *COURIERS_ROUTERS,
        webhooks_router,
        unit_webhooks_router,
    ):
        app.include_router(router)
    mount_web_apps(app, settings)
    return app

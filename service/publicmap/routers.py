"""Every router of the public map and open interfaces, for ``service.app`` to include in one line."""

from service.ogc.views import router as ogc_router
from service.open311.views import router as open311_router
from service.publicmap.views import router as public_router
from service.tiles.views import router as tiles_router

PUBLICMAP_ROUTERS = (public_router, tiles_router, ogc_router, open311_router)

"""The built web apps at ``/app/``, ``/console/``, ``/map/`` and their shared ``/assets/``.

``scripts/build_web.sh`` builds ``web/`` into ``service/web/static/`` (Vite). Everything a page loads
comes from this origin: government intranets have no internet. The only outside host a page may use is
the optional base map (``WHISTLE_WEB__BASEMAP_URL``), and the Content-Security-Policy says so.

Caching: files under ``/assets/`` carry a content hash in their name and are cached for a year;
pages, the manifest and the service worker are revalidated on every load (``no-cache``), so a new build
shows at once. When the build is missing the service still runs; these paths answer a JSON 503.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from service.deps import SettingsDep
from service.errors import error_response
from service.settings import Settings, WebSettings
from service.web.schemas import WebConfigPublic

APPS = ("app", "console", "map")
ASSETS = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NOT_BUILT = "web apps not built; run make run (or scripts/build_web.sh)"

router = APIRouter(prefix="/api/v1/web", tags=["web"])


@router.get("/config", response_model=WebConfigPublic)
def web_config(settings: SettingsDep) -> WebConfigPublic:
    web = settings.web
    return WebConfigPublic(
        basemap_url=web.basemap_url,
        basemap_attribution=web.basemap_attribution,
        basemap_max_zoom=web.basemap_max_zoom,
        photo_max_edge_px=web.photo_max_edge_px,
        photo_quality=web.photo_quality,
    )


def basemap_origin(web: WebSettings) -> str | None:
    """``https://*.tianditu.gov.cn`` from a tile URL template such as ``https://t{0-7}.tianditu.gov.cn/...``."""
    if not web.basemap_url:
        return None
    parts = urlsplit(web.basemap_url)
    host = parts.netloc
    if "{" in host and "." in host:  # a subdomain template ({s}, t{0-7}): allow the whole domain
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(web: WebSettings) -> str:
    """Same-origin only, plus the configured base map's tile host for images."""
    extra = basemap_origin(web)
    images = "'self' data: blob:" + (f" {extra}" if extra else "")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            # OpenLayers sets element.style; the apps' own CSS is a file from this origin.
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'" + (f" {extra}" if extra else ""),
            "worker-src 'self' blob:",
            "manifest-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class WebFiles(StaticFiles):
    """StaticFiles with the cache policy above and a CSP on pages."""

    def __init__(self, *, directory: Path, immutable: bool, csp: str) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)
        self.immutable = immutable
        self.csp = csp

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = IMMUTABLE if self.immutable else REVALIDATE
        if str(full_path).endswith(".html"):
            response.headers["Content-Security-Policy"] = self.csp
        return response


class WebMount:
    """Serve one built folder, or a clear JSON 503 while the build is missing (checked per request)."""

    def __init__(self, directory: Path, *, immutable: bool, csp: str) -> None:
        self.directory = directory
        self.files = WebFiles(directory=directory, immutable=immutable, csp=csp)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.directory.is_dir():
            response = error_response(503, "web_not_built", NOT_BUILT, {"directory": str(self.directory)})
            await response(scope, receive, send)
            return
        await self.files(scope, receive, send)


def mount_web_apps(app: FastAPI, settings: Settings) -> None:
    """Mount /app/, /console/, /map/ and /assets/ from the build folder."""
    root = settings.web.static_dir
    csp = content_security_policy(settings.web)
    for name in APPS:
        app.mount(f"/{name}", WebMount(root / name, immutable=False, csp=csp), name=f"web-{name}")
    app.mount(f"/{ASSETS}", WebMount(root / ASSETS, immutable=True, csp=csp), name="web-assets")

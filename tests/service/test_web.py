"""Serving the built web apps: cache policy, CSP, JSON errors, and a clear 503 while the build is missing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.app import create_app
from service.web.views import basemap_origin, content_security_policy
from tests.conftest import make_settings


def build_tree(root: Path) -> None:
    """A miniature of what Vite writes: pages per app, hashed shared assets, the PWA files."""
    for name in ("app", "console", "map"):
        (root / name).mkdir(parents=True)
        (root / name / "index.html").write_text(
            f'<!doctype html><title>{name}</title><script type="module" src="/assets/{name}-abc123.js"></script>'
        )
    (root / "assets").mkdir()
    (root / "assets" / "app-abc123.js").write_text("console.log('app')")
    (root / "app" / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "app" / "manifest.webmanifest").write_text('{"name": "吹哨"}')


def client_for(database_url: str, tmp_path: Path, static_dir: Path, **web: object) -> TestClient:
    settings = make_settings(database_url, tmp_path, web={"static_dir": str(static_dir), **web})
    return TestClient(create_app(settings))


def test_pages_are_revalidated_and_carry_a_same_origin_csp(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    client = client_for(database_url, tmp_path, tmp_path / "static")
    for name in ("app", "console", "map"):
        response = client.get(f"/{name}/")
        assert response.status_code == 200
        assert f"<title>{name}</title>" in response.text
        assert response.headers["cache-control"] == "no-cache"
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self';" in csp
        assert "http" not in csp  # no outside origin when no base map is configured


def test_hashed_assets_are_cached_for_a_year(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    client = client_for(database_url, tmp_path, tmp_path / "static")
    response = client.get("/assets/app-abc123.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response.headers["content-type"]
    assert "content-security-policy" not in response.headers


def test_service_worker_and_manifest_are_revalidated(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    client = client_for(database_url, tmp_path, tmp_path / "static")
    for path in ("/app/sw.js", "/app/manifest.webmanifest"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"


def test_app_without_trailing_slash_redirects_to_the_page(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    client = client_for(database_url, tmp_path, tmp_path / "static")
    response = client.get("/app", follow_redirects=False)
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"].endswith("/app/")


def test_a_missing_asset_is_a_json_404(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    client = client_for(database_url, tmp_path, tmp_path / "static")
    response = client.get("/assets/nothing-here.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_without_a_build_the_pages_answer_a_clear_json_503(database_url: str, tmp_path: Path) -> None:
    client = client_for(database_url, tmp_path, tmp_path / "never-built")
    for path in ("/app/", "/console/", "/map/", "/assets/app-abc123.js"):
        response = client.get(path)
        assert response.status_code == 503, path
        error = response.json()["error"]
        assert error["code"] == "web_not_built"
        assert "make run" in error["message"]
    assert client.get("/healthz").status_code == 200  # the API itself is unaffected


def test_web_config_has_no_base_map_by_default(database_url: str, tmp_path: Path) -> None:
    client = client_for(database_url, tmp_path, tmp_path / "static")
    assert client.get("/api/v1/web/config").json() == {
        "basemap_url": None,
        "basemap_attribution": "",
        "basemap_max_zoom": 18,
        "photo_max_edge_px": 2048,
        "photo_quality": 0.85,
    }


def test_the_apps_prepare_photos_as_the_server_says(database_url: str, tmp_path: Path) -> None:
    client = client_for(
        database_url, tmp_path, tmp_path / "static", photo_max_edge_px=1280, photo_quality=0.8
    )
    config = client.get("/api/v1/web/config").json()
    assert (config["photo_max_edge_px"], config["photo_quality"]) == (1280, 0.8)


def test_a_configured_base_map_is_announced_and_allowed_by_the_csp(database_url: str, tmp_path: Path) -> None:
    build_tree(tmp_path / "static")
    url = "https://t{0-7}.tianditu.gov.cn/vec_w/wmts?tk=KEY&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    client = client_for(
        database_url, tmp_path, tmp_path / "static", basemap_url=url, basemap_attribution="天地图"
    )
    config = client.get("/api/v1/web/config").json()
    assert config["basemap_url"] == url
    assert config["basemap_attribution"] == "天地图"
    csp = client.get("/app/").headers["content-security-policy"]
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in csp


def test_basemap_origin_keeps_a_plain_host_and_widens_a_subdomain_template() -> None:
    from service.settings import WebSettings

    assert basemap_origin(WebSettings()) is None
    assert basemap_origin(WebSettings(basemap_url="http://tiles.intranet:8080/{z}/{x}/{y}.png")) == (
        "http://tiles.intranet:8080"
    )
    assert basemap_origin(WebSettings(basemap_url="https://{s}.tiles.example.cn/{z}/{x}/{y}.png")) == (
        "https://*.tiles.example.cn"
    )
    assert "frame-ancestors 'none'" in content_security_policy(WebSettings())

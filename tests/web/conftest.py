"""Browser tests: Playwright driving Debian's Chromium against a real uvicorn on a fresh database.

- ``web_build`` (session): runs ``scripts/build_web.sh`` (quiet and quick when nothing changed), so the
  pages under test are the current sources.
- ``web_server`` (session): one real uvicorn on its own database cloned from the migrated template
  (with the demo city) for all browser tests; they stay independent by creating their own users and
  asserting on their own reports (tests that count reports near a point use a point of their own).
- ``chromium`` (session): one headless Chromium for the run.
- ``browser_page``: a fresh browser context (360×640 phone by default, Chinese locale, a simulated
  position) with every request recorded; at the end of the test no request may have gone to another
  origin. ``screenshot(name)`` saves ``tests/artifacts/web/<name>.png``.
- ``live_account``: creates a user directly in the web server's database.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role
from service.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET
from tests.support import databases
from tests.support.live_server import run_server
from tests.support.rolled_back import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "web"
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# Jilin City, 临江街道 area (WGS-84), as a phone would report it.
JILIN = {"latitude": 43.8436, "longitude": 126.5594, "accuracy": 12}
# Points of their own (about 1 km from JILIN and from each other) for tests that look at what is near.
CONSOLE_SPOT = {"latitude": 43.8520, "longitude": 126.5480, "accuracy": 10}
NEARBY_SPOT = {"latitude": 43.8380, "longitude": 126.5700, "accuracy": 10}

# Schemes that never leave the page.
LOCAL_SCHEMES = ("data", "blob", "about", "chrome-extension")


@pytest.fixture(scope="session")
def web_build() -> Path:
    result = subprocess.run(
        ["bash", str(PROJECT_ROOT / "scripts" / "build_web.sh")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"scripts/build_web.sh failed:\n{result.stdout}\n{result.stderr}"
    static = PROJECT_ROOT / "service" / "web" / "static"
    assert (static / "app" / "index.html").is_file()
    return static


@dataclass(frozen=True)
class WebServer:
    base_url: str
    database_url: str


@pytest.fixture(scope="session")
def web_server(
    template_database: str, web_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebServer]:
    url = databases.clone(template_database, prefix="whistle_web")
    try:
        workdir = tmp_path_factory.mktemp("web-server")
        with run_server(database_url=url, workdir=workdir, secret_key=TEST_SECRET) as base:
            yield WebServer(base_url=base, database_url=url)
    finally:
        databases.drop(url)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test` (it installs Debian's chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A page in its own context, with the network log the tests assert on."""

    base_url: str
    context: Any
    page: Any
    requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def foreign_requests(self) -> list[str]:
        origin = urlsplit(self.base_url)
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in LOCAL_SCHEMES:
                continue
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                foreign.append(url)
        return foreign

    def assert_same_origin(self) -> None:
        assert self.requests, "no request was recorded"
        assert self.foreign_requests() == [], f"requests to another origin: {self.foreign_requests()}"

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


PageFactory = Callable[..., BrowserPage]


@pytest.fixture
def browser_pages(chromium: Any, web_server: WebServer) -> Iterator[PageFactory]:
    """Open pages in fresh contexts; every context's requests are checked for other origins at the end."""
    opened: list[BrowserPage] = []

    def open_page(
        *, viewport: dict[str, int] | None = None, geolocation: dict[str, float] | None = None
    ) -> BrowserPage:
        context = chromium.new_context(
            viewport=viewport or PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            geolocation=geolocation or JILIN,
            permissions=["geolocation"],
            service_workers="allow",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        session = BrowserPage(base_url=web_server.base_url, context=context, page=page)
        # Page and service-worker requests alike reach the context's log.
        context.on("request", lambda request: session.requests.append(request.url))
        page.on("console", lambda msg: print(f"[browser {msg.type}] {msg.text}"))
        opened.append(session)
        return session

    yield open_page
    try:
        for session in opened:
            session.assert_same_origin()
    finally:
        for session in opened:
            session.context.close()


@pytest.fixture
def browser_page(browser_pages: PageFactory) -> BrowserPage:
    return browser_pages()


AccountFactory = Callable[..., tuple[str, str]]


@pytest.fixture(scope="session")
def web_database(web_server: WebServer) -> Iterator[Engine]:
    """The web server's database, for test set-up that has no HTTP endpoint."""
    engine = create_engine(web_server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def live_account(web_database: Engine) -> AccountFactory:
    """Create users in the web server's database; returns (username, password)."""
    engine = web_database

    def create(role: Role = Role.grid_worker, *, display_name: str = "", **kw: Any) -> tuple[str, str]:
        username = f"{role.value}-{uuid.uuid4().hex[:8]}"
        with Session(engine) as session:
            accounts.create_user(
                session=session,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=display_name,
                **kw,
            )
            session.commit()
        return username, PASSWORD

    return create

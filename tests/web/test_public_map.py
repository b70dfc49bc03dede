"""The public station map (/map/) on a phone screen, against the real service and the demo city."""

from __future__ import annotations

import pytest

from tests.web.conftest import BrowserPage

pytestmark = pytest.mark.browser


def test_the_public_map_page_fits_a_phone_and_draws_on_our_own_origin(browser_page: BrowserPage) -> None:
    page = browser_page.page
    page.goto(browser_page.url("/map/"))
    assert page.title() == "暖新驿站地图"
    page.wait_for_selector("#public-map canvas")
    chips = page.locator("#service-chips .chip")
    assert chips.count() == 6
    assert "饮水" in chips.first.inner_text()
    page.click("#service-chips .chip[data-service=toilet]")
    page.wait_for_selector("#service-chips .chip.active[data-service=toilet]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#find-nearest").bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= 640
    browser_page.screenshot("map-360x640")
    browser_page.assert_same_origin()


def test_the_map_shows_every_station_beyond_one_page(browser_page: BrowserPage) -> None:
    """The station list answers 100 by default; the map asks for the largest page and follows
    `X-Next-Cursor` (api.getAll), so it still shows all 267 demo stations."""
    page = browser_page.page
    page.goto(browser_page.url("/map/"))
    page.wait_for_selector("text=共 267 个驿站")
    browser_page.assert_same_origin()

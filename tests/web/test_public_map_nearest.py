"""The public map finds the nearest open station offering a service, as the public API answers it."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import JILIN, BrowserPage

pytestmark = pytest.mark.browser


def test_the_public_map_finds_the_nearest_open_station_with_charging(browser_page: BrowserPage) -> None:
    expected = httpx.get(
        browser_page.url("/api/v1/public/stations/nearest"),
        params={"lon": JILIN["longitude"], "lat": JILIN["latitude"], "service": "charging", "limit": 3},
    ).json()
    assert expected, "the demo city should have an open station with charging near the centre"

    page = browser_page.page
    page.goto(browser_page.url("/map/"))
    assert page.title() == "暖新驿站地图"
    page.wait_for_selector("#public-map canvas")
    page.wait_for_selector("text=共 ")
    page.click("#service-chips .chip[data-service=charging]")
    page.wait_for_selector("#service-chips .chip.active[data-service=charging]")
    page.click("#find-nearest")
    first = page.locator("#nearest-list .station").first
    first.wait_for()
    assert first.get_attribute("data-id") == expected[0]["id"]
    assert expected[0]["name"] in first.inner_text()
    assert "充电" in first.inner_text()
    assert "营业中" in first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    browser_page.screenshot("map-nearest-station-360x640", full_page=True)
    browser_page.assert_same_origin()

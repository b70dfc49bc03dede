"""Response shapes of the web apps' own API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfigPublic(BaseModel):
    """What the map pages need to know about the deployment."""

    basemap_url: str | None = Field(description="XYZ tile URL template of the outside base map, or null.")
    basemap_attribution: str
    basemap_max_zoom: int

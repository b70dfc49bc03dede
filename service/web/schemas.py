"""Response shapes of the web apps' own API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WebConfigPublic(BaseModel):
    """What the pages need to know about the deployment: the maps, and how the apps prepare photos."""

    basemap_url: str | None = Field(description="XYZ tile URL template of the outside base map, or null.")
    basemap_attribution: str
    basemap_max_zoom: int
    photo_max_edge_px: int = Field(description="Long edge (px) the apps resize photos to before upload.")
    photo_quality: float = Field(description="JPEG quality (0–1) of photos prepared on the phone.")

"""Vector tiles (MVT) of every map layer, with TileJSON, ETags and cache headers."""

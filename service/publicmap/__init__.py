"""The public map: warm-new stations, pairing points, warm-new streets and public (coarsened) reports."""

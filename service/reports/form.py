"""The text fields of a report upload (`schemas.ReportForm`), validated, and the request fingerprint.

The fingerprint (`request_hash`) is what "the same request" means for retries: SHA-256 over the
canonical form of the validated fields and each photo's SHA-256, in order. It ignores everything a
client may legitimately change between two sends of the same report: the multipart boundary, part
order of the text fields, file names, number formatting ("126.5" vs "126.50"), the offset a time was
written in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from service.photos.upload import parse_fields
from service.reports.schemas import ReportForm


def parse_form(fields: Mapping[str, str]) -> ReportForm:
    """Validate the text fields; empty strings count as absent. Raises `Invalid` (422) with details."""
    return parse_fields(ReportForm, fields, empty_is_absent=True)


def request_hash(form: ReportForm, photo_sha256s: Sequence[str]) -> str:
    """SHA-256 (hex) of the canonical fields and the photos' hashes: equal exactly for the same report."""
    canonical: dict[str, Any] = {
        "id": str(form.id),
        "category": form.category,
        "text": form.text,
        "lon": form.lon,
        "lat": form.lat,
        "datum": form.datum.value,
        "accuracy_m": form.accuracy_m,
        "captured_at": form.captured_at.astimezone(UTC).isoformat() if form.captured_at else None,
        "photos": list(photo_sha256s),
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()

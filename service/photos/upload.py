"""Reading a multipart upload (a report, a result, a verification) as a stream: bounded before, during
and after, never whole in memory.

Starlette's form parser spools every file part to disk without a size limit; a phone API facing the
internet must refuse a 60 MB body at the first byte over the limit instead. So the body is fed to
python-multipart's streaming parser here, chunk by chunk as the ASGI server receives it:

1. `Content-Length` over `body_limit(limits)` → 413 before a single body byte is read;
2. a body without `Content-Length` (chunked) is counted as it streams and cut at the same limit;
3. each photo part goes to a `media.limits.UploadSink`: the per-file and per-report limits (and the
   photo count) refuse at the first byte or part over them; its SHA-256 is computed as it arrives,
   so a report's fingerprint is known before any photo is decoded;
4. text fields are capped at `MAX_FIELD_BYTES` each and `MAX_TEXT_FIELDS` in all.

Photos stay in memory up to 4 MiB each (`media.limits.SPOOL_MEMORY_BYTES`) and roll over to a
temporary file beyond; `FormParts.close()` releases them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from media.errors import MediaError, TooLarge
from media.limits import MediaLimits, SpooledUpload, UploadBudget, UploadSink, human_bytes
from service.errors import DomainError, ErrorResponse, Invalid, UnsupportedMedia, summarise_problems
from service.photos.store import media_error

PHOTO_FIELD = "photos"
MAX_FIELD_BYTES = 16 * 1024
MAX_TEXT_FIELDS = 16
# Part headers (Content-Disposition, Content-Type) and boundaries: generous per part.
PART_OVERHEAD_BYTES = 1024


# The answers an upload may get besides its own (documented in OpenAPI by every upload endpoint).
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "malformed multipart body or Idempotency-Key"},
    409: {"model": ErrorResponse, "description": "not allowed now; reports: the key is in flight"},
    413: {"model": ErrorResponse, "description": "a photo or the whole body is over the size limit"},
    415: {"model": ErrorResponse, "description": "a file is not JPEG, HEIC/HEIF, PNG or WebP"},
    422: {
        "model": ErrorResponse,
        "description": "invalid field, photo count, broken image or bomb (reports: no position, key reused)",
    },
    503: {"model": ErrorResponse, "description": "database or photo store unavailable (Retry-After)"},
    507: {"model": ErrorResponse, "description": "the photo store is full"},
}


def body_limit(limits: MediaLimits) -> int:
    """The largest body accepted: every photo at the total limit plus fields and part framing."""
    return (
        limits.max_total_bytes
        + MAX_TEXT_FIELDS * (MAX_FIELD_BYTES + PART_OVERHEAD_BYTES)
        + limits.max_photos * PART_OVERHEAD_BYTES
    )


class BadMultipart(DomainError):
    status, code = 400, "bad_multipart"


@dataclass
class UploadedPhoto:
    """One photo part as received: the bounded spool and the SHA-256 of its bytes."""

    upload: SpooledUpload
    sha256: str
    filename: str | None

    def read(self) -> bytes:
        return self.upload.read_all()


@dataclass
class FormParts:
    fields: dict[str, str] = field(default_factory=dict)
    photos: list[UploadedPhoto] = field(default_factory=list)
    body_bytes: int = 0

    def close(self) -> None:
        for photo in self.photos:
            photo.upload.close()


class _Collector:
    """python-multipart callbacks → text fields and bounded photo sinks."""

    def __init__(self, limits: MediaLimits) -> None:
        self.budget = UploadBudget(limits)
        self.parts = FormParts()
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._filename: str | None = None
        self._text: bytearray | None = None
        self._sink: UploadSink | None = None
        self._hash: hashlib._Hash | None = None

    def on_part_begin(self) -> None:
        self._disposition = b""
        self._name, self._filename = "", None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _kind, options = parse_options_header(self._disposition)
        raw_name = options.get(b"name")
        if raw_name is None:
            raise BadMultipart('every part needs a Content-Disposition "name"')
        self._name = raw_name.decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        self._filename = raw_filename.decode("utf-8", "replace") if raw_filename is not None else None
        if self._name == PHOTO_FIELD:
            self._sink = self.budget.open_file()
            self._hash = hashlib.sha256()
        elif self._filename is not None:
            raise Invalid(
                f"unexpected file field {self._name[:40]!r}: photos go in the field {PHOTO_FIELD!r}"
            )
        else:
            if self._name in self.parts.fields:
                raise Invalid(f"the field {self._name[:40]!r} was sent twice")
            if len(self.parts.fields) >= MAX_TEXT_FIELDS:
                raise Invalid(f"too many form fields (at most {MAX_TEXT_FIELDS})")
            self._text = bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._sink is not None and self._hash is not None:
            self._sink.write(chunk)
            self._hash.update(chunk)
        elif self._text is not None:
            if len(self._text) + len(chunk) > MAX_FIELD_BYTES:
                raise Invalid(f"the field {self._name[:40]!r} is longer than {MAX_FIELD_BYTES} bytes")
            self._text.extend(chunk)

    def on_part_end(self) -> None:
        if self._sink is not None and self._hash is not None:
            upload = self._sink.finish()
            self.parts.photos.append(UploadedPhoto(upload, self._hash.hexdigest(), self._filename))
            self._sink = self._hash = None
        elif self._text is not None:
            try:
                self.parts.fields[self._name] = self._text.decode("utf-8")
            except UnicodeDecodeError:
                raise Invalid(f"the field {self._name[:40]!r} is not UTF-8") from None
            self._text = None

    def inside_part(self) -> bool:
        return self._sink is not None or self._text is not None

    def abort(self) -> None:
        if self._sink is not None:
            self._sink.abort()
        self.budget.close()


def check_declared_length(request: Request, limits: MediaLimits) -> None:
    """413 from the headers alone when the declared body is over the limit: nothing is read."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    try:
        length = int(declared)
    except ValueError:
        raise BadMultipart("Content-Length is not a number") from None
    if length > body_limit(limits):
        raise TooLarge(
            f"The request body ({human_bytes(length)}) is larger than the limit of "
            f"{human_bytes(body_limit(limits))} for one upload; nothing was read or stored."
        )


async def read_multipart(request: Request, *, limits: MediaLimits) -> FormParts:
    """Parse a multipart/form-data body (text fields and `photos`) under `limits`. Raises
    `media.errors.TooLarge`, `TooManyPhotos`, `Invalid`, `BadMultipart` or `UnsupportedMedia`; nothing is
    kept on error."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data":
        raise UnsupportedMedia("send the body as multipart/form-data")
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadMultipart("multipart/form-data without a boundary")
    check_declared_length(request, limits)
    cap = body_limit(limits)
    collector = _Collector(limits)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
        },
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap:
                raise TooLarge(
                    f"The request body is larger than the limit of {human_bytes(cap)} for one upload; "
                    "nothing was stored."
                )
            parser.write(chunk)
        parser.finalize()
        if collector.inside_part():
            raise BadMultipart("the multipart body ended inside a part")
        collector.budget.finish()
    except FormParserError as exc:
        collector.abort()
        raise BadMultipart(f"malformed multipart body: {exc}") from None
    except ClientDisconnect:
        collector.abort()
        raise BadMultipart("the client went away before the upload ended; nothing was stored") from None
    except BaseException:
        collector.abort()
        raise
    collector.parts.body_bytes = received
    return collector.parts


# A form without photos may come URL-encoded; every field percent-encoded at worst triples in size.
URLENCODED_LIMIT = MAX_TEXT_FIELDS * 3 * (MAX_FIELD_BYTES + PART_OVERHEAD_BYTES)


async def read_urlencoded(request: Request) -> FormParts:
    """Parse an application/x-www-form-urlencoded body (text fields only), bounded like the multipart
    text fields: 413 past `URLENCODED_LIMIT`, 422 for a field too long, repeated or not UTF-8."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > URLENCODED_LIMIT:
        raise TooLarge(
            f"The form ({human_bytes(int(declared))}) is larger than {human_bytes(URLENCODED_LIMIT)}."
        )
    body = bytearray()
    try:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > URLENCODED_LIMIT:
                raise TooLarge(
                    f"The form is larger than {human_bytes(URLENCODED_LIMIT)}; nothing was stored."
                )
    except ClientDisconnect:
        raise BadMultipart("the client went away before the form ended; nothing was stored") from None
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Invalid("the form is not valid URL-encoded UTF-8") from None
    parts = FormParts(body_bytes=len(body))
    for name, value in pairs:
        if name in parts.fields:
            raise Invalid(f"the field {name[:40]!r} was sent twice")
        if len(parts.fields) >= MAX_TEXT_FIELDS:
            raise Invalid(f"too many form fields (at most {MAX_TEXT_FIELDS})")
        if len(value.encode()) > MAX_FIELD_BYTES:
            raise Invalid(f"the field {name[:40]!r} is longer than {MAX_FIELD_BYTES} bytes")
        parts.fields[name] = value
    return parts


async def read_form(request: Request, *, limits: MediaLimits) -> FormParts:
    """A form with photos (multipart, `read_multipart`) or without (URL-encoded, `read_urlencoded`),
    with the media package's refusals as our JSON errors (413/415/422)."""
    content_type, _params = parse_options_header(request.headers.get("content-type", ""))
    try:
        if content_type == b"application/x-www-form-urlencoded":
            return await read_urlencoded(request)
        return await read_multipart(request, limits=limits)
    except MediaError as exc:
        raise media_error(exc) from exc


M = TypeVar("M", bound=BaseModel)


def parse_fields(model: type[M], fields: Mapping[str, str], *, empty_is_absent: bool = False) -> M:
    """Validate the text fields of a multipart body with `model`. Raises `Invalid` (422) naming the
    first problem's field, with every problem in `details`. The forms are `StrictBody` models: a field
    the model does not take is refused, named, also when it is empty."""
    values = {
        k: v
        for k, v in fields.items()
        if not (empty_is_absent and v.strip() == "" and k in model.model_fields)
    }
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        details = [
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        raise Invalid(summarise_problems(details), details=details) from None

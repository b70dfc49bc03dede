"""Everything about photos, with no HTTP and no database (DESIGN.md §3, §6).

- `media.pipeline`: `process_photo(bytes | stream, limits=, spec=) -> ProcessedPhoto` (pure CPU) and
  `store_photo(processed, store) -> StoredPhoto` (durable when it returns).
- `media.limits`: `MediaLimits`, `spool_limited`, `UploadBudget`, `check_photo_count`.
- `media.sniff`: `sniff_format(head) -> ImageFormat` (JPEG, PNG, WebP, HEIF; everything else refused).
- `media.exif`: `read_metadata(bytes) -> PhotoMetadata` (position, time, orientation, device).
- `media.derivatives`: metadata-free display JPEG and thumbnail (`DerivativeSpec`).
- `media.hashing`: SHA-256 content keys (`originals/ab/cd/<sha>.<ext>`, `public/ab/cd/<sha>.jpg`).
- `media.storage` / `media.storage_s3`: `MediaStore` protocol, `FileSystemStore`, `S3Store`.
- `media.errors`: every refusal, each with `code` and `http_status` for the service's error mapping.
"""

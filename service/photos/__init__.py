"""Photos, in one home: every photo Whistle keeps (a report's, a unit's result, a grid worker's
verification) is received, processed, stored and recorded the same way (DESIGN.md §6, §8):

1. `upload`: the multipart body is read as a stream under the media limits (413 at the first byte over,
   never read whole); photo parts are spooled and hashed as they arrive;
2. `pipeline`: each photo is checked and converted (CPU, nothing stored): sniffed by its bytes, EXIF read
   first, oriented, re-encoded into metadata-free derivatives;
3. `pipeline.store_uploaded_photos`: originals (private) and derivatives (public) are stored durably,
   named by content hash, *before* the database transaction that records them commits;
4. `service.record_photos`: the `photos` rows (`models.Photo`), each with exactly one owner;
5. `views`: downloads — the original for those who may see the evidence (audited), public derivatives for
   anyone. `sweep` removes stored objects no row names (orphans of interrupted uploads).

`store` builds the photo store from settings and maps media errors to HTTP answers.
"""

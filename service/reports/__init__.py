"""Reports: geotagged photo reports from grid workers and couriers (issue 4, DESIGN.md §6–§8).

- `intake`: the upload path (claim the key → photos → store → route → one transaction → 201).
- `photos`: `process_uploads` and `store_uploaded_photos`, reused for any photo the service keeps.
- `idempotency`: `Idempotency-Key` claims, replays and pruning.
- `service`: reading reports (mine, one, nearby) and photos.
- `sweep`: removing stored objects no row points to (`whistle media sweep`).
"""

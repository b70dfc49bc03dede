"""Reports: geotagged photo reports from grid workers and couriers (DESIGN.md §6–§8).

- `intake`: the upload path (claim the key → photos → store → route → one transaction → 201).
- `form`: the upload's text fields and the request fingerprint; `location`: which position a report
  gets; `flags`: the integrity flags.
- `idempotency`: `Idempotency-Key` claims, replays and pruning.
- `service`: writing a report (`create_report`, also for Open311) and reading reports (mine, one, nearby).
- `cli`: `whistle media sweep` (the photo store's orphans, `service.photos.sweep`, and old keys).

Photos themselves — receiving, processing, storing, rows, downloads — are `service.photos`.
"""

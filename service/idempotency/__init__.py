"""`Idempotency-Key` for requests from phones on bad networks: claims, replays and pruning.

- `models`: the keys table; `service`: claim, finish, release, `once` (keyed work in one call), prune.

Reports, hand-made cases, and a unit's report-in and result use it.
"""

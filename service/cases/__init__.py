"""The case workflow (吹哨报到, 一事一案一评价): pure rules first, tables and HTTP on top of them.

Pure modules, no database and no HTTP: `states` (the state machines), `calendar` (work calendar),
`deadlines` (time-limit arithmetic), `sla` (traffic-light clocks), `scoring` (the 100-point score of
one dispatch and the praise/reminder/interview lists), `indicators` (the standard's rates).

On the database: `models` (tables), `refs` (other domains' tables by their shared column names),
`workflow` (lock, `states.apply`, append the event: the one path of every transition), then one module
per stage: `triage`, `dispatching`, `department`, `verification`, `evaluation`, `board` (SLA), `stats`
(indicator counts), with `service` re-exporting them. HTTP: `schemas`, `views` (console, department,
verification routers), `photos` (result photos through the intake's helpers), `events` (the live feed).
"""

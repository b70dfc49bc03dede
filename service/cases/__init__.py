"""The case workflow (吹哨报到, 一事一案一评价): pure rules first, tables and HTTP on top of them.

Pure modules, no database and no HTTP: `states` (the state machines and the state groupings other
domains read), `calendar` (work calendar), `deadlines` (time-limit arithmetic), `sla` (traffic-light
clocks: the one colour rule, in Python and as SQL), `scoring` (the 100-point score of one dispatch and
the praise/reminder/interview lists), `indicators` (the standard's rates).

On the database: `models` (tables), `workflow` (lock, `states.apply`, append the event, write the audit
record: the one path of every transition), then one module per stage: `triage`, `dispatching`,
`department`, `verification` (with `verification_flags`), `evaluation`, `board` (SLA), `stats`
(indicator counts), `detail` (what the case pages read), with `service` re-exporting them; `events` is
the live feed. Other domains' tables are read through `service.db.refs`; photos through
`service.photos`. HTTP: `schemas`, and the `views` package (console, department, verification).
"""

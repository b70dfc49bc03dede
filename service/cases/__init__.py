"""The case workflow (吹哨报到, 一事一案一评价): pure rules first, tables and HTTP on top of them.

Pure modules, no database and no HTTP: `states` (the state machines), `calendar` (work calendar),
`deadlines` (time-limit arithmetic), `sla` (traffic-light clocks), `scoring` (the 100-point score of
one dispatch and the praise/reminder/interview lists), `indicators` (the standard's rates).
"""

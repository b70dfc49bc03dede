"""The departments' field app (部门端 on the phone): what an officer or a street-team member reads.

- `queries`: the unit's live whistles (most urgent first), one case page, the finished dispatches with
  their scores — batched reads, a page at a time;
- `feed`: the live feed's audience for one unit (new whistles, changes, clocks turning red);
- `schemas`, `views`: the `/api/v1/field/...` interface.

The unit *acts* through `/api/v1/department/...` (`service.cases.views.department`): report in on site,
result, extension, send back.
"""

"""Supervision (督办): the supervising offices (督办单位: 区委统战部, 市委组织部 …) and which office
supervises which case, with its deadline (督办时限) and note.

This package owns the two tables and their rules (an office list admins keep; the read model every case
list and detail shows: office, deadline, overdue). The workflow action that puts a case under
supervision (lock, event, audit) and the supervising office's read-only view of its cases belong to the
case workflow (`service.cases.supervising`, `service.cases.views.supervision`), which imports this
package; this package imports no other domain.
"""

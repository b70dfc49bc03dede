"""Keyset paging in SQL: "the rows after this key" in a list's total order (never OFFSET).

`service.paging` turns the key into an opaque cursor and back, and writes the next page's link; the
service layer's queries use `after` for the condition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, tuple_
from sqlalchemy.orm import InstrumentedAttribute


def after(
    columns: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    key: Sequence[Any],
    *,
    descending: Sequence[bool],
) -> ColumnElement[bool]:
    """The condition "comes after `key`" in the order of `columns`, each ascending or descending: a
    row comparison when all run one way (an index on the columns serves it), else its expansion."""
    if len(set(descending)) == 1:
        left, right = tuple_(*columns), tuple_(*key)
        return left < right if descending[0] else left > right

    def beyond(i: int) -> ColumnElement[bool]:
        found: ColumnElement[bool] = columns[i] < key[i] if descending[i] else columns[i] > key[i]
        return found

    condition = beyond(len(columns) - 1)
    for i in reversed(range(len(columns) - 1)):
        condition = or_(beyond(i), and_(columns[i] == key[i], condition))
    return condition

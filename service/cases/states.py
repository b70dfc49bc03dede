"""The case workflow as data: states, actions, who may act, and the transition tables.

Two machines, because joint enforcement (联合执法) sends one case to several units at once:

* the **case** machine covers triage (研判: file, void, merge), parking (挂账: hold, resume),
  whistling (吹哨: dispatch, also to more units later) and closing a case settled without a dispatch;
* the **dispatch** machine covers one unit's work on one case: report in (报到), handle, extension,
  send back, verification (核查) and rework (返工).

While a case has dispatches its state is *derived* from them (`derive_case_state`): the least advanced
live dispatch gives the case state, all closed closes the case, all sent back returns it to triage.

Decisions (documented here because the standard leaves them open):

* **Extension is a dispatch state** (`extension_requested`), not a flag: then `grant_extension` /
  `deny_extension` are only valid while a request is pending, and the table alone answers 409 for a
  second request. The unit may still submit its result while waiting (the request lapses).
* **Rework is not a state**: a failed verification returns the dispatch to `checked_in` (the same unit
  already reported in and handles it again, GB/T 30428.8's 返工) and the service increments the
  dispatch's rework count. The unit's duties in rework equal those in `checked_in`, so a separate state
  would only duplicate rows.
* **Hold (挂账) parks a filed case only** (no dispatch running, so no clock runs while held). A case
  under handling is extended, or sent back and then held.
* **Close** is explicit only for a filed case settled without any dispatch (自处理); a dispatched case
  closes by derivation when its last dispatch passes verification.
* **Withdrawal (撤回) ends a dispatch like a send-back, by the command center's hand**: a unit that
  never reports in would otherwise keep a joint case open for ever. A withdrawn dispatch no longer
  counts for the case's state (like a sent-back one), so the case closes when every remaining dispatch
  is closed, and goes back to the whistle step (`filed`) when none remains. Reassignment (改派) is a
  withdrawal and a new whistle to another unit in one transaction (`service.cases.withdrawal`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar, overload


class CaseState(StrEnum):
    REPORTED = "reported"
    FILED = "filed"
    VOIDED = "voided"
    MERGED = "merged"
    ON_HOLD = "on_hold"
    DISPATCHED = "dispatched"
    CHECKED_IN = "checked_in"
    HANDLED = "handled"
    VERIFYING = "verifying"
    CLOSED = "closed"


class DispatchState(StrEnum):
    DISPATCHED = "dispatched"
    CHECKED_IN = "checked_in"
    EXTENSION_REQUESTED = "extension_requested"
    HANDLED = "handled"
    VERIFYING = "verifying"
    CLOSED = "closed"
    SENT_BACK = "sent_back"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    # case level
    FILE = "file"
    VOID = "void"
    MERGE = "merge"
    DISPATCH = "dispatch"
    HOLD = "hold"
    RESUME = "resume"
    CLOSE = "close"
    # dispatch level
    CHECK_IN = "check_in"
    SUBMIT_RESULT = "submit_result"
    REQUEST_EXTENSION = "request_extension"
    GRANT_EXTENSION = "grant_extension"
    DENY_EXTENSION = "deny_extension"
    SEND_BACK = "send_back"
    REJECT_SEND_BACK = "reject_send_back"
    START_VERIFICATION = "start_verification"
    VERIFY_PASS = "verify_pass"  # noqa: S105 (an action name, not a password)
    VERIFY_FAIL = "verify_fail"
    WITHDRAW = "withdraw"
    # who commands the case (service.cases.command): no state changes
    ESCALATE = "escalate"  # 上报
    TAKE_OVER = "take_over"  # 接管


class Actor(StrEnum):
    """Who performs an action; the values are the account roles of the same name, plus the system."""

    DISPATCHER = "dispatcher"
    OFFICER = "officer"
    STREET_TEAM = "street_team"
    GRID_WORKER = "grid_worker"
    SYSTEM = "system"


# Case states as the other domains group them (the public map, tiles, Open311, the duplicate hint): one
# place, so a new state is added to every reader at once.
IN_PROGRESS_STATES: tuple[CaseState, ...] = (
    CaseState.FILED,
    CaseState.ON_HOLD,
    CaseState.DISPATCHED,
    CaseState.CHECKED_IN,
    CaseState.HANDLED,
    CaseState.VERIFYING,
)  # accepted by the command center and not finished
FINISHED_STATES: tuple[CaseState, ...] = (CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED)
DISCARDED_STATES: tuple[CaseState, ...] = (CaseState.VOIDED, CaseState.MERGED)  # not a case of its own
# Dispatch states whose clocks still run (the SLA board's rows).
LIVE_DISPATCH_STATES: tuple[DispatchState, ...] = (
    DispatchState.DISPATCHED,
    DispatchState.CHECKED_IN,
    DispatchState.EXTENSION_REQUESTED,
    DispatchState.HANDLED,
    DispatchState.VERIFYING,
)

# Dispatches that ended without the unit's work being accepted: they no longer count for the case.
ENDED_WITHOUT_RESULT: tuple[DispatchState, ...] = (DispatchState.SENT_BACK, DispatchState.WITHDRAWN)


def values(states: tuple[CaseState, ...] | tuple[DispatchState, ...]) -> list[str]:
    """The states' string values, as SQL parameters take them."""
    return [state.value for state in states]


CASE_STATE_LABELS: Mapping[CaseState, str] = {
    CaseState.REPORTED: "待研判",
    CaseState.FILED: "已立案",
    CaseState.VOIDED: "已作废",
    CaseState.MERGED: "已合并",
    CaseState.ON_HOLD: "挂账",
    CaseState.DISPATCHED: "已派遣",
    CaseState.CHECKED_IN: "已报到",
    CaseState.HANDLED: "已处置",
    CaseState.VERIFYING: "核查中",
    CaseState.CLOSED: "已结案",
}

DISPATCH_STATE_LABELS: Mapping[DispatchState, str] = {
    DispatchState.DISPATCHED: "待报到",
    DispatchState.CHECKED_IN: "处置中",
    DispatchState.EXTENSION_REQUESTED: "延期申请中",
    DispatchState.HANDLED: "已反馈",
    DispatchState.VERIFYING: "核查中",
    DispatchState.CLOSED: "已办结",
    DispatchState.SENT_BACK: "已退回",
    DispatchState.WITHDRAWN: "已撤回",
}

_C = CaseState
_D = DispatchState
_A = Action

CASE_TRANSITIONS: Mapping[tuple[CaseState, Action], CaseState] = {
    (_C.REPORTED, _A.FILE): _C.FILED,
    (_C.REPORTED, _A.VOID): _C.VOIDED,
    (_C.REPORTED, _A.MERGE): _C.MERGED,
    (_C.FILED, _A.DISPATCH): _C.DISPATCHED,
    (_C.FILED, _A.VOID): _C.VOIDED,
    (_C.FILED, _A.MERGE): _C.MERGED,
    (_C.FILED, _A.HOLD): _C.ON_HOLD,
    (_C.FILED, _A.CLOSE): _C.CLOSED,
    (_C.ON_HOLD, _A.RESUME): _C.FILED,
    (_C.ON_HOLD, _A.VOID): _C.VOIDED,
    # Joint enforcement: another unit can be whistled at any time before closing. The new dispatch
    # is the least advanced one, so the derived case state becomes `dispatched`.
    (_C.DISPATCHED, _A.DISPATCH): _C.DISPATCHED,
    (_C.CHECKED_IN, _A.DISPATCH): _C.DISPATCHED,
    (_C.HANDLED, _A.DISPATCH): _C.DISPATCHED,
    (_C.VERIFYING, _A.DISPATCH): _C.DISPATCHED,
}

DISPATCH_TRANSITIONS: Mapping[tuple[DispatchState, Action], DispatchState] = {
    (_D.DISPATCHED, _A.CHECK_IN): _D.CHECKED_IN,
    (_D.DISPATCHED, _A.SEND_BACK): _D.SENT_BACK,
    (_D.CHECKED_IN, _A.SUBMIT_RESULT): _D.HANDLED,
    (_D.CHECKED_IN, _A.REQUEST_EXTENSION): _D.EXTENSION_REQUESTED,
    (_D.CHECKED_IN, _A.SEND_BACK): _D.SENT_BACK,
    # 退回不成立: the command center finds the item is the unit's after all; the unit handles it
    # against its original deadlines (and loses points for the wrong send-back).
    (_D.SENT_BACK, _A.REJECT_SEND_BACK): _D.CHECKED_IN,
    (_D.EXTENSION_REQUESTED, _A.GRANT_EXTENSION): _D.CHECKED_IN,
    (_D.EXTENSION_REQUESTED, _A.DENY_EXTENSION): _D.CHECKED_IN,
    (_D.EXTENSION_REQUESTED, _A.SUBMIT_RESULT): _D.HANDLED,
    (_D.HANDLED, _A.START_VERIFICATION): _D.VERIFYING,
    (_D.VERIFYING, _A.VERIFY_PASS): _D.CLOSED,
    (_D.VERIFYING, _A.VERIFY_FAIL): _D.CHECKED_IN,
    # 撤回: the command center takes a running dispatch back, with a reason (or to reassign it).
    **{(state, _A.WITHDRAW): _D.WITHDRAWN for state in LIVE_DISPATCH_STATES},
}

_UNIT = frozenset({Actor.OFFICER, Actor.STREET_TEAM})
# Command (指挥): the city's, a district's or a street's command staff (dispatchers), and a street's
# enforcement team, which commands its own street (乡街吹哨); `service.cases.command` says where.
_COMMAND = frozenset({Actor.DISPATCHER, Actor.STREET_TEAM})

ACTION_ACTORS: Mapping[Action, frozenset[Actor]] = {
    _A.FILE: _COMMAND,
    _A.VOID: _COMMAND,
    _A.MERGE: _COMMAND,
    _A.DISPATCH: _COMMAND,
    _A.HOLD: _COMMAND,
    _A.RESUME: _COMMAND,
    _A.CLOSE: _COMMAND,
    _A.CHECK_IN: _UNIT,
    _A.SUBMIT_RESULT: _UNIT,
    _A.REQUEST_EXTENSION: _UNIT,
    _A.SEND_BACK: _UNIT,
    _A.REJECT_SEND_BACK: _COMMAND,
    _A.GRANT_EXTENSION: _COMMAND,
    _A.DENY_EXTENSION: _COMMAND,
    # Normally automatic when the result arrives; the commanding level may (re)assign the task by hand.
    _A.START_VERIFICATION: _COMMAND | {Actor.SYSTEM},
    _A.VERIFY_PASS: frozenset({Actor.GRID_WORKER}),
    _A.VERIFY_FAIL: frozenset({Actor.GRID_WORKER}),
    # Whoever may whistle may take a whistle back (a street team only in its own street).
    _A.WITHDRAW: frozenset({Actor.DISPATCHER, Actor.STREET_TEAM}),
    _A.ESCALATE: _COMMAND,
    _A.TAKE_OVER: _COMMAND,
}

# Actions that change who commands a case, never its state (no transition table has them).
LEVEL_ACTIONS = frozenset({Action.ESCALATE, Action.TAKE_OVER})

S = TypeVar("S", CaseState, DispatchState)


class InvalidTransition(Exception):
    """An action that the current state does not allow; the HTTP layer answers 409 with `allowed`."""

    def __init__(self, state: CaseState | DispatchState, action: Action, allowed: list[Action]) -> None:
        self.state = state
        self.action = action
        self.allowed = allowed
        names = ", ".join(a.value for a in allowed) or "none"
        super().__init__(f"cannot {action.value} in state {state.value}; allowed: {names}")


class ActorNotAllowed(Exception):
    """A role that may never perform this action (HTTP 403), whatever the state."""

    def __init__(self, actor: Actor, action: Action) -> None:
        self.actor = actor
        self.action = action
        super().__init__(f"{actor.value} may not {action.value}")


class StateMachine(Generic[S]):
    """A transition table with lookups; the table is the single source of truth."""

    def __init__(self, transitions: Mapping[tuple[S, Action], S]) -> None:
        self.transitions: dict[tuple[S, Action], S] = dict(transitions)

    def allowed_actions(self, state: S) -> list[Action]:
        """Actions valid in `state`, in the `Action` enum's order (stable for clients)."""
        return [action for action in Action if (state, action) in self.transitions]

    def apply(self, state: S, action: Action) -> S:
        try:
            return self.transitions[(state, action)]
        except KeyError:
            raise InvalidTransition(state, action, self.allowed_actions(state)) from None


CASE_MACHINE: StateMachine[CaseState] = StateMachine(CASE_TRANSITIONS)
DISPATCH_MACHINE: StateMachine[DispatchState] = StateMachine(DISPATCH_TRANSITIONS)


@overload
def allowed_actions(state: CaseState) -> list[Action]: ...
@overload
def allowed_actions(state: DispatchState) -> list[Action]: ...
def allowed_actions(state: CaseState | DispatchState) -> list[Action]:
    # CaseState.DISPATCHED == DispatchState.DISPATCHED as strings, so dispatch on the type, never the value.
    if isinstance(state, DispatchState):
        return DISPATCH_MACHINE.allowed_actions(state)
    return CASE_MACHINE.allowed_actions(state)


@overload
def apply(state: CaseState, action: Action) -> CaseState: ...
@overload
def apply(state: DispatchState, action: Action) -> DispatchState: ...
def apply(state: CaseState | DispatchState, action: Action) -> CaseState | DispatchState:
    if isinstance(state, DispatchState):
        return DISPATCH_MACHINE.apply(state, action)
    return CASE_MACHINE.apply(state, action)


def may_perform(actor: Actor, action: Action) -> bool:
    return actor in ACTION_ACTORS[action]


def check_actor(actor: Actor, action: Action) -> None:
    if not may_perform(actor, action):
        raise ActorNotAllowed(actor, action)


# Progress order of live dispatches; the case shows the least advanced one.
_PROGRESS: Mapping[DispatchState, CaseState] = {
    _D.DISPATCHED: _C.DISPATCHED,
    _D.CHECKED_IN: _C.CHECKED_IN,
    _D.EXTENSION_REQUESTED: _C.CHECKED_IN,
    _D.HANDLED: _C.HANDLED,
    _D.VERIFYING: _C.VERIFYING,
    _D.CLOSED: _C.CLOSED,
}
_CASE_ORDER = [_C.DISPATCHED, _C.CHECKED_IN, _C.HANDLED, _C.VERIFYING, _C.CLOSED]


def derive_case_state(dispatch_states: Iterable[DispatchState]) -> CaseState:
    """The state of a dispatched case from its dispatches.

    Sent-back and withdrawn dispatches do not count; with none left the case is back in triage
    (`filed`) for the dispatcher to whistle again. Otherwise the least advanced live dispatch decides,
    so the case is `closed` exactly when every live dispatch is closed. Call it after each
    dispatch-level transition (and after a case-level `dispatch`); a held case has no live dispatch, so
    it is never re-derived.
    """
    live = [_PROGRESS[s] for s in dispatch_states if s not in ENDED_WITHOUT_RESULT]
    if not live:
        return CaseState.FILED
    return min(live, key=_CASE_ORDER.index)


def is_terminal(state: CaseState | DispatchState) -> bool:
    return not allowed_actions(state)

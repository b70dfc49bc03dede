"""The transition tables, checked over every (state, action) pair generated from the enums."""

from __future__ import annotations

import itertools

import pytest

from service.cases import states
from service.cases.states import (
    ACTION_ACTORS,
    CASE_TRANSITIONS,
    DISPATCH_TRANSITIONS,
    Action,
    Actor,
    ActorNotAllowed,
    CaseState,
    DispatchState,
    InvalidTransition,
)

# The documented tables, written out once more by hand so that a silent edit of the module's table
# fails here (the generated tests below then cover every pair against this expectation).
EXPECTED_CASE = {
    ("reported", "file"): "filed",
    ("reported", "void"): "voided",
    ("reported", "merge"): "merged",
    ("filed", "dispatch"): "dispatched",
    ("filed", "void"): "voided",
    ("filed", "merge"): "merged",
    ("filed", "hold"): "on_hold",
    ("filed", "close"): "closed",
    ("on_hold", "resume"): "filed",
    ("on_hold", "void"): "voided",
    ("dispatched", "dispatch"): "dispatched",
    ("checked_in", "dispatch"): "dispatched",
    ("handled", "dispatch"): "dispatched",
    ("verifying", "dispatch"): "dispatched",
}
EXPECTED_DISPATCH = {
    ("dispatched", "check_in"): "checked_in",
    ("dispatched", "send_back"): "sent_back",
    ("checked_in", "submit_result"): "handled",
    ("checked_in", "request_extension"): "extension_requested",
    ("checked_in", "send_back"): "sent_back",
    ("sent_back", "reject_send_back"): "checked_in",
    ("extension_requested", "grant_extension"): "checked_in",
    ("extension_requested", "deny_extension"): "checked_in",
    ("extension_requested", "submit_result"): "handled",
    ("handled", "start_verification"): "verifying",
    ("verifying", "verify_pass"): "closed",
    ("verifying", "verify_fail"): "checked_in",
    # 撤回: any running dispatch can be taken back by the command center.
    ("dispatched", "withdraw"): "withdrawn",
    ("checked_in", "withdraw"): "withdrawn",
    ("extension_requested", "withdraw"): "withdrawn",
    ("handled", "withdraw"): "withdrawn",
    ("verifying", "withdraw"): "withdrawn",
}

CASE_PAIRS = list(itertools.product(CaseState, Action))
DISPATCH_PAIRS = list(itertools.product(DispatchState, Action))


def _expected_allowed(table: dict[tuple[str, str], str], state: str) -> list[Action]:
    return [a for a in Action if (state, a.value) in table]


@pytest.mark.parametrize(("state", "action"), CASE_PAIRS, ids=[f"{s}-{a}" for s, a in CASE_PAIRS])
def test_every_case_pair(state: CaseState, action: Action) -> None:
    expected = EXPECTED_CASE.get((state.value, action.value))
    if expected is not None:
        result = states.apply(state, action)
        assert isinstance(result, CaseState)
        assert result is CaseState(expected)
    else:
        with pytest.raises(InvalidTransition) as info:
            states.apply(state, action)
        assert info.value.state is state
        assert info.value.action is action
        assert info.value.allowed == _expected_allowed(EXPECTED_CASE, state.value)


@pytest.mark.parametrize(("state", "action"), DISPATCH_PAIRS, ids=[f"{s}-{a}" for s, a in DISPATCH_PAIRS])
def test_every_dispatch_pair(state: DispatchState, action: Action) -> None:
    expected = EXPECTED_DISPATCH.get((state.value, action.value))
    if expected is not None:
        result = states.apply(state, action)
        assert isinstance(result, DispatchState)
        assert result is DispatchState(expected)
    else:
        with pytest.raises(InvalidTransition) as info:
            states.apply(state, action)
        assert info.value.allowed == _expected_allowed(EXPECTED_DISPATCH, state.value)
        for allowed in info.value.allowed:
            assert allowed.value in str(info.value)


def test_tables_equal_the_documented_ones() -> None:
    assert {(s.value, a.value): t.value for (s, a), t in CASE_TRANSITIONS.items()} == EXPECTED_CASE
    assert {(s.value, a.value): t.value for (s, a), t in DISPATCH_TRANSITIONS.items()} == EXPECTED_DISPATCH


def test_same_named_states_dispatch_on_type_not_value() -> None:
    # "dispatched" is both a case state and a dispatch state; they allow different actions.
    assert states.allowed_actions(CaseState.DISPATCHED) == [Action.DISPATCH]
    assert states.allowed_actions(DispatchState.DISPATCHED) == [
        Action.CHECK_IN,
        Action.SEND_BACK,
        Action.WITHDRAW,
    ]


def test_terminal_states() -> None:
    terminal_cases = {s for s in CaseState if states.is_terminal(s)}
    terminal_dispatches = {s for s in DispatchState if states.is_terminal(s)}
    assert terminal_cases == {CaseState.VOIDED, CaseState.MERGED, CaseState.CLOSED}
    # A send-back stands unless the command center rejects it (退回不成立); a withdrawal stands.
    assert terminal_dispatches == {DispatchState.CLOSED, DispatchState.WITHDRAWN}


def test_every_state_is_reachable() -> None:
    def reachable(start: str, table: dict[tuple[str, str], str]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            current = todo.pop()
            for (source, _), target in table.items():
                if source == current and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    # Case states reached by derivation (checked_in ... closed) are covered by derive_case_state tests.
    assert reachable("reported", EXPECTED_CASE) == {s.value for s in CaseState} - {
        "checked_in",
        "handled",
        "verifying",
    }
    assert reachable("dispatched", EXPECTED_DISPATCH) == {s.value for s in DispatchState}


@pytest.mark.parametrize(
    ("actor", "action"),
    list(itertools.product(Actor, Action)),
)
def test_actor_matrix(actor: Actor, action: Action) -> None:
    unit = {Actor.OFFICER, Actor.STREET_TEAM}
    # The command center's staff at every level, and a street's enforcement team for its street.
    command = {Actor.DISPATCHER, Actor.STREET_TEAM}
    expected = {
        Action.FILE: command,
        Action.VOID: command,
        Action.MERGE: command,
        Action.DISPATCH: command,
        Action.HOLD: command,
        Action.RESUME: command,
        Action.CLOSE: command,
        Action.CHECK_IN: unit,
        Action.SUBMIT_RESULT: unit,
        Action.REQUEST_EXTENSION: unit,
        Action.SEND_BACK: unit,
        Action.REJECT_SEND_BACK: command,
        Action.GRANT_EXTENSION: command,
        Action.DENY_EXTENSION: command,
        Action.START_VERIFICATION: {Actor.SYSTEM} | command,
        Action.VERIFY_PASS: {Actor.GRID_WORKER},
        Action.VERIFY_FAIL: {Actor.GRID_WORKER},
        Action.WITHDRAW: {Actor.DISPATCHER, Actor.STREET_TEAM},
        Action.ESCALATE: command,
        Action.TAKE_OVER: command,
    }[action]
    assert states.may_perform(actor, action) is (actor in expected)
    if actor in expected:
        states.check_actor(actor, action)
    else:
        with pytest.raises(ActorNotAllowed):
            states.check_actor(actor, action)


def test_every_action_has_actors() -> None:
    assert set(ACTION_ACTORS) == set(Action)
    assert all(ACTION_ACTORS[a] for a in Action)


def test_every_action_is_used_by_some_transition() -> None:
    used = {a for (_, a) in CASE_TRANSITIONS} | {a for (_, a) in DISPATCH_TRANSITIONS}
    assert used == set(Action) - states.LEVEL_ACTIONS
    assert not used & states.LEVEL_ACTIONS


D = DispatchState


@pytest.mark.parametrize(
    ("dispatches", "expected"),
    [
        ([], CaseState.FILED),
        ([D.SENT_BACK], CaseState.FILED),
        ([D.SENT_BACK, D.SENT_BACK], CaseState.FILED),
        ([D.DISPATCHED], CaseState.DISPATCHED),
        ([D.CHECKED_IN, D.DISPATCHED], CaseState.DISPATCHED),
        ([D.EXTENSION_REQUESTED], CaseState.CHECKED_IN),
        ([D.CLOSED, D.CHECKED_IN], CaseState.CHECKED_IN),
        ([D.HANDLED, D.VERIFYING], CaseState.HANDLED),
        ([D.VERIFYING, D.CLOSED], CaseState.VERIFYING),
        ([D.CLOSED, D.CLOSED], CaseState.CLOSED),
        ([D.CLOSED, D.SENT_BACK], CaseState.CLOSED),
        # A withdrawn dispatch no longer counts: the case closes with the remaining ones, or returns
        # to the whistle step when none remains.
        ([D.WITHDRAWN], CaseState.FILED),
        ([D.WITHDRAWN, D.SENT_BACK], CaseState.FILED),
        ([D.CLOSED, D.CLOSED, D.WITHDRAWN], CaseState.CLOSED),
        ([D.WITHDRAWN, D.DISPATCHED], CaseState.DISPATCHED),
        ([D.HANDLED, D.WITHDRAWN], CaseState.HANDLED),
    ],
)
def test_derive_case_state(dispatches: list[DispatchState], expected: CaseState) -> None:
    assert states.derive_case_state(dispatches) is expected


def test_joint_enforcement_story() -> None:
    """德胜街道: the signboard case whistled to 市场监管 and 北京路派出所, both report in, both close."""
    case = states.apply(CaseState.FILED, Action.DISPATCH)
    market, police = DispatchState.DISPATCHED, DispatchState.DISPATCHED
    market = states.apply(market, Action.CHECK_IN)
    assert states.derive_case_state([market, police]) is CaseState.DISPATCHED
    police = states.apply(police, Action.CHECK_IN)
    case = states.derive_case_state([market, police])
    assert case is CaseState.CHECKED_IN
    for action in (Action.SUBMIT_RESULT, Action.START_VERIFICATION, Action.VERIFY_PASS):
        market = states.apply(market, action)
    assert states.derive_case_state([market, police]) is CaseState.CHECKED_IN
    police = states.apply(police, Action.SUBMIT_RESULT)
    police = states.apply(police, Action.START_VERIFICATION)
    police = states.apply(police, Action.VERIFY_FAIL)  # rework: back to the same unit
    assert police is DispatchState.CHECKED_IN
    for action in (Action.SUBMIT_RESULT, Action.START_VERIFICATION, Action.VERIFY_PASS):
        police = states.apply(police, action)
    assert states.derive_case_state([market, police]) is CaseState.CLOSED


def test_labels_cover_every_state() -> None:
    assert set(states.CASE_STATE_LABELS) == set(CaseState)
    assert set(states.DISPATCH_STATE_LABELS) == set(DispatchState)

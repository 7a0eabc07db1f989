"""When ``await_checks`` looks again at checks still running (shared.tools.code.pull_request): soon after the push,
then less often, at most every POLL_S."""

from shared.tools.code.pull_request import FIRST_LOOK_S, POLL_S, _next_look


def test_a_fresh_push_is_looked_at_again_in_seconds_and_an_old_one_every_poll() -> None:
    assert _next_look(0.3) == FIRST_LOOK_S == 12.0
    assert _next_look(20.0) == 20.0  # as long again as it has been
    assert _next_look(600.0) == POLL_S == 30.0

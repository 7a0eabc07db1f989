"""The Cloud Tasks retry schedules: what each queue really does with a task that always fails.

Cloud Tasks stops retrying only when a task has made max_attempts attempts AND max_retry_duration
has passed since its first attempt, so a queue whose duration outlasts its attempts makes many more
attempts than max_attempts says (the review found execute-step at ~44 over 6 h, notify ~56 over 24 h
while their comments said 10 and 12). Each queue's limits must end at the same attempt.
"""

from datetime import timedelta
from itertools import pairwise

import pytest

from tests.support.platform.task_retries import attempt_times, seconds
from tools.infra_drift import Terraform

QUEUES = ("plan", "execute-step", "deploy", "notify")


def test_the_model_matches_cloud_tasks_documented_example() -> None:
    """RetryConfig's docs: min 10 s, max 300 s, 3 doublings retry after 10, 20, 40, 80, 160, 240, 300 s."""
    queue = {"min_backoff": "10s", "max_backoff": "300s", "max_doublings": 3}
    times = attempt_times(queue | {"max_attempts": 9, "max_retry_duration": "0s"})
    assert [b - a for a, b in pairwise(times)] == [10, 20, 40, 80, 160, 240, 300, 300]


@pytest.mark.parametrize("queue_id", QUEUES)
def test_max_attempts_is_the_number_of_attempts_made(tf: Terraform, queue_id: str) -> None:
    """The duration falls between the last two attempts: neither limit stretches the other."""
    queue = tf.locals["queues"][queue_id]
    times = attempt_times(queue)
    assert len(times) == queue["max_attempts"], (queue_id, len(times), times[-1])
    assert times[-2] < seconds(queue["max_retry_duration"]) <= times[-1], queue_id


def test_a_window_longer_than_the_attempts_is_caught(tf: Terraform) -> None:
    queue = dict(tf.locals["queues"]["execute-step"]) | {"max_retry_duration": "21600s"}
    assert len(attempt_times(queue)) == 44  # what the queue made before this test existed


def test_a_plan_is_not_retried_past_the_hour(tf: Terraform) -> None:
    assert attempt_times(tf.locals["queues"]["plan"])[-1] < 3600


def test_steps_stop_retrying_long_before_the_sweeper_fails_the_run(tf: Terraform) -> None:
    """After the queue gives up the sweeper re-enqueues the run; it fails it after GIVE_UP_AFTER."""
    from shared.engine.services.sweeper import GIVE_UP_AFTER
    from shared.platform.config import Settings

    for queue_id in ("execute-step", "deploy"):
        last = attempt_times(tf.locals["queues"][queue_id])[-1]
        assert last < GIVE_UP_AFTER.total_seconds() / 4, queue_id
        # The queue's own backoff covers at least the sweeper's default wait before re-enqueuing.
        assert last > Settings().sweep_stall_s, queue_id


def test_notify_retries_for_the_window_the_notifier_relies_on(tf: Terraform) -> None:
    from shared.notify.services.delivery import GIVE_UP_AFTER, NOTIFY_RETRY_WINDOW

    queue = tf.locals["queues"]["notify"]
    times = attempt_times(queue)
    assert seconds(queue["max_retry_duration"]) == NOTIFY_RETRY_WINDOW.total_seconds()
    # Enough attempts after the notifier's own bound to end the record (shared/notify/services/delivery.py).
    late = (GIVE_UP_AFTER + timedelta(hours=3)).total_seconds()
    assert len([t for t in times if t >= late]) >= 3


def test_the_plan_function_knows_its_queues_last_attempt(tf: Terraform) -> None:
    """plan records a trigger whose last attempt failed (shared.engine.planning.start.start_run): it must
    count the attempts the queue makes, or the queue deletes the task with nothing recorded."""
    env = tf.locals["settings_env"]
    assert int(env["NA_PLAN_MAX_ATTEMPTS"]) == tf.locals["queues"]["plan"]["max_attempts"]
    assert len(attempt_times(tf.locals["queues"]["plan"])) == int(env["NA_PLAN_MAX_ATTEMPTS"])

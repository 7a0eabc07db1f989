"""The reliability storm's sync deliveries: each task delivered twice and in a shuffled order, its first
delivery and a third of the others killed mid-task (the instance dies after an adapter call returned:
its effect done, its answer lost) and delivered again as the queue retries, within a retry budget."""

import random
import threading
from collections.abc import Callable, Iterable
from typing import Any

from shared.platform.errors import Conflict


class Killed(Exception):
    """The instance dies here (kill -9 after an effect: HTTP 500, the queue delivers the task again)."""


class Killer:
    """Arms a delivery to die after its ``n``-th call to a wrapped adapter has returned."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.kills = 0

    def arm(self, n: int | None) -> None:
        self.local.left = n

    def wrap(self, inner: Any) -> Any:
        """``inner`` with every method call counted against the delivery's armed kill."""
        killer = self

        class Dying:
            def __getattr__(self, name: str) -> Any:
                value = getattr(inner, name)
                if not callable(value):
                    return value

                def call(*args: Any, **kwargs: Any) -> Any:
                    answer = value(*args, **kwargs)
                    left = getattr(killer.local, "left", None)
                    if left is not None:
                        killer.local.left = left - 1
                        if left <= 1:
                            killer.local.left, killer.kills = None, killer.kills + 1
                            raise Killed(name)
                    return answer

                return call

        return Dying()


def storm(
    tasks: Iterable[Callable[[], Any]], killer: Killer, rng: random.Random, budget: int = 6
) -> dict[str, int]:
    """Every task twice, shuffled; its first delivery, then others with probability 1/3, killed after 1-6
    adapter calls, then retried until it succeeds or ``budget`` attempts are spent (``stuck``). A 409
    (a replay refused) is the duplicate's answer, a success. ``runs``: the tasks; ``stuck``: those never
    acknowledged."""
    listed = list(tasks)
    deliveries = [i for i in range(len(listed)) for _ in range(2)]
    rng.shuffle(deliveries)
    stuck, started = set[int](), set[int]()
    for index in deliveries:
        task = listed[index]
        for _attempt in range(budget):
            first = index not in started
            started.add(index)
            killer.arm(rng.randint(1, 6) if first or rng.random() < 1 / 3 else None)
            try:
                task()
            except Killed:
                continue
            except Conflict:
                pass
            finally:
                killer.arm(None)
            break
        else:
            stuck.add(index)
    return {"runs": len(listed), "stuck": len(stuck)}

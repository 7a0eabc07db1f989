"""The reliability storm's sync deliveries: each task delivered twice and in a shuffled order, its first
delivery and a third of the others killed mid-task (the instance dies after an adapter call returned:
its effect done, its answer lost) and delivered again as the queue retries, within a retry budget. A
first delivery that creates an item (or a page) dies right after the create's request, before its link."""

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from shared.platform.errors import Conflict


class Killed(Exception):
    """The instance dies here (kill -9 after an effect: HTTP 500, the queue delivers the task again)."""


# The wrapped adapters' calls that make a tool's item (Linear's and GitLab's issues, Motion's tasks) or
# the Notion page of one: a first delivery dies right after one, before the mirror records its link.
CREATES = frozenset({"create_issue", "create_task", "create_page"})


class DiesAfter:
    """An adapter whose first call of ``name`` returns, then the instance dies (the task is retried)."""

    def __init__(self, inner: Any, name: str) -> None:
        self.inner, self.name, self.died = inner, name, False

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.inner, attr)
        if attr != self.name or self.died:
            return value

        def dying(*args: Any, **kwargs: Any) -> Any:
            value(*args, **kwargs)
            self.died = True
            raise Killed(attr)

        return dying


class Killer:
    """Arms a delivery to die after its ``n``-th call to a wrapped adapter has returned, or (``at_create``)
    after its first create (:data:`CREATES`) if that comes first. ``create_kills``: kills after a create,
    by the create's name."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.kills = 0
        self.create_kills: Counter[str] = Counter()

    def arm(self, n: int | None, *, at_create: bool = False) -> None:
        self.local.left, self.local.at_create = n, at_create

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
                    local = killer.local
                    created = name in CREATES and getattr(local, "at_create", False)
                    left = getattr(local, "left", None)
                    if left is not None:
                        local.left = left - 1
                    if created or (left is not None and left <= 1):
                        local.left, local.at_create, killer.kills = None, False, killer.kills + 1
                        if created:
                            killer.create_kills[name] += 1
                        raise Killed(name)
                    return answer

                return call

        return Dying()


def storm(
    tasks: Iterable[Callable[[], Any]], killer: Killer, rng: random.Random, budget: int = 6
) -> dict[str, int]:
    """Every task twice, shuffled; its first delivery killed right after its first create (if it makes
    one), its second after 1-6 adapter calls, each retry with probability 1/3 after 1-6 calls; retried
    until it succeeds or ``budget`` attempts are spent (``stuck``). A 409 (a replay refused) is the
    duplicate's answer, a success. ``runs``: the tasks; ``stuck``: those never acknowledged."""
    listed = list(tasks)
    deliveries = [i for i in range(len(listed)) for _ in range(2)]
    rng.shuffle(deliveries)
    stuck, delivered = set[int](), Counter[int]()
    for index in deliveries:
        task = listed[index]
        delivered[index] += 1
        for attempt in range(budget):
            if attempt == 0 and delivered[index] == 1:
                killer.arm(None, at_create=True)
            else:
                killer.arm(rng.randint(1, 6) if attempt == 0 or rng.random() < 1 / 3 else None)
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

"""On the fake Notion: undos killed mid-way and delivered twice, and a person
editing during an undo. Prints a RESULT line; every figure in it is asserted."""

import contextlib
from collections import Counter

from shared.undo.domain.inverses import Effect
from shared.undo.services.take_back import Taken, undo
from tests.support.notion.notion_fakes import FakeNotion
from tests.support.undo.undo_runs import four_writes, status

RUNS = 6


def test_undos_under_faults_revert_nothing_twice_and_overwrite_no_person() -> None:
    fake = FakeNotion()
    pages = [fake.add_page(f"P{n}", Status="Todo") for n in range(RUNS)]
    runs: list[list[Effect]] = []
    for n, page in enumerate(pages):  # each run's effects are numbered apart (seq = 100 n + 10 + step)
        runs.append([e.model_copy(update={"id": e.id + 100 * n}) for e in four_writes(fake, page)])
    taken: list[Taken] = []
    undos = 0
    person: dict[str, str] = {}
    for n, (page, chosen) in enumerate(zip(pages, runs, strict=True)):
        if n % 3 == 1:  # killed mid-way (its property restore fails), then delivered twice more
            fake.fail["update_page_properties"] = [RuntimeError("killed")]
            with contextlib.suppress(RuntimeError):
                undo(fake.with_token("tok"), chosen, taken.append)
        deliveries = 2 if n % 3 == 1 else 1
        for _ in range(deliveries):

            def edit(done: Taken, page: str = page, n: int = n) -> None:
                # A person sets Status while the undo runs, after its first effect, before the oldest.
                if n % 3 == 2 and done.tool == "add_comment" and page not in person:
                    fake.pages[page]["properties"]["Status"] = {
                        "type": "status",
                        "status": {"name": "Blocked"},
                    }
                    person[page] = "Blocked"

            for t in undo(fake.with_token("tok"), chosen, edit):
                taken.append(t)
            undos += 1
    reverted = Counter(t.effect for t in taken if t.outcome == "reverted")
    reverted_twice = sum(1 for c in reverted.values() if c > 1)
    overwritten = sum(1 for page, value in person.items() if status(fake, page) != value)
    conflicts = {t.effect for t in taken if t.outcome == "conflict"}
    print(
        f"RESULT undos={undos} effects_reverted={len(reverted)} reverted_twice={reverted_twice} "
        f"people_changes_overwritten={overwritten} conflicts_listed={len(conflicts)}"
    )
    edited = [p for n, p in enumerate(pages) if n % 3 == 2]
    assert undos == RUNS + 2  # two killed undos delivered twice after the kill
    # Each run's four effects revert (its comment deleted too), but the property change of a run a
    # person edited during its undo.
    assert len(reverted) == 4 * RUNS - len(edited)
    assert reverted_twice == 0
    assert overwritten == 0 and set(person) == set(edited)
    assert len(conflicts) == len(edited)
    assert all(status(fake, p) == "Todo" for p in pages if p not in person)

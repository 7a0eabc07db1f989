"""Which passages of the workspace index a run may be given: every reach that holds it at
once. A member's run has its own (its trigger's data source and its pages), its agent has one, and so
has each run that handed it the work (``Bound``). A passage reaches a prompt or a search's answer
only within all of them."""

from collections.abc import Iterable

from shared.workspace.domain.settings import plain_notion_id


def read_reach(read: Iterable[str], change: Iterable[str]) -> tuple[str, ...]:
    """What a reach lets a run read, as ``shared.engine.agent.approvals.outside_reach`` holds it: with
    a read list, it and the change list; without one, everything (an empty tuple: unbounded)."""
    listed = tuple(read)
    return (*listed, *change) if listed else ()


def reach_scopes(ids: Iterable[str]) -> set[str]:
    """The index scopes (``StoredPassage.scope``: a data source's plain id, or ``page:<id>`` for a page
    outside any) within a reach that lists ``ids`` (data sources or pages)."""
    plain = {plain_notion_id(i) for i in ids if i}
    return plain | {f"page:{i}" for i in plain}


def narrowed(
    scopes: list[str] | None, reaches: Iterable[Iterable[str]], own: Iterable[str] = ()
) -> list[str] | None:
    """``scopes`` (None: the whole index) narrowed to each of ``reaches`` that lists anything (an empty
    reach bounds nothing, as an agent's does). ``own``, the run's own pages (its trigger page, those
    it created), are within every reach, as in ``shared.engine.agent.approvals.outside_reach``.
    None only when nothing bounds it; an empty list: nothing may be searched. A reach naming a parent
    page does not admit its child pages here: the index does not know a page's parent."""
    held = None if scopes is None else set(scopes)
    pages = {f"page:{plain_notion_id(p)}" for p in own if p}
    for reach in reaches:
        ids = list(reach)
        if ids:
            allowed = reach_scopes(ids) | pages
            held = allowed if held is None else held & allowed
    return None if held is None else sorted(held)

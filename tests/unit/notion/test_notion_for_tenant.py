"""The Notion port for a tenant (``NotionForTenant``) reads a listing as its caller takes it: each
page's request inside the token-refreshing ``run``, and no more pages than the caller wants."""

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, cast

from shared.notion.ports import NotionClient, TenantNotion
from shared.notion.services.notion_access import NotionForTenant
from shared.platform.errors import Unauthenticated
from tests.support.notion.notion_fakes import WithToken

ROWS, PAGE = 3_000, 100


class PagedNotion:
    """A data source of ``ROWS`` rows served ``PAGE`` a request, as the adapter does (a generator
    that requests the next page when the last one is used up); ``expired`` tokens get a 401."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []  # (token, first row of the page)
        self.expired: set[str] = set()

    def query_data_source(
        self, token: str, data_source_id: str, filter: Any = None, sorts: Any = None
    ) -> Iterator[dict[str, Any]]:
        for start in range(0, ROWS, PAGE):
            self.requests.append((token, start))
            if token in self.expired:
                raise Unauthenticated("notion: HTTP 401")
            yield from ({"id": f"row-{i}"} for i in range(start, min(start + PAGE, ROWS)))

    def retrieve_page(self, token: str, page_id: str) -> dict[str, Any]:
        self.requests.append((token, -1))
        return {"id": page_id, "token": token}

    def with_token(self, token: str) -> TenantNotion:
        return cast(TenantNotion, WithToken(self, token))


class Session:
    """NotionAccess's session: the operation with the token; on a 401, once more with a fresh one."""

    def __init__(self, notion: PagedNotion) -> None:
        self.notion, self.token, self.refreshes = notion, "t0", 0

    def run(self, operation: Callable[[str], Any]) -> Any:
        try:
            return operation(self.token)
        except Unauthenticated:
            self.refreshes += 1
            self.token = f"t{self.refreshes}"
        return operation(self.token)


def test_taking_ten_rows_of_a_big_data_source_makes_one_request() -> None:
    paged = PagedNotion()
    notion = NotionForTenant(cast(NotionClient, paged), Session(paged).run)
    rows = list(islice(notion.query_data_source("ds"), 10))
    assert [r["id"] for r in rows] == [f"row-{i}" for i in range(10)]
    assert paged.requests == [("t0", 0)]
    assert notion.retrieve_page("p1") == {"id": "p1", "token": "t0"}  # not a listing: as it was


def test_reading_on_requests_the_next_pages_and_reading_all_reads_each_once() -> None:
    paged = PagedNotion()
    notion = NotionForTenant(cast(NotionClient, paged), Session(paged).run)
    assert len(list(islice(notion.query_data_source("ds"), 250))) == 250
    assert [start for _, start in paged.requests] == [0, 100, 200]
    paged.requests.clear()
    assert [r["id"] for r in notion.query_data_source("ds")] == [f"row-{i}" for i in range(ROWS)]
    assert len(paged.requests) == ROWS // PAGE


def test_a_token_expiring_between_pages_is_refreshed_and_the_listing_goes_on_without_a_gap() -> None:
    paged = PagedNotion()
    session = Session(paged)
    notion = NotionForTenant(cast(NotionClient, paged), session.run)
    listing = notion.query_data_source("ds")
    head = list(islice(listing, 150))
    paged.expired.add("t0")  # the token runs out while the caller works on the first rows
    rest = list(listing)
    assert session.refreshes == 1
    assert [r["id"] for r in head + rest] == [f"row-{i}" for i in range(ROWS)]  # none lost, none twice

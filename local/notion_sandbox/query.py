"""Data source queries: filters, sorts and cursor pagination as Notion applies them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.notion_sandbox.errors import validation_error
from local.notion_sandbox.model import JSON
from local.notion_sandbox.properties import find_property
from local.notion_sandbox.richtext import plain

MAX_PAGE_SIZE = 100


def paginate(
    items: list[JSON], start_cursor: Any, page_size: Any, where: str
) -> tuple[list[JSON], str | None]:
    """One page of `items`; the cursor is the id of the first item of the next page, as in Notion."""
    size = MAX_PAGE_SIZE if page_size is None else page_size
    if isinstance(size, str) and size.isdigit():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1 or size > MAX_PAGE_SIZE:
        raise validation_error(
            f"body failed validation: {where}.page_size should be a number ≤ `{MAX_PAGE_SIZE}`, "
            f"instead was `{size}`."
        )
    start = 0
    if start_cursor:
        ids = [item["id"] for item in items]
        if start_cursor not in ids:
            raise validation_error(f"body failed validation: {where}.start_cursor should be a valid cursor.")
        start = ids.index(start_cursor)
    chunk = items[start : start + size]
    following = items[start + size : start + size + 1]
    return chunk, (following[0]["id"] if following else None)


def list_response(results: list[JSON], next_cursor: str | None, kind: str) -> JSON:
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }


def apply_filter(pages: list[JSON], schema: JSON, spec: Any) -> list[JSON]:
    if spec is None:
        return pages
    predicate = _compile(spec, schema, "body.filter", depth=0)
    return [page for page in pages if predicate(page)]


Predicate = Callable[[JSON], bool]


def _compile(spec: Any, schema: JSON, path: str, depth: int) -> Predicate:
    if not isinstance(spec, dict):
        raise validation_error(f"body failed validation: {path} should be an object.")
    for key in ("and", "or"):
        if key in spec:
            if depth >= 2:
                raise validation_error(f"body failed validation: {path} nesting is limited to two levels.")
            parts = [_compile(s, schema, f"{path}.{key}[{i}]", depth + 1) for i, s in enumerate(spec[key])]
            return _combine(parts, every=key == "and")
    if "timestamp" in spec:
        stamp = spec["timestamp"]
        condition = spec.get(stamp) or {}
        return lambda page: _match_date(page.get(stamp), condition)
    name = spec.get("property")
    config = find_property(schema, str(name)) if name is not None else None
    if config is None:
        raise validation_error(f"Could not find property with name or id: {name}")
    return _property_predicate(config, spec, path)


def _combine(parts: list[Predicate], every: bool) -> Predicate:
    if every:
        return lambda page: all(p(page) for p in parts)
    return lambda page: any(p(page) for p in parts)


def _property_predicate(config: JSON, spec: JSON, path: str) -> Predicate:
    kind = config["type"]
    filter_kind = next((str(k) for k in spec if k != "property"), "")
    if filter_kind not in (kind, "rich_text" if kind == "title" else kind):
        raise validation_error(
            f"body failed validation: {path} for property `{config['name']}` of type `{kind}` "
            f"cannot use a `{filter_kind}` filter."
        )
    condition: JSON = spec[filter_kind]
    name = config["name"]

    def predicate(page: JSON) -> bool:
        value = page["properties"].get(name, {}).get(kind)
        return _match(kind, value, condition)

    return predicate


def _match(kind: str, value: Any, condition: JSON) -> bool:
    matchers: dict[str, Callable[[], bool]] = {
        "title": lambda: _match_text(plain(value or []), condition),
        "rich_text": lambda: _match_text(plain(value or []), condition),
        "select": lambda: _match_text(value["name"] if value else "", condition),
        "status": lambda: _match_text(value["name"] if value else "", condition),
        "multi_select": lambda: _match_list([v["name"] for v in value or []], condition),
        "people": lambda: _match_list([v["id"] for v in value or []], condition),
        "checkbox": lambda: _match_checkbox(bool(value), condition),
        "date": lambda: _match_date(value["start"] if value else None, condition),
        "number": lambda: _match_number(value, condition),
    }
    if kind not in matchers:
        return _match_text("" if value is None else str(value), condition)
    return matchers[kind]()


def _match_checkbox(value: bool, condition: JSON) -> bool:
    if "equals" in condition:
        return value is bool(condition["equals"])
    return value is not bool(condition.get("does_not_equal"))


def _match_text(text: str, condition: JSON) -> bool:
    op, arg = next(iter(condition.items()))
    checks: dict[str, Callable[[], bool]] = {
        "equals": lambda: text == arg,
        "does_not_equal": lambda: text != arg,
        "contains": lambda: str(arg).lower() in text.lower(),
        "does_not_contain": lambda: str(arg).lower() not in text.lower(),
        "starts_with": lambda: text.lower().startswith(str(arg).lower()),
        "ends_with": lambda: text.lower().endswith(str(arg).lower()),
        "is_empty": lambda: text == "",
        "is_not_empty": lambda: text != "",
    }
    if op not in checks:
        raise validation_error(f"body failed validation: unsupported filter condition `{op}`.")
    return checks[op]()


def _match_list(values: list[str], condition: JSON) -> bool:
    op, arg = next(iter(condition.items()))
    if op == "contains":
        return arg in values
    if op == "does_not_contain":
        return arg not in values
    if op == "is_empty":
        return not values
    if op == "is_not_empty":
        return bool(values)
    raise validation_error(f"body failed validation: unsupported filter condition `{op}`.")


def _match_number(value: Any, condition: JSON) -> bool:
    op, arg = next(iter(condition.items()))
    if op in ("is_empty", "is_not_empty"):
        return (value is None) == (op == "is_empty")
    if value is None:
        return False
    checks = {
        "equals": value == arg,
        "does_not_equal": value != arg,
        "greater_than": value > arg,
        "less_than": value < arg,
        "greater_than_or_equal_to": value >= arg,
        "less_than_or_equal_to": value <= arg,
    }
    return bool(checks[op])


def _match_date(start: str | None, condition: JSON) -> bool:
    op, arg = next(iter(condition.items()))
    if op in ("is_empty", "is_not_empty"):
        return (start is None) == (op == "is_empty")
    if start is None:
        return False
    # Compare at the precision of the filter value: a date-only filter compares calendar days.
    arg = str(arg)
    left = start[: len(arg)] if len(arg) == 10 else start
    checks = {
        "equals": left == arg,
        "before": left < arg,
        "after": left > arg,
        "on_or_before": left <= arg,
        "on_or_after": left >= arg,
    }
    if op not in checks:
        raise validation_error(f"body failed validation: unsupported date condition `{op}`.")
    return bool(checks[op])


def apply_sorts(pages: list[JSON], schema: JSON, sorts: Any) -> list[JSON]:
    """Stable multi-key sort; empty values sort last in both directions, as in Notion."""
    if not sorts:
        return pages
    ordered = list(pages)
    for i, sort in reversed(list(enumerate(sorts))):
        key = _sort_key(sort, schema, f"body.sorts[{i}]")
        present = [p for p in ordered if key(p) is not None]
        missing = [p for p in ordered if key(p) is None]
        present.sort(key=key, reverse=sort.get("direction") == "descending")
        ordered = present + missing
    return ordered


def _sort_key(sort: Any, schema: JSON, path: str) -> Callable[[JSON], Any]:
    if not isinstance(sort, dict) or sort.get("direction") not in ("ascending", "descending"):
        raise validation_error(
            f"body failed validation: {path}.direction should be `ascending` or `descending`."
        )
    if "timestamp" in sort:
        stamp = sort["timestamp"]
        return lambda page: page.get(stamp)
    config = find_property(schema, str(sort.get("property")))
    if config is None:
        raise validation_error(f"Could not find sort property with name or id: {sort.get('property')}")
    name, kind = config["name"], config["type"]

    def key(page: JSON) -> Any:
        value = page["properties"].get(name, {}).get(kind)
        if kind in ("title", "rich_text"):
            return plain(value or []) or None
        if kind in ("select", "status"):
            return value["name"] if value else None
        if kind == "date":
            return value["start"] if value else None
        if kind == "checkbox":
            return bool(value)
        return value

    return key

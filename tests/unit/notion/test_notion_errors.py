"""Notion's errors as the project's kinds: a 409 collision is tried again, an id that is no id is the
model's to correct (never an unexpected error that leaves a run running)."""

import json

import httpx
from notion_client.errors import APIResponseError, InvalidPathParameterError

from shared.notion.adapters.notion import NotionApi, NotionApiError, build_client, convert
from shared.platform.errors import ModelFixableError, TransientError


def response_error(status: int, code: str) -> APIResponseError:
    body = json.dumps({"object": "error", "status": status, "code": code, "message": "Conflict occurred"})
    return APIResponseError(code, status, "Conflict occurred", httpx.Headers(), body)


def test_a_collision_is_tried_again_and_a_bad_request_is_not() -> None:
    assert isinstance(convert(response_error(409, "conflict_error")), TransientError)
    assert isinstance(convert(response_error(400, "validation_error")), NotionApiError)


def test_an_id_with_dots_is_the_models_to_correct_before_any_request() -> None:
    api = NotionApi(build_client("http://127.0.0.1:9", 1))
    try:
        api.with_token("tok").retrieve_page("1f2e..3c")
    except ModelFixableError as exc:
        assert "not a Notion id" in exc.reason
    else:
        raise AssertionError("a dotted id was sent")
    assert isinstance(convert(InvalidPathParameterError()), ModelFixableError)

"""The Slack adapter (slack_sdk's WebClient underneath) against the code sandbox's Slack over real HTTP: who a token
is, a post found again by its marker within a bounded number of history pages, Slack's refusals
mapped to our kinds with a reason a person understands, and never the token in a message or log line.
The last section checks the sandbox itself where the adapter does not reach."""

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from local.code_sandbox import SEED
from local.code_sandbox.testing import Admin, RunningSandbox
from local.processes import free_port
from local.wsgi_thread import ThreadedServer
from shared.notify.adapters.slack import MAX_PAGES, PAGE_SIZE, SearchExhausted, SlackApiError, SlackChat
from shared.platform.errors import AgentError, NotFound, PermanentError, TransientError, Unauthenticated
from tests.integration.assertions import assert_token_absent

pytestmark = pytest.mark.integration
AGENT = SEED["slack_channel"]
OUTSIDE = SEED["slack_outside_channel"]
ARCHIVED = SEED["slack_archived_channel"]
JSON_TYPE = "application/json; charset=utf-8"


@pytest.fixture
def token(admin: Admin) -> str:
    value = "xoxb-" + secrets.token_hex(16)
    admin.slack_token(value)
    return value


@pytest.fixture
def slack(sandbox: RunningSandbox) -> SlackChat:
    return SlackChat(sandbox.slack_url, timeout_s=5)


def marker() -> str:
    return f"[run {secrets.token_hex(4)}]"


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def this_minute() -> tuple[datetime, datetime]:
    """A window from a minute ago to a minute from now."""
    now = datetime.now(UTC)
    return now - timedelta(minutes=1), now + timedelta(minutes=1)


# --- who a token is ----------------------------------------------------------------------------------


def test_account_names_the_bot_and_the_team(slack: SlackChat, token: str) -> None:
    assert slack.account(token) == "notion-agent in Acme"
    assert slack.account(SEED["slack_token"]) == "notion-agent in Acme"


@pytest.mark.parametrize("refusal", ["token_revoked", "token_expired", "account_inactive"])
def test_a_refused_token_is_unauthenticated(
    slack: SlackChat, admin: Admin, token: str, refusal: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin.slack_token(token, refused=refusal)
    with caplog.at_level(logging.DEBUG), pytest.raises(Unauthenticated) as caught:
        slack.account(token)
    assert caught.value.reason == f"Slack refused the token ({refusal}); reconnect Slack"
    assert_token_absent(caught.value, token, caplog)


def test_an_unknown_or_missing_token_is_unauthenticated(
    slack: SlackChat, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "xoxb-" + secrets.token_hex(16)
    with caplog.at_level(logging.DEBUG), pytest.raises(Unauthenticated, match="invalid_auth") as caught:
        slack.post_message(bad, AGENT, "hello")
    assert_token_absent(caught.value, bad, caplog)
    with pytest.raises(Unauthenticated, match="not_authed"):
        slack.account("")


# --- posting and finding ------------------------------------------------------------------------------


def test_a_post_is_found_by_its_marker_since_a_time_before_it(
    slack: SlackChat, admin: Admin, token: str
) -> None:
    mark = marker()
    since = a_minute_ago()
    admin.slack_post(AGENT, "earlier, unrelated")
    ts = slack.post_message(token, AGENT, f"Deployed site: https://site.vercel.app {mark}")
    admin.slack_post(AGENT, "later, unrelated", f"quoting {mark} mid-sentence is not a match")

    later = datetime.now(UTC) + timedelta(minutes=1)
    assert slack.find_message(token, AGENT, mark, since, later) == ts
    assert slack.find_message(token, AGENT, marker(), since, later) is None
    posted = datetime.fromtimestamp(float(ts), UTC)
    after, before = posted + timedelta(milliseconds=1), posted - timedelta(milliseconds=1)
    assert slack.find_message(token, AGENT, mark, after, later) is None  # both ends bound the window
    assert slack.find_message(token, AGENT, mark, since, before) is None
    assert slack.find_message(token, AGENT, mark, posted, posted) == ts  # and both are included
    [stored] = [m for m in admin.slack_messages(AGENT) if m["ts"] == ts]
    assert stored["text"].endswith(mark) and stored["user_name"] == "notion-agent"
    assert stored["bot_id"]


def test_trailing_whitespace_does_not_hide_the_marker(slack: SlackChat, admin: Admin, token: str) -> None:
    mark = marker()
    [ts] = admin.slack_post(AGENT, f"posted by hand {mark}  \n", user="notion-agent")
    assert slack.find_message(token, AGENT, mark, *this_minute()) == ts


def test_the_adapter_sends_what_slack_expects(slack: SlackChat, admin: Admin, token: str) -> None:
    """As the sandbox received them: the method, the token as a bearer token, a JSON body with its
    charset for the post (Slack warns without it) and the history's arguments in a form body."""
    since = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    until = datetime(2026, 1, 2, 4, 4, 5, 1, tzinfo=UTC)
    mark = marker()

    slack.post_message(token, AGENT, f"héllo <world> {mark}")
    assert slack.find_message(token, AGENT, mark, since, until) is None  # the window is in the past
    assert slack.find_message(token, AGENT, mark, *this_minute())

    post, history, _ = admin.requests()
    assert (post["method"], post["path"], post["status"]) == ("POST", "/chat.postMessage", 200)
    assert post["auth_scheme"] == "Bearer" and post["query"] == {}
    assert post["content_type"].replace(" ", "") == "application/json;charset=utf-8"
    assert post["body_keys"] == ["channel", "text", "unfurl_links", "unfurl_media"]
    assert (history["method"], history["path"], history["status"]) == ("POST", "/conversations.history", 200)
    assert history["auth_scheme"] == "Bearer" and history["query"] == {}
    assert history["body_keys"] == [
        "channel",
        "include_all_metadata",
        "inclusive",
        "latest",
        "limit",
        "oldest",
    ]
    [stored] = [m for m in admin.slack_messages(AGENT) if m["text"].endswith(mark)]
    assert stored["text"] == f"héllo <world> {mark}"
    assert token not in json.dumps(admin.requests())


def test_a_post_is_found_again_by_its_metadata_which_its_text_does_not_show(
    slack: SlackChat, admin: Admin, token: str
) -> None:
    """Decision 0124: the key rides in ``metadata`` (chat.postMessage), read back with
    ``include_all_metadata`` (conversations.history); another key's metadata is not a match."""
    mine = {"event_type": "notion_agent_notification", "event_payload": {"ref": f"t/{secrets.token_hex(4)}"}}
    other = {"event_type": "notion_agent_notification", "event_payload": {"ref": "t/someone-else"}}
    ts = slack.post_message(token, AGENT, "Run completed", mine)
    assert slack.find_message(token, AGENT, ("[never]", other), *this_minute()) is None
    assert slack.find_message(token, AGENT, ("[never]", mine), *this_minute()) == ts
    assert slack.find_message(token, AGENT, mine, *this_minute()) == ts
    post = admin.requests()[0]
    assert post["body_keys"] == ["channel", "metadata", "text", "unfurl_links", "unfurl_media"]
    [stored] = [m for m in admin.slack_messages(AGENT) if m["ts"] == ts]
    assert stored["text"] == "Run completed" and stored["metadata"] == mine


def test_the_history_window_is_sent_to_the_microsecond(
    sandbox: RunningSandbox, admin: Admin, token: str
) -> None:
    """Slack's ``<seconds>.<6 digits>``, exact: a message at the window's edge is in it, one a
    microsecond outside is not (a float would round the last digit)."""
    [ts] = admin.slack_post(AGENT, "at the edge [edge]", user="notion-agent")
    seconds, micros = (int(part) for part in ts.split("."))
    at = datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=micros)
    slack = SlackChat(sandbox.slack_url, timeout_s=5)
    assert slack.find_message(token, AGENT, "[edge]", at, at) == ts
    assert (
        slack.find_message(token, AGENT, "[edge]", at + timedelta(microseconds=1), at + timedelta(minutes=1))
        is None
    )
    assert (
        slack.find_message(token, AGENT, "[edge]", at - timedelta(minutes=1), at - timedelta(microseconds=1))
        is None
    )


def test_a_naive_time_or_an_empty_marker_is_a_programming_error(slack: SlackChat, token: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        slack.find_message(token, AGENT, marker(), datetime(2026, 1, 1), datetime.now(UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        slack.find_message(token, AGENT, marker(), a_minute_ago(), datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="marker"):
        slack.find_message(token, AGENT, "", *this_minute())


# --- pagination ---------------------------------------------------------------------------------------


def history_calls(admin: Admin) -> int:
    return sum(1 for r in admin.requests() if r["path"] == "/conversations.history")


def test_a_marked_message_on_the_second_page_is_found(slack: SlackChat, admin: Admin, token: str) -> None:
    mark = marker()
    ts = slack.post_message(token, AGENT, f"Done {mark}")
    admin.slack_post(AGENT, *[f"chatter {i}" for i in range(PAGE_SIZE + 50)])

    assert slack.find_message(token, AGENT, mark, *this_minute()) == ts
    assert history_calls(admin) == 2


def test_a_window_longer_than_the_pages_read_is_an_answer_that_cannot_tell_not_none(
    slack: SlackChat, admin: Admin, token: str
) -> None:
    """None would tell the caller to post again, and the message may be on the next page."""
    mark = marker()
    ts = slack.post_message(token, AGENT, f"Done {mark}")
    admin.slack_post(AGENT, *[f"chatter {i}" for i in range(MAX_PAGES * PAGE_SIZE - 1)])

    assert slack.find_message(token, AGENT, mark, *this_minute()) == ts  # the last message of page 5
    admin.slack_post(AGENT, "one more")
    before = history_calls(admin)
    with pytest.raises(SearchExhausted, match=f"channel {AGENT} holds more messages") as caught:
        slack.find_message(token, AGENT, mark, *this_minute())  # now on page 6
    assert isinstance(caught.value, PermanentError) and "5 pages" in caught.value.reason
    assert history_calls(admin) - before == MAX_PAGES
    posted = datetime.fromtimestamp(float(ts), UTC)  # a window that ends at it: found on page 1
    assert slack.find_message(token, AGENT, mark, posted - timedelta(minutes=1), posted) == ts


def test_short_pages_are_followed_too(slack: SlackChat, admin: Admin, token: str) -> None:
    """Slack may answer fewer messages than asked for (15 for apps outside its Marketplace)."""
    admin.slack_limits(15)
    mark = marker()
    ts = slack.post_message(token, AGENT, f"Done {mark}")
    admin.slack_post(AGENT, *[f"chatter {i}" for i in range(49)])

    assert slack.find_message(token, AGENT, mark, *this_minute()) == ts
    assert history_calls(admin) == 4


# --- Slack's refusals ---------------------------------------------------------------------------------


def test_a_channel_the_bot_is_not_in_is_refused_for_good_saying_to_invite_it(
    slack: SlackChat, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: tuple[Callable[[], object], ...] = (
        lambda: slack.post_message(token, OUTSIDE, "hello"),
        lambda: slack.find_message(token, OUTSIDE, marker(), *this_minute()),
    )
    for call in calls:
        with caplog.at_level(logging.DEBUG), pytest.raises(PermanentError) as caught:
            call()
        assert not isinstance(caught.value, NotFound)
        reason = caught.value.reason
        assert reason.startswith("Slack ") and "not_in_channel" in reason
        assert "invite the bot to the channel" in reason and OUTSIDE in reason
        assert_token_absent(caught.value, token, caplog)


def test_an_archived_channel_is_refused_for_good(slack: SlackChat, admin: Admin, token: str) -> None:
    with pytest.raises(SlackApiError) as caught:
        slack.post_message(token, ARCHIVED, "hello")
    assert caught.value.slack_code == "is_archived"
    assert f"channel {ARCHIVED} is archived" in caught.value.reason
    assert admin.slack_messages(ARCHIVED) == []


def test_an_unknown_channel_is_not_found(
    slack: SlackChat, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: tuple[Callable[[], object], ...] = (
        lambda: slack.post_message(token, "C0NOSUCH001", "hello"),
        lambda: slack.find_message(token, "C0NOSUCH001", marker(), *this_minute()),
    )
    for call in calls:
        with (
            caplog.at_level(logging.DEBUG),
            pytest.raises(NotFound, match="Slack channel C0NOSUCH001") as caught,
        ):
            call()
        assert_token_absent(caught.value, token, caplog)


def test_a_missing_scope_names_the_scope(slack: SlackChat, admin: Admin, token: str) -> None:
    admin.slack_token(token, scopes=["chat:write"])
    assert slack.post_message(token, AGENT, "posting still works")
    with pytest.raises(PermanentError, match=r"channels:history.*\(missing_scope\)"):
        slack.find_message(token, AGENT, marker(), *this_minute())


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        (["chat:write"], "channels:history or groups:history"),
        (["channels:history"], "chat:write"),
        (["users:read"], "chat:write and channels:history or groups:history"),
    ],
)
def test_a_token_without_the_scopes_notifications_need_is_refused_when_checked(
    slack: SlackChat, admin: Admin, token: str, scopes: list[str], missing: str
) -> None:
    admin.slack_token(token, scopes=scopes)
    with pytest.raises(PermanentError, match=f"lacks the permission {missing};"):
        slack.account(token)


@pytest.mark.parametrize("history", ["channels:history", "groups:history"])
def test_a_token_that_can_post_and_read_its_channel_passes_the_check(
    slack: SlackChat, admin: Admin, token: str, history: str
) -> None:
    admin.slack_token(token, scopes=["chat:write", history])
    assert slack.account(token) == "notion-agent in Acme"


# slack_sdk warns, as it should, of the empty text this test sends on purpose to see Slack's no_text.
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
def test_too_long_or_empty_text_is_refused_for_good(slack: SlackChat, token: str) -> None:
    with pytest.raises(PermanentError, match=r"longer than Slack accepts.*msg_too_long"):
        slack.post_message(token, AGENT, "x" * 40_001)
    with pytest.raises(PermanentError, match="no_text"):
        slack.post_message(token, AGENT, "  ")
    assert slack.post_message(token, AGENT, "x" * 40_000)


# --- passing failures ---------------------------------------------------------------------------------


def test_429_is_transient_with_slacks_retry_after(
    slack: SlackChat, admin: Admin, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin.inject(service="slack", status=429, retry_after=7)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError, match="rate limit") as caught:
        slack.post_message(token, AGENT, "hello")
    assert caught.value.retry_after_s == 7
    assert_token_absent(caught.value, token, caplog)

    admin.inject(service="slack", status=429, path="conversations.history")  # Retry-After all the same
    with pytest.raises(TransientError) as default:
        slack.find_message(token, AGENT, marker(), *this_minute())
    assert default.value.retry_after_s == 30


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(
    slack: SlackChat, admin: Admin, token: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    admin.inject(service="slack", status=status)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientError, match=str(status)) as caught:
        slack.account(token)
    assert caught.value.reason.startswith("Slack ")
    assert_token_absent(caught.value, token, caplog)


def test_a_post_whose_answer_was_lost_is_found_instead_of_repeated(
    slack: SlackChat, admin: Admin, token: str
) -> None:
    mark, since = marker(), a_minute_ago()
    admin.inject(service="slack", status=502, path="chat.postMessage", when="after")
    with pytest.raises(TransientError):
        slack.post_message(token, AGENT, f"Done {mark}")

    found = slack.find_message(token, AGENT, mark, since, datetime.now(UTC))

    assert found is not None and [m["ts"] for m in admin.slack_messages(AGENT)] == [found]


def test_a_timeout_or_an_unreachable_slack_is_transient(
    sandbox: RunningSandbox, admin: Admin, token: str
) -> None:
    admin.inject(service="slack", delay_s=1.0)
    with pytest.raises(TransientError, match="in time") as slow:
        SlackChat(sandbox.slack_url, timeout_s=0.2).account(token)
    nowhere = SlackChat(f"http://127.0.0.1:{free_port()}/slack/api", timeout_s=2)
    with pytest.raises(TransientError, match="unreachable") as down:
        nowhere.account(token)
    assert token not in str(slow.value) and token not in str(down.value)


@contextmanager
def answering(status: int, body: object, headers: dict[str, str] | None = None) -> Iterator[SlackChat]:
    """An adapter whose every call gets this answer from a server on 127.0.0.1 (what the sandbox does
    not produce): real HTTP, so slack_sdk reads it as it would read Slack's."""

    def answer(_environ: Any, start_response: Any) -> list[bytes]:
        if isinstance(body, str):
            content, kind = body.encode(), "text/html"
        else:
            content, kind = json.dumps(body).encode(), "application/json; charset=utf-8"
        start_response(f"{status} Answer", [("Content-Type", kind), *(headers or {}).items()])
        return [content]

    with ThreadedServer(answer, "slack-answers") as server:
        yield SlackChat(f"{server.url}/api", 5)


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (200, {"ok": False, "error": "ratelimited"}, TransientError, "rate limit"),
        (200, {"ok": False, "error": "internal_error"}, TransientError, "internal_error"),
        (200, {"ok": False, "error": "fatal_error"}, TransientError, "fatal_error"),
        (200, {"ok": False, "error": "service_unavailable"}, TransientError, "service_unavailable"),
        (200, {"ok": False, "error": "request_timeout"}, TransientError, "request_timeout"),
        (200, "<html>Slack is down</html>", TransientError, "other than Slack's JSON"),
        (200, ["ok"], TransientError, "other than Slack's JSON"),
        (504, "<html>Gateway timeout</html>", TransientError, "504"),
        (404, {"ok": False, "error": "unknown_method"}, SlackApiError, "unknown_method"),
        (200, {"ok": False, "error": "restricted_action"}, SlackApiError, "do not let the bot post"),
        (200, {"ok": False, "error": "something_new"}, SlackApiError, r"no further detail \(something_new\)"),
    ],
)
def test_other_answers_map_to_our_kinds(status: int, body: object, kind: type[AgentError], text: str) -> None:
    with answering(status, body) as slack, pytest.raises(kind, match=text) as caught:
        slack.post_message("xoxb-secret", AGENT, "hello")
    assert caught.value.reason.startswith("Slack ")
    assert "xoxb-secret" not in str(caught.value)


def test_a_bare_429_without_retry_after_is_transient_without_a_wait() -> None:
    with (
        answering(429, {"ok": False, "error": "ratelimited"}) as slack,
        pytest.raises(TransientError) as caught,
    ):
        slack.account("xoxb-secret")
    assert caught.value.retry_after_s is None


def test_the_tls_context_is_built_once_on_first_use(sandbox: RunningSandbox, token: str) -> None:
    chat = SlackChat(sandbox.slack_url, timeout_s=5)
    assert chat._ssl is None  # nothing read at construction (a cold start builds the adapter)
    chat.account(token)
    context = chat._ssl
    chat.account(token)
    assert context is not None and chat._ssl is context


def test_a_post_is_sent_once_though_its_answer_was_lost(slack: SlackChat, admin: Admin, token: str) -> None:
    """The SDK's retry handlers are off: a repeated post would be a second message in the channel."""
    admin.inject(service="slack", status=503, path="chat.postMessage", when="after")
    with pytest.raises(TransientError, match="503"):
        slack.post_message(token, AGENT, "once")
    posts = [r["path"] for r in admin.requests() if r["path"] == "/chat.postMessage"]
    assert posts == ["/chat.postMessage"]  # one post (a stray auth.test seen once under load is not one)
    assert [m["text"] for m in admin.slack_messages(AGENT)] == ["once"]


# --- the sandbox's Slack where the adapter does not reach -----------------------------------------------


def call(sandbox: RunningSandbox, method: str, token: str | None = None, **kw: Any) -> httpx.Response:
    """A raw POST to a Slack method, the token (if any) as a bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{sandbox.slack_url}/{method}", headers=headers | kw.pop("headers", {}), **kw)


def test_the_sandbox_keeps_a_messages_metadata_and_shows_it_only_when_asked(
    sandbox: RunningSandbox, token: str
) -> None:
    """As Slack documents: ``metadata`` is an object (a JSON body) or its JSON text (a form) with an
    ``event_type`` and an ``event_payload``; conversations.history returns it with
    ``include_all_metadata`` only; anything else is refused."""
    meta = {"event_type": "notion_agent_notification", "event_payload": {"ref": "t/n1"}}
    posted = call(sandbox, "chat.postMessage", token, json={"channel": AGENT, "text": "m", "metadata": meta})
    assert posted.json()["message"]["metadata"] == meta
    form = {"token": token, "channel": AGENT, "text": "f", "metadata": json.dumps(meta)}
    assert call(sandbox, "chat.postMessage", data=form).json()["message"]["metadata"] == meta
    bad = [{"event_type": "x"}, {"event_payload": {}}, "not json", ["x"]]
    for metadata in bad:
        body = {"channel": AGENT, "text": "x", "metadata": metadata}
        assert call(sandbox, "chat.postMessage", token, json=body).json()["ok"] is False
    plain = call(sandbox, "conversations.history", token, data={"channel": AGENT}).json()["messages"]
    assert all("metadata" not in m for m in plain)
    asked = {"channel": AGENT, "include_all_metadata": "true"}
    shown = call(sandbox, "conversations.history", token, data=asked).json()["messages"]
    assert [m["metadata"] for m in shown[:2]] == [meta, meta] and shown[0]["text"] == "f"


def test_the_sandbox_answers_as_slack_does(sandbox: RunningSandbox, admin: Admin, token: str) -> None:
    unknown = call(sandbox, "chat.postMessages", token)
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error": "unknown_method", "req_method": "chat.postMessages"}
    assert call(sandbox, "auth.test").json() == {"ok": False, "error": "not_authed"}
    assert call(sandbox, "auth.test", "xoxb-nobody").json() == {"ok": False, "error": "invalid_auth"}
    # a form body, the token in it, the channel by name; JSON without a charset draws Slack's warning
    form = call(sandbox, "chat.postMessage", data={"token": token, "channel": "#agent", "text": "a"}).json()
    assert form["ok"] and form["channel"] == AGENT and "warning" not in form
    plain = call(sandbox, "chat.postMessage", token, json={"channel": AGENT, "text": "b"}).json()
    assert plain["warning"] == "missing_charset"
    assert call(sandbox, "chat.postMessage", token, json={"text": "c"}).json()["error"] == "channel_not_found"
    assert call(sandbox, "chat.postMessage", token, json={"channel": AGENT}).json()["error"] == "no_text"
    broken = call(sandbox, "chat.postMessage", token, content=b"{", headers={"Content-Type": JSON_TYPE})
    assert broken.json() == {"ok": False, "error": "invalid_json"}
    in_query = httpx.get(f"{sandbox.slack_url}/auth.test", params={"token": token})  # refused, as on Slack
    assert in_query.json() == {"ok": False, "error": "not_authed"}
    assert token not in json.dumps(admin.requests())


def test_history_is_newest_first_with_slacks_bounds_and_cursor(
    sandbox: RunningSandbox, admin: Admin, token: str
) -> None:
    stamps = admin.slack_post(AGENT, "one", "two", "three", "four")
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)

    def history(**args: str | int) -> Any:
        answer = call(sandbox, "conversations.history", token, data={"channel": AGENT, **args})
        assert answer.status_code == 200
        return answer.json()

    first = history(limit=2)
    assert [m["text"] for m in first["messages"]] == ["four", "three"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = history(limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["two", "one"]
    assert second["has_more"] is False and "response_metadata" not in second
    between = history(oldest=stamps[0], latest=stamps[3])
    assert [m["text"] for m in between["messages"]] == ["three", "two"]
    inclusive = history(oldest=stamps[0], latest=stamps[3], inclusive="true")
    assert len(inclusive["messages"]) == 4
    assert history(cursor="nonsense")["error"] == "invalid_cursor"
    assert history(oldest="yesterday")["error"] == "invalid_ts_oldest"
    assert history(channel=OUTSIDE)["error"] == "not_in_channel"
    assert history(channel="agent")["error"] == "channel_not_found"  # history takes ids only
    message = history(limit=1)["messages"][0]
    assert message == {
        "type": "message",
        "ts": stamps[3],
        "text": "four",
        "user": "U0SANDBOX02",  # alice
        "team": "T0SANDBOX01",
    }

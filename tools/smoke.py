"""Smoke-test a deployment from outside, without a Notion account: ``make smoke URL=https://<domain>``.

Each check sends what a stranger could send and expects the refusal or answer the design promises;
the last line is ``RESULT checks=<n> failed=<n>`` and the exit status is non-zero when one failed.
``--task-url`` adds a task function's own URL (``terraform output function_urls``): it must refuse
a call without Google credentials (401/403/404, or no answer at all from outside).
"""

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

TIMEOUT_S = 15.0
EVIL_ORIGIN = "https://evil.example"


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    detail: str


Check = Callable[[httpx.Client, str], Result]


def _expect(name: str, response: httpx.Response, wanted: set[int], extra: str = "") -> Result:
    ok = response.status_code in wanted
    detail = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    return Result(name, ok and not extra, detail + (f"; {extra}" if extra else ""))


def api_requires_a_session(client: httpx.Client, url: str) -> Result:
    answer = client.get(f"{url}/api/runs")
    extra = "" if "error" in _json(answer) else "no JSON error body"
    return _expect("api refuses a call without a session", answer, {401}, extra)


def api_unknown_route(client: httpx.Client, url: str) -> Result:
    return _expect("api answers 404 for an unknown route", client.get(f"{url}/api/no-such-route"), {404})


def outside_the_routes(client: httpx.Client, url: str) -> Result:
    return _expect("the origin answers 404 outside its routes", client.get(f"{url}/wp-admin/"), {404})


def connect_starts_at_notion(client: httpx.Client, url: str) -> Result:
    answer = client.get(f"{url}/api/connect")
    authorize = str(_json(answer).get("authorize_url", ""))
    cookie = answer.headers.get("Set-Cookie", "")
    extra = "" if "oauth/authorize" in authorize else f"authorize_url is {authorize[:80]!r}"
    extra += "" if "HttpOnly" in cookie else "; no HttpOnly nonce cookie"
    return _expect("GET /api/connect names Notion's consent page", answer, {200}, extra.lstrip("; "))


def oauth_callback_refuses_a_forged_state(client: httpx.Client, url: str) -> Result:
    answer = client.get(f"{url}/oauth/callback", params={"code": "smoke", "state": "forged"})
    return _expect("the OAuth callback refuses a forged state", answer, {400})


def webhook_refuses_unsigned(client: httpx.Client, url: str) -> Result:
    body = {"type": "page.content_updated", "workspace_id": "smoke", "entity": {"id": "x", "type": "page"}}
    answer = client.post(f"{url}/notion/webhook", json=body)
    return _expect("the webhook refuses an unsigned delivery", answer, {401})


def cors_refuses_other_origins(client: httpx.Client, url: str) -> Result:
    headers = {"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "GET"}
    answer = client.options(f"{url}/api/runs", headers=headers)
    allowed = answer.headers.get("Access-Control-Allow-Origin", "")
    extra = f"allows {allowed}" if allowed else ""
    return _expect("CORS refuses another origin", answer, {403}, extra)


def security_headers(client: httpx.Client, url: str) -> Result:
    answer = client.get(f"{url}/api/runs")
    missing = [
        name for name, value in _required_headers(url).items() if value not in answer.headers.get(name, "")
    ]
    return _expect("security headers are present", answer, {401}, f"missing {missing}" if missing else "")


def _required_headers(url: str) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if urlsplit(url).scheme == "https":
        headers["Strict-Transport-Security"] = "max-age="
    return headers


def http_redirects_to_https(client: httpx.Client, url: str) -> Result:
    plain = "http://" + urlsplit(url).netloc + "/api/runs"
    answer = client.get(plain)
    location = answer.headers.get("Location", "")
    extra = "" if location.startswith("https://") else f"Location is {location[:80]!r}"
    return _expect("plain HTTP is redirected to HTTPS", answer, {301, 308}, extra)


def task_function_refuses(task_url: str) -> Check:
    def check(client: httpx.Client, _: str) -> Result:
        name = f"{task_url} refuses a call without credentials"
        try:
            answer = client.post(task_url, json={})
        except httpx.TransportError as exc:  # unreachable from outside: refused as well
            return Result(name, True, f"no answer ({exc.__class__.__name__})")
        return _expect(name, answer, {401, 403, 404})

    return check


def _json(answer: httpx.Response) -> dict[str, object]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def checks(url: str, task_urls: list[str]) -> list[Check]:
    """The checks for ``url`` (the public origin) and the task functions' own URLs."""
    found: list[Check] = [
        api_requires_a_session,
        api_unknown_route,
        outside_the_routes,
        connect_starts_at_notion,
        oauth_callback_refuses_a_forged_state,
        webhook_refuses_unsigned,
        cors_refuses_other_origins,
        security_headers,
    ]
    if urlsplit(url).scheme == "https":
        found.append(http_redirects_to_https)
    return found + [task_function_refuses(task) for task in task_urls]


def run(url: str, task_urls: list[str]) -> Iterator[Result]:
    """Every check's result, in order; a check that cannot reach the origin fails, with why."""
    url = url.rstrip("/")
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as client:
        for check in checks(url, task_urls):
            try:
                yield check(client, url)
            except httpx.HTTPError as exc:
                yield Result(check.__name__, False, f"no answer: {exc.__class__.__name__}: {exc}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the public origin, e.g. https://agent.example.com")
    parser.add_argument("--task-url", action="append", default=[], help="a task function's own URL")
    args = parser.parse_args()
    if urlsplit(args.url).scheme not in ("http", "https"):
        parser.error("URL must start with https:// (or http:// for a local stack)")
    results = list(run(args.url, args.task_url))
    for result in results:
        print(f"{'PASS' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    failed = sum(not result.ok for result in results)
    print(f"RESULT checks={len(results)} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

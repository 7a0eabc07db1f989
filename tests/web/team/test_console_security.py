"""What the console's origin guarantees, in a real browser: a Content-Security-Policy that refuses
inline script; workspace content (a page's title, a run's goal) rendered as text, never as HTML; a
cross-site POST and a cookie change without the CSRF token refused, starting nothing."""

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from local.demo import connect
from local.stack import LocalStack
from tests.web.browser import Console, Figures

pytestmark = pytest.mark.e2e
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def signed_in(
    stack: LocalStack, browser: Browser, figures: Figures
) -> Iterator[tuple[Console, dict[str, str]]]:
    """A tab signed in with the session a connect gave (its cookie put in the browser)."""
    auth = connect(stack)
    context = browser.new_context()
    name, value = auth["Cookie"].split("=", 1)
    context.add_cookies(
        [{"name": name, "value": value, "url": stack.console_url + "/", "httpOnly": True, "sameSite": "Lax"}]
    )
    try:
        yield Console(context.new_page(), stack.console_url, figures), auth
    finally:
        context.close()


def runs_of(stack: LocalStack, auth: dict[str, str]) -> list[str]:
    answer = requests.get(stack.console_url + "/api/runs", headers={"Cookie": auth["Cookie"]}, timeout=10)
    assert answer.status_code == 200, answer.text
    return [r["run_id"] for r in answer.json()["runs"]]


def pwned(page: Page) -> object:
    return page.evaluate("window.__pwned")


def test_the_console_is_served_with_a_policy_that_refuses_inline_script(
    signed_in: tuple[Console, dict[str, str]],
) -> None:
    c, _ = signed_in
    response = c.page.goto(c.origin + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["cache-control"].startswith("no-cache")
    violations = c.page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
            const s = document.createElement('script');
            s.textContent = 'window.__pwned = 3';
            document.body.appendChild(s);
            setTimeout(() => resolve('none'), 2000);
        })"""
    )
    assert violations.startswith("script-src")
    assert pwned(c.page) is None


def test_workspace_content_holding_html_renders_as_text(
    signed_in: tuple[Console, dict[str, str]], stack: LocalStack, workspace: str
) -> None:
    c, auth = signed_in
    ids = stack.sandbox_admin("GET", f"/workspaces/{workspace}/state")["ids"]
    retitle = {"properties": {"Name": {"title": [{"text": {"content": "Idea " + HOSTILE}}]}}}
    call = {
        "method": "PATCH",
        "path": f"pages/{ids['idea_newsletter']}",
        "body": retitle,
        "user_id": ids["owner"],
    }
    assert stack.sandbox_admin("POST", f"/workspaces/{workspace}/act", call)["status"] == 200
    started = requests.post(
        stack.console_url + "/api/runs", json={"goal": "Goal " + HOSTILE}, headers=auth, timeout=10
    )
    assert started.status_code == 202, started.text
    c.open("/#/onboarding")
    c.fill("Search what the agent can see", "Idea")
    c.press("button", "Search")
    expect(c.page.get_by_role("checkbox", name="Idea " + HOSTILE)).to_be_visible()
    c.open("/#/runs")
    expect(c.page.get_by_role("link", name="Goal " + HOSTILE)).to_be_visible(timeout=30_000)
    assert c.page.locator("main img, main script").count() == 0
    assert pwned(c.page) is None


def test_a_cross_site_post_is_refused_and_starts_nothing(
    signed_in: tuple[Console, dict[str, str]], stack: LocalStack
) -> None:
    c, auth = signed_in
    before = runs_of(stack, auth)
    # Another site's page (the code sandbox's origin) posting to the api with the browser's cookie.
    c.page.goto(stack.code_sandbox_url + "/_sandbox/health")
    status = c.page.evaluate(
        """async (target) => {
            const r = await fetch(target, {method: 'POST', credentials: 'include', mode: 'cors',
                headers: {'Content-Type': 'text/plain'}, body: JSON.stringify({goal: 'forged'})})
                .catch(() => null);
            return r ? r.status : 'blocked';
        }""",
        stack.console_url + "/api/runs",
    )
    assert status in (403, "blocked")  # refused by the api; CORS hides the answer anyway
    forged = requests.post(
        stack.console_url + "/api/runs",
        json={"goal": "forged"},
        headers={
            "Cookie": auth["Cookie"],
            "Origin": "http://evil.example",
            "X-CSRF-Token": auth["X-CSRF-Token"],
        },
        timeout=10,
    )
    assert forged.status_code == 403 and "cross-site" in forged.json()["reason"]
    assert runs_of(stack, auth) == before


def test_a_change_without_the_csrf_token_is_refused(
    signed_in: tuple[Console, dict[str, str]], stack: LocalStack
) -> None:
    c, auth = signed_in
    before = runs_of(stack, auth)
    c.open("/#/runs")
    status = c.page.evaluate(
        """async () => (await fetch('/api/runs', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({goal: 'no token'})})).status"""
    )
    assert status == 403
    assert runs_of(stack, auth) == before

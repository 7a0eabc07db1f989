"""One public origin (terraform/loadbalancer.tf): the URL map's routes and rewrite, the public functions
reachable only through the load balancer, the owner's console beside them (terraform/console.tf), the
settings and outputs derived from the domain, and the connect cookie that needs all of it.

``route`` below evaluates the URL map as parsed from the HCL: host rule, route rules by priority
(prefix and full-path matches; the path without its query string, as the load balancer matches it),
the prefix rewrite, and the defaults. It refuses any match form it does not understand, so the tests
cannot pass over a rule they do not model.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from functions._http import app
from shared.platform.config import PlatformSecret, Settings
from shared.workspace.domain.connecting.connection import NONCE_COOKIE
from tests.support.infra.infra_drift import _evaluate as evaluate_setting
from tests.support.infra.infra_iam import PUBLIC_FUNCTIONS
from tests.support.infra.load_balancer import (
    COALESCE,
    CONSOLE,
    DOMAIN,
    RUN_APP,
    Routed,
    backend_of,
    block,
    console_headers,
    resolve,
    route,
)
from tests.support.platform.fake_container import FakeContainer
from tests.support.platform.platform_fakes import FakeSecrets
from tools.infra_drift import Terraform, for_each_function_keys, function_ingress


def _router() -> Any:
    from functions import api

    return api.ROUTER


def _sample(rule_path: str) -> str:
    return re.sub(r"<(?:\w+:)?\w+>", "x1", rule_path)


# --- routes and rewrite ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/connect", ("api", "/connect")),
        ("/api/connection", ("api", "/connection")),
        ("/api/runs", ("api", "/runs")),
        ("/api/runs/r1/approve", ("api", "/runs/r1/approve")),
        ("/api/links/eyJ0.sig", ("api", "/links/eyJ0.sig")),
        ("/oauth/callback", ("oauth_callback", "/oauth/callback")),
        ("/notion/webhook", ("notion_webhook", "/notion/webhook")),
    ],
)
def test_each_public_path_reaches_its_function(tf: Terraform, path: str, expected: Routed) -> None:
    assert route(tf, DOMAIN, path) == expected


@pytest.mark.parametrize(
    "path", ["/", "/index.html", "/favicon.ico", "/assets/app.3f2a9c1b.js", "/assets/app.9e8d7c6b.css"]
)
def test_the_consoles_page_and_assets_come_from_its_bucket(tf: Terraform, path: str) -> None:
    """The bucket gets the path as asked; it answers / with its main page (test_the_console_bucket...)."""
    assert route(tf, DOMAIN, path) == ("console", path)


@pytest.mark.parametrize(
    "path",
    [
        "/runs/r1",  # the console routes with the fragment (#/runs/r1): no other path is its
        "/assets",
        "/index.htm",
        "/static/app.js",
        "/api",
        "/apix/runs",
        "/connect",
        "/links/t",
        "/oauth/callback/",
        "/oauth",
        "/notion/webhook/x",
        "/plan",
    ],
)
def test_any_other_path_is_a_404_at_the_load_balancer(tf: Terraform, path: str) -> None:
    assert route(tf, DOMAIN, path) == 404


def test_another_host_gets_404_and_plain_http_is_redirected(tf: Terraform) -> None:
    assert route(tf, "34.120.0.1", "/api/runs") == 404
    assert route(tf, f"api-{RUN_APP}", "/api/runs") == 404
    assert route(tf, "34.120.0.1", "/") == route(tf, "34.120.0.1", "/assets/app.3f2a9c1b.js") == 404
    redirect = block(tf.resources["google_compute_url_map"]["https_redirect"]["default_url_redirect"])
    assert redirect["https_redirect"] is True and redirect["strip_query"] is False
    http = tf.resources["google_compute_global_forwarding_rule"]["http"]
    assert (http["port_range"], http["target"]) == (
        "80",
        "${google_compute_target_http_proxy.https_redirect.id}",
    )
    proxy = tf.resources["google_compute_target_http_proxy"]["https_redirect"]
    assert proxy["url_map"] == "${google_compute_url_map.https_redirect.id}"


def test_every_api_route_is_served_under_api(tf: Terraform) -> None:
    """Each route of functions/api.py, prefixed with /api, reaches the api as the path it declares."""
    router = _router()
    assert len(router.routes) >= 8
    for api_route in router.routes:
        path = _sample(api_route.path)
        routed = route(tf, DOMAIN, f"/api{path}")
        assert routed == ("api", path), api_route.path
        for method in api_route.methods:
            assert router.match(path, method).route == api_route


def test_the_load_balancers_own_tests_agree_with_the_routes(tf: Terraform) -> None:
    """The URL map's test blocks (checked by the API at apply) say what route() computes."""
    tests = tf.resources["google_compute_url_map"]["public"]["test"]
    assert {backend_of(t["service"]) for t in tests} == PUBLIC_FUNCTIONS | {"console"}
    console_paths = {t["path"] for t in tests if backend_of(t["service"]) == "console"}
    assert "/" in console_paths and any(p.startswith("/assets/") for p in console_paths)
    for case in tests:
        routed = route(tf, resolve(case["host"], tf), case["path"])
        assert isinstance(routed, tuple) and routed[0] == backend_of(case["service"]), case


# --- the settings, the approval links and the outputs -------------------------------------------------


def _setting(raw: str, tf: Terraform, variables: dict[str, str]) -> str:
    """One setting's value: coalesce(var.X, local.public_endpoints[...]) as Terraform evaluates it
    (the variable as given, else its default; empty falls back), anything else by evaluate_setting."""
    found = COALESCE.fullmatch(raw)
    if found is None:
        return evaluate_setting(resolve(raw, tf), tf)
    given = variables.get(found.group(1), tf.variables[found.group(1)]["default"])
    return given or resolve("${" + found.group(2) + "}", tf)


def production_settings(tf: Terraform, env: dict[str, str] | None = None, **variables: str) -> Settings:
    """Settings as Terraform sets them, with the domain resolved and ``variables`` over the defaults;
    values only Terraform computes (service account emails, run.app URLs) get stand-ins. ``env``
    replaces some settings outright."""
    computed = {name: _setting(str(raw), tf, variables) for name, raw in tf.locals["settings_env"].items()}
    return Settings.from_env(computed | (env or {}))


def test_the_browser_comes_back_to_the_console_unless_another_frontend_is_named(tf: Terraform) -> None:
    """frontend_url is optional: empty (its default) is the console on this origin, which the URL map
    serves from its bucket; a frontend of its own is kept as given."""
    assert tf.variables["frontend_url"]["default"] == ""
    assert production_settings(tf).frontend_url == CONSOLE
    assert route(tf, DOMAIN, urlsplit(CONSOLE).path) == ("console", "/")
    own = "https://app.example.com/connected"
    assert production_settings(tf, frontend_url=own).frontend_url == own


def test_settings_derive_from_the_domain(tf: Terraform) -> None:
    settings = production_settings(tf)
    assert settings.api_url == f"https://{DOMAIN}/api"
    assert settings.oauth_callback_url == f"https://{DOMAIN}/oauth/callback"
    assert settings.frontend_url == CONSOLE
    # Lax: the cookie is sent on Notion's top-level GET redirect back to /oauth/callback.
    assert settings.connect_cookie_samesite == "Lax"
    assert tf.variables["connect_cookie_samesite"]["default"] == "Lax"
    for url, function in (
        (settings.api_url + "/runs", "api"),
        (settings.oauth_callback_url, "oauth_callback"),
        (resolve(tf.locals["public_endpoints"]["notion_webhook"], tf), "notion_webhook"),
    ):
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", DOMAIN)
        routed = route(tf, parts.netloc, parts.path)
        assert isinstance(routed, tuple) and routed[0] == function, url


def test_approval_links_from_the_settings_reach_the_api(tf: Terraform) -> None:
    """A mailed link's path reaches the api's page, and the paths its script POSTs to reach the api:
    the token is in the fragment, so no path the load balancer or Cloud Run logs holds it."""
    from functions.routes.runs_api import approvals
    from functions.routes.team_api import email_confirmations
    from shared.notify.domain.notify_task import NotifyTask
    from shared.notify.services.links import LinkMinter
    from tests.support.notify.notifications import tenant

    secrets = FakeSecrets({PlatformSecret.SESSION_SIGNING_KEY: "k" * 32})
    settings = production_settings(tf)
    minter = LinkMinter(secrets, settings.api_url, settings.approval_link_ttl_s)
    decision = NotifyTask(
        notification_id="r1-q1",
        tenant_id="t1",
        subject="s",
        text="t",
        data={"run_id": "r1", "request_id": "q1", "purpose": "approval"},
    )
    confirmation = NotifyTask(
        notification_id="c1",
        tenant_id="t1",
        subject="s",
        text="t",
        data={"kind": "email_confirmation", "to": "a@b.c"},
    )
    approve, confirm = minter.links(decision, tenant()).approve, minter.links(confirmation, tenant()).confirm
    cases = ((approve, approvals, "decide"), (confirm, email_confirmations, "confirm"))
    for url, module, act in cases:
        link = urlsplit(url)
        assert (link.scheme, link.netloc) == ("https", DOMAIN) and link.fragment and "." in link.fragment
        assert link.fragment not in link.path + link.query
        routed = route(tf, link.netloc, link.path)
        assert isinstance(routed, tuple) and routed[0] == "api"
        assert _router().match(routed[1], "GET").route.handler is module.page
        for posted, handler in (("preview", module.preview), (act, getattr(module, act))):
            routed = route(tf, link.netloc, f"{link.path}/{posted}")
            assert isinstance(routed, tuple) and routed[0] == "api"
            assert _router().match(routed[1], "POST").route.handler is handler


def test_outputs_come_from_the_domain(tf: Terraform) -> None:
    settings = production_settings(tf)
    out = {name: resolve(str(o["value"]), tf) for name, o in tf.outputs.items()}
    assert out["public_url"] == f"https://{DOMAIN}"
    # What Notion checks the redirect against is what the code sends as redirect_uri.
    assert out["notion_redirect_uri"] == settings.oauth_callback_url == f"https://{DOMAIN}/oauth/callback"
    assert out["notion_webhook_url"] == f"https://{DOMAIN}/notion/webhook"
    assert out["api_url"] == settings.api_url
    assert out["console_url"] == settings.frontend_url == CONSOLE
    assert out["console_bucket"] == "${google_storage_bucket.console.name}"
    assert out["public_ip_address"] == "${google_compute_global_address.public.address}"
    https = tf.resources["google_compute_global_forwarding_rule"]["https"]
    assert https["ip_address"] == tf.resources["google_compute_global_forwarding_rule"]["http"]["ip_address"]
    assert https["ip_address"] == "${google_compute_global_address.public.id}"


# --- the console: its bucket and the headers of every answer ----------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_every_answer_of_the_console_carries_its_security_headers(tf: Terraform) -> None:
    headers = console_headers(tf)
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("no-referrer", "strict-origin")
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_policy_admits_no_inline_script_and_no_other_host(tf: Terraform) -> None:
    policy = directives(console_headers(tf)["Content-Security-Policy"])
    sources = [source for values in policy.values() for source in values]
    assert not [s for s in sources if s.startswith("'unsafe-") or s.startswith(("'nonce-", "'sha"))]
    # Only this origin, data: images and 'none': no host, scheme or wildcard of another site.
    assert set(sources) <= {"'self'", "'none'", "data:"}
    assert policy["img-src"] == ["'self'", "data:"]
    for fetch in ("default-src", "script-src", "style-src", "connect-src", "font-src"):
        assert policy[fetch] == ["'self'"], fetch
    for closed in ("object-src", "base-uri", "frame-ancestors"):
        assert policy[closed] == ["'none'"], closed
    assert policy["form-action"] == ["'self'"]


def test_the_policy_check_catches_inline_script() -> None:
    loose = directives(CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))
    assert "'unsafe-inline'" in loose["script-src"]


def test_the_console_bucket_serves_index_html_for_the_origins_root(tf: Terraform) -> None:
    bucket = tf.resources["google_storage_bucket"]["console"]
    backend = tf.resources["google_compute_backend_bucket"]["console"]
    assert backend["bucket_name"] == "${google_storage_bucket.console.name}"
    assert block(bucket["website"])["main_page_suffix"] == "index.html"
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["location"] == "${var.region}"
    # With Cloud CDN, only the objects' own Cache-Control may decide: index.html is no-cache.
    if backend.get("enable_cdn"):
        assert block(backend.get("cdn_policy"))["cache_mode"] == "USE_ORIGIN_HEADERS"
    # The bucket's objects are public for the load balancer to read (iam.tf); nothing public but them,
    # and only by name: storage.objects.get, never storage.objects.list (objectViewer's), so nobody
    # lists the bucket.
    reader = tf.resources["google_storage_bucket_iam_member"]["console_public"]
    assert (reader["bucket"], reader["role"], reader["member"]) == (
        "${google_storage_bucket.console.name}",
        "roles/storage.legacyObjectReader",
        "allUsers",
    )


# --- reachable only through the load balancer --------------------------------------------------------


def _keys(body: dict[str, Any], tf: Terraform) -> set[str]:
    return set(for_each_function_keys(str(body["for_each"]), tf.locals["functions"]))


def test_public_functions_are_reachable_only_through_the_load_balancer(tf: Terraform) -> None:
    ingress = function_ingress(tf)
    assert {key for key, value in ingress.items() if value == "ALLOW_INTERNAL_AND_GCLB"} == PUBLIC_FUNCTIONS
    assert {value for key, value in ingress.items() if key not in PUBLIC_FUNCTIONS} == {"ALLOW_INTERNAL_ONLY"}

    neg = tf.resources["google_compute_region_network_endpoint_group"]["public"]
    assert _keys(neg, tf) == PUBLIC_FUNCTIONS
    assert (neg["network_endpoint_type"], neg["region"]) == ("SERVERLESS", "${var.region}")
    # A 2nd-gen function is served by the Cloud Run service of the same name.
    assert "cloud_function" not in neg
    assert block(neg["cloud_run"]) == {"service": "${local.deployed_functions[each.key].name}"}

    backend = tf.resources["google_compute_backend_service"]["public"]
    assert _keys(backend, tf) == PUBLIC_FUNCTIONS
    assert block(backend["backend"])["group"] == (
        "${google_compute_region_network_endpoint_group.public[each.key].id}"
    )
    assert backend["load_balancing_scheme"] == "EXTERNAL_MANAGED"
    assert block(backend["log_config"])["enable"] is True
    # Serverless NEGs take neither health checks nor a backend timeout.
    assert not {"health_checks", "timeout_sec"} & set(backend)

    routed = {route(tf, DOMAIN, p) for p in ("/api/runs", "/oauth/callback", "/notion/webhook")}
    assert {r[0] for r in routed if isinstance(r, tuple)} == PUBLIC_FUNCTIONS

    proxy = tf.resources["google_compute_target_https_proxy"]["public"]
    assert proxy["url_map"] == "${google_compute_url_map.public.id}"
    assert proxy["ssl_certificates"] == ["${google_compute_managed_ssl_certificate.public.id}"]
    assert proxy["ssl_policy"] == "${google_compute_ssl_policy.public.id}"
    certificate = tf.resources["google_compute_managed_ssl_certificate"]["public"]
    assert block(certificate["managed"])["domains"] == ["${var.public_domain}"]
    https = tf.resources["google_compute_global_forwarding_rule"]["https"]
    assert (https["port_range"], https["target"]) == ("443", "${google_compute_target_https_proxy.public.id}")
    for rule in tf.resources["google_compute_global_forwarding_rule"].values():
        assert rule["load_balancing_scheme"] == "EXTERNAL_MANAGED"  # fault injection needs it (404s)
    assert "compute.googleapis.com" in tf.locals["apis"]


# --- the connect cookie, through an emulated load balancer --------------------------------------------

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class EmulatedLoadBalancer:
    """WSGI: routes each request with route() and hands it, rewritten, to the function's own app."""

    def __init__(self, tf: Terraform, apps: dict[str, Wsgi]) -> None:
        self.tf, self.apps = tf, apps

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        routed = route(self.tf, environ["HTTP_HOST"], environ["PATH_INFO"])
        if isinstance(routed, int):
            start_response(f"{routed} Not Found", [("Content-Type", "text/plain")])
            return [b"fault filter abort"]
        function, path = routed
        return self.apps[function]({**environ, "PATH_INFO": path}, start_response)


@pytest.fixture
def container(tf: Terraform, monkeypatch: pytest.MonkeyPatch) -> FakeContainer:
    secrets = FakeSecrets(
        {
            PlatformSecret.SESSION_SIGNING_KEY: "k" * 32,
            PlatformSecret.NOTION_CLIENT_ID: "client-id",
            PlatformSecret.NOTION_CLIENT_SECRET: "client-secret",
        }
    )
    # Open sign-up: these tests follow the connect cookie, not who may connect (test_signup_policy.py)
    fakes = FakeContainer(secrets=secrets, settings=production_settings(tf, {"NA_SIGNUP_POLICY": "open"}))
    return fakes


def _app(target: str, container: FakeContainer) -> Wsgi:
    return cast(Wsgi, app(target, container).wsgi_app)


def _get(client: Client, url: str) -> Any:
    """GET an absolute URL: werkzeug's client takes the host from base_url only."""
    parts = urlsplit(url)
    return client.get(parts.path, base_url=f"{parts.scheme}://{parts.netloc}", query_string=parts.query)


def _connect(client: Client, connect_url: str) -> tuple[str, str]:
    answer = _get(client, connect_url)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    authorize = urlsplit(answer.json["authorize_url"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    return query["redirect_uri"], query["state"]


def test_the_connect_cookie_reaches_the_callback_under_one_origin(
    tf: Terraform, container: FakeContainer
) -> None:
    lb = EmulatedLoadBalancer(tf, {key: _app(key, container) for key in PUBLIC_FUNCTIONS})
    browser = Client(lb)
    answer = _get(browser, f"https://{DOMAIN}/api/connect")
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{NONCE_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes and "domain" not in attributes
    assert "Path=/" in cookie and "SameSite=Lax" in cookie

    redirect_uri, state = _connect(browser, f"https://{DOMAIN}/api/connect")
    assert redirect_uri == f"https://{DOMAIN}/oauth/callback"
    # Notion sends the browser back to the redirect URI (a top-level GET: Lax cookies go along).
    back = _get(browser, f"{redirect_uri}?code=good-code&state={state}")
    assert back.status_code == 302, back.get_data(as_text=True)
    # Back to the console, on this origin: its page is the bucket's, the outcome in the fragment.
    landing = urlsplit(back.headers["Location"])
    assert f"{landing.scheme}://{landing.netloc}{landing.path}" == CONSOLE
    assert landing.fragment.startswith("connected=true")
    assert route(tf, landing.netloc, landing.path) == ("console", "/")
    assert len(container.tenants.tenants) == 1


def test_on_separate_run_app_hosts_the_cookie_never_arrives(tf: Terraform, container: FakeContainer) -> None:
    """The production bug this configuration fixes: one host per function, so the callback gets no
    nonce and refuses the connect (400), storing nothing."""
    hosts = {
        f"api-{RUN_APP}": _app("api", container),
        f"oauth-callback-{RUN_APP}": _app("oauth_callback", container),
    }

    def by_host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return hosts[environ["HTTP_HOST"]](environ, start_response)

    browser = Client(by_host)
    _, state = _connect(browser, f"https://api-{RUN_APP}/connect")
    back = _get(browser, f"https://oauth-callback-{RUN_APP}/?code=good-code&state={state}")
    assert back.status_code == 400
    assert container.tenants.tenants == {}

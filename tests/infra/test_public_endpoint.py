"""One public origin (terraform/loadbalancer.tf): the URL map's routes and rewrite, the public functions
reachable only through the load balancer, the settings and outputs derived from the domain, and the
connect cookie that needs all of it.

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
from shared.config import PlatformSecret, Settings
from shared.domain.connection import NONCE_COOKIE
from tests.api_fakes import FakeContainer
from tests.fakes import FakeSecrets
from tests.support.infra_drift import _evaluate as evaluate_setting
from tests.support.infra_iam import PUBLIC_FUNCTIONS
from tools.infra_drift import Terraform, for_each_function_keys

DOMAIN = "agent.example.com"
FRONTEND = "https://app.example.com/connected"
RUN_APP = "123456789012.europe-west1.run.app"  # what a function's own host looks like

_BACKEND = re.compile(r'\$\{google_compute_backend_service\.public\["(\w+)"\]\.id\}')


def resolve(value: str, tf: Terraform) -> str:
    """A string of the configuration with the domain and the public locals filled in."""
    known = {
        "${var.public_domain}": DOMAIN,
        "${local.public_url}": str(tf.locals["public_url"]),
        **{f'${{local.public_endpoints["{k}"]}}': str(v) for k, v in tf.locals["public_endpoints"].items()},
    }
    for _ in range(4):
        for reference, replacement in known.items():
            value = value.replace(reference, replacement)
    return value


def _block(blocks: Any) -> dict[str, Any]:
    return blocks[0] if isinstance(blocks, list) and blocks else {}


def _abort_status(block: dict[str, Any]) -> int | None:
    abort = _block(
        _block(_block(block.get("default_route_action")).get("fault_injection_policy")).get("abort")
    )
    if abort and abort.get("percentage") == 100:
        return int(abort["http_status"])
    return None


def _backend(reference: str) -> str:
    match = _BACKEND.fullmatch(reference)
    assert match, f"not a backend of the public functions: {reference}"
    return match.group(1)


Routed = tuple[str, str] | int  # (entry point, path the function receives), or the LB's own status


def route(tf: Terraform, host: str, path: str) -> Routed:
    url_map = tf.resources["google_compute_url_map"]["public"]
    matcher: dict[str, Any] | None = None
    for rule in url_map.get("host_rule", []):
        if host in [resolve(h, tf) for h in rule["hosts"]]:
            matcher = next(m for m in url_map["path_matcher"] if m["name"] == rule["path_matcher"])
    if matcher is None:
        return _default(url_map, path)
    assert not matcher.get("path_rule"), "path_rule is not modelled here: use route_rules"
    for rule in sorted(matcher.get("route_rules", []), key=lambda r: int(r["priority"])):
        for match in rule["match_rules"]:
            assert set(match) <= {"prefix_match", "full_path_match"}, f"unmodelled match {match}"
            if "prefix_match" in match and path.startswith(match["prefix_match"]):
                matched = match["prefix_match"]
            elif path == match.get("full_path_match"):
                matched = path
            else:
                continue
            action = _block(rule.get("route_action"))
            assert set(action) <= {"url_rewrite"}, f"unmodelled route action {action}"
            rewrite = _block(action.get("url_rewrite"))
            assert set(rewrite) <= {"path_prefix_rewrite"}, f"unmodelled rewrite {rewrite}"
            if "path_prefix_rewrite" in rewrite:
                path = rewrite["path_prefix_rewrite"] + path[len(matched) :]
            return _backend(rule["service"]), path
    return _default(matcher, path)


def _default(block: dict[str, Any], path: str) -> Routed:
    status = _abort_status(block)
    return status if status is not None else (_backend(block["default_service"]), path)


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
    "path",
    [
        "/",
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
    redirect = _block(tf.resources["google_compute_url_map"]["https_redirect"]["default_url_redirect"])
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
    assert {_backend(t["service"]) for t in tests} == PUBLIC_FUNCTIONS
    for case in tests:
        routed = route(tf, resolve(case["host"], tf), case["path"])
        assert isinstance(routed, tuple) and routed[0] == _backend(case["service"]), case


# --- the settings, the approval links and the outputs -------------------------------------------------


def production_settings(tf: Terraform) -> Settings:
    """Settings as Terraform sets them, with the domain resolved; values only Terraform computes
    (service account emails, other functions' run.app URLs) get stand-ins."""
    env = {name: resolve(str(raw), tf) for name, raw in tf.locals["settings_env"].items()}
    env = {
        name: FRONTEND if value == "${var.frontend_url}" else evaluate_setting(value, tf)
        for name, value in env.items()
    }
    return Settings.from_env(env)


def test_settings_derive_from_the_domain(tf: Terraform) -> None:
    settings = production_settings(tf)
    assert settings.api_url == f"https://{DOMAIN}/api"
    assert settings.oauth_callback_url == f"https://{DOMAIN}/oauth/callback"
    assert tf.locals["settings_env"]["NA_FRONTEND_URL"] == "${var.frontend_url}"
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
    from functions.routes import approvals, email_confirmations, resolve
    from shared.domain.tasks.notify import NotifyTask
    from shared.services.links import LinkMinter
    from tests.support.notifications import tenant

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
        assert resolve(_router().match(routed[1], "GET").route.handler.name) is module.page
        for posted, handler in (("preview", module.preview), (act, getattr(module, act))):
            routed = route(tf, link.netloc, f"{link.path}/{posted}")
            assert isinstance(routed, tuple) and routed[0] == "api"
            assert resolve(_router().match(routed[1], "POST").route.handler.name) is handler


def test_outputs_come_from_the_domain(tf: Terraform) -> None:
    settings = production_settings(tf)
    out = {name: resolve(str(o["value"]), tf) for name, o in tf.outputs.items()}
    assert out["public_url"] == f"https://{DOMAIN}"
    # What Notion checks the redirect against is what the code sends as redirect_uri.
    assert out["notion_redirect_uri"] == settings.oauth_callback_url == f"https://{DOMAIN}/oauth/callback"
    assert out["notion_webhook_url"] == f"https://{DOMAIN}/notion/webhook"
    assert out["api_url"] == settings.api_url
    assert out["public_ip_address"] == "${google_compute_global_address.public.address}"
    https = tf.resources["google_compute_global_forwarding_rule"]["https"]
    assert https["ip_address"] == tf.resources["google_compute_global_forwarding_rule"]["http"]["ip_address"]
    assert https["ip_address"] == "${google_compute_global_address.public.id}"


# --- reachable only through the load balancer --------------------------------------------------------


def _keys(body: dict[str, Any], tf: Terraform) -> set[str]:
    return set(for_each_function_keys(str(body["for_each"]), tf.locals["functions"]))


def test_public_functions_are_reachable_only_through_the_load_balancer(tf: Terraform) -> None:
    functions = tf.resources["google_cloudfunctions2_function"]
    assert _keys(functions["public"], tf) == PUBLIC_FUNCTIONS
    assert _block(functions["public"]["service_config"])["ingress_settings"] == "ALLOW_INTERNAL_AND_GCLB"
    assert _block(functions["private"]["service_config"])["ingress_settings"] == "ALLOW_INTERNAL_ONLY"

    neg = tf.resources["google_compute_region_network_endpoint_group"]["public"]
    assert _keys(neg, tf) == PUBLIC_FUNCTIONS
    assert (neg["network_endpoint_type"], neg["region"]) == ("SERVERLESS", "${var.region}")
    # A 2nd-gen function is served by the Cloud Run service of the same name.
    assert "cloud_function" not in neg
    assert _block(neg["cloud_run"]) == {"service": "${local.deployed_functions[each.key].name}"}

    backend = tf.resources["google_compute_backend_service"]["public"]
    assert _keys(backend, tf) == PUBLIC_FUNCTIONS
    assert _block(backend["backend"])["group"] == (
        "${google_compute_region_network_endpoint_group.public[each.key].id}"
    )
    assert backend["load_balancing_scheme"] == "EXTERNAL_MANAGED"
    assert _block(backend["log_config"])["enable"] is True
    # Serverless NEGs take neither health checks nor a backend timeout.
    assert not {"health_checks", "timeout_sec"} & set(backend)

    routed = {route(tf, DOMAIN, p) for p in ("/api/runs", "/oauth/callback", "/notion/webhook")}
    assert {r[0] for r in routed if isinstance(r, tuple)} == PUBLIC_FUNCTIONS

    proxy = tf.resources["google_compute_target_https_proxy"]["public"]
    assert proxy["url_map"] == "${google_compute_url_map.public.id}"
    assert proxy["ssl_certificates"] == ["${google_compute_managed_ssl_certificate.public.id}"]
    assert proxy["ssl_policy"] == "${google_compute_ssl_policy.public.id}"
    certificate = tf.resources["google_compute_managed_ssl_certificate"]["public"]
    assert _block(certificate["managed"])["domains"] == ["${var.public_domain}"]
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
    fakes = FakeContainer(secrets=secrets, settings=production_settings(tf))
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
    assert back.headers["Location"].startswith(f"{FRONTEND}#connected=true")
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

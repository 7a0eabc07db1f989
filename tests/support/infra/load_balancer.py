"""The public load balancer as terraform/loadbalancer.tf and console.tf declare it, evaluated from the
parsed HCL: ``route`` follows the URL map (host rule, route rules by priority with prefix and
full-path matches, the prefix rewrite, the defaults) and refuses any match form it does not model,
so a test cannot pass over a rule; ``console_headers`` are the console bucket's response headers."""

import re
from typing import Any

from tools.infra_drift import Terraform

DOMAIN = "agent.example.com"
CONSOLE = f"https://{DOMAIN}/"
RUN_APP = "123456789012.europe-west1.run.app"  # what a function's own host looks like

BACKEND = re.compile(r'\$\{google_compute_backend_service\.public\["(\w+)"\]\.id\}')
BUCKET = "${google_compute_backend_bucket.console.id}"
COALESCE = re.compile(r'\$\{coalesce\(var\.(\w+), (local\.public_endpoints\["\w+"\])\)\}')


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


def block(blocks: Any) -> dict[str, Any]:
    return blocks[0] if isinstance(blocks, list) and blocks else {}


def abort_status(matcher: dict[str, Any]) -> int | None:
    action = block(matcher.get("default_route_action"))
    abort = block(block(action.get("fault_injection_policy")).get("abort"))
    if abort and abort.get("percentage") == 100:
        return int(abort["http_status"])
    return None


def backend_of(reference: str) -> str:
    """The entry point of a public function's backend service, or "console" for the console's bucket."""
    if reference == BUCKET:
        return "console"
    match = BACKEND.fullmatch(reference)
    assert match, f"not a backend of the public functions or the console: {reference}"
    return match.group(1)


# (entry point or "console", path the backend receives), or the load balancer's own status
Routed = tuple[str, str] | int


def route(tf: Terraform, host: str, path: str) -> Routed:
    url_map = tf.resources["google_compute_url_map"]["public"]
    matcher: dict[str, Any] | None = None
    for rule in url_map.get("host_rule", []):
        if host in [resolve(h, tf) for h in rule["hosts"]]:
            matcher = next(m for m in url_map["path_matcher"] if m["name"] == rule["path_matcher"])
    if matcher is None:
        return default_route(url_map, path)
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
            action = block(rule.get("route_action"))
            assert set(action) <= {"url_rewrite"}, f"unmodelled route action {action}"
            rewrite = block(action.get("url_rewrite"))
            assert set(rewrite) <= {"path_prefix_rewrite"}, f"unmodelled rewrite {rewrite}"
            if "path_prefix_rewrite" in rewrite:
                path = rewrite["path_prefix_rewrite"] + path[len(matched) :]
            return backend_of(rule["service"]), path
    return default_route(matcher, path)


def default_route(matcher: dict[str, Any], path: str) -> Routed:
    status = abort_status(matcher)
    return status if status is not None else (backend_of(matcher["default_service"]), path)


def console_headers(tf: Terraform) -> dict[str, str]:
    """The backend bucket's custom response headers, by name (each "Name: value", as the API takes them)."""
    raw = tf.resources["google_compute_backend_bucket"]["console"]["custom_response_headers"]
    assert isinstance(raw, list) and all("${" not in h for h in raw), "headers must be literal to check them"
    pairs = [header.split(": ", 1) for header in raw]
    assert len({name.lower() for name, _ in pairs}) == len(pairs), "a header named twice"
    return {name: value for name, value in pairs}

"""The session-signing key rotates under live sessions and links without one failing: two instances
whose secret caches lag each other go through stage and promote (tools/signing_keys.py), and every
token issued on either is accepted by both at every moment. Only current and previous are kept."""

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from shared.notify.services import links
from shared.platform.config import PlatformSecret, Settings
from shared.platform.domain import signed_tokens
from shared.platform.errors import Unauthenticated
from shared.platform.ports import SecretStore
from shared.team.services.sessions import principal_of, start_session
from tests.link_tokens import decision_token
from tests.support.workspace.workspace_fakes import FakeTenantStore
from tools.signing_keys import promote, stage

ROOT = Path(__file__).resolve().parents[4]
NAME = PlatformSecret.SESSION_SIGNING_KEY


@dataclass
class Versions:
    """Secret Manager's versions of session-signing-key: ``latest`` is the last one added."""

    values: list[str] = field(default_factory=lambda: ["k0-" + "x" * 40])  # a plain key, as today

    def add(self, value: str) -> None:
        self.values.append(value)


@dataclass
class Instance(SecretStore):
    """One function instance: its secret cache refreshes only when its TTL runs out (``refresh``).
    Only the signing key is read through it; nothing is written."""

    versions: Versions
    cached: str = ""

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.cached = self.versions.values[-1]

    def get(self, name: str, fresh: bool = False) -> str:
        assert name == NAME
        if fresh:
            self.refresh()
        return self.cached

    def put(self, name: str, value: str, *, create: bool = True) -> None:
        raise AssertionError(f"nothing writes a secret here ({name})")

    def delete(self, name: str) -> None:
        raise AssertionError(f"nothing deletes a secret here ({name})")


@dataclass
class Live:
    """Sessions and approval links issued so far, each checked on every instance."""

    sessions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def issue(self, on: Instance, n: int) -> None:
        deps = SimpleNamespace(secrets=on, settings=Settings(api_url="https://agent.example.com/api"))
        for i in range(n):
            self.sessions.append(start_session(f"t{len(self.sessions)}", on))
            self.links.append(decision_token(deps, "t1", f"r{i}", "req", "approve", epoch="e"))

    def check(self, *instances: Instance) -> None:
        for instance in instances:
            for index, session in enumerate(self.sessions):
                assert principal_of(f"Bearer {session}", instance, FakeTenantStore()).tenant_id == f"t{index}"
            for link in self.links:
                assert (
                    signed_tokens.verify(link, instance.cached, links.DECISION_PURPOSE)["decision"]
                    == "approve"
                )


def test_a_rotation_fails_no_live_session_or_link_on_any_instance() -> None:
    versions = Versions()
    a, b = Instance(versions), Instance(versions)
    live = Live()
    live.issue(a, 3)
    live.issue(b, 3)
    live.check(a, b)

    versions.add(stage(versions.values[-1]))  # 1. stage: the new version is accepted, not yet used
    a.refresh()  # a sees it at once, b only when its cache expires
    live.issue(a, 2)
    live.issue(b, 2)
    live.check(a, b)
    b.refresh()  # 2. wait secret_cache_ttl_s: every instance holds the staged version
    live.check(a, b)

    versions.add(promote(versions.values[-1]))  # 3. promote: the staged version signs
    a.refresh()
    live.issue(a, 2)  # signed with version 1, checked on b, which still signs with version 0
    live.issue(b, 2)
    live.check(a, b)
    b.refresh()
    live.issue(b, 2)
    live.check(a, b)
    assert {json.loads(signed_tokens._unb64(s.split(".")[0])).get("kid", "0") for s in live.sessions} == {
        "0",
        "1",
    }
    assert len(live.sessions) == len(live.links) == 16


def test_only_the_current_and_previous_versions_are_accepted() -> None:
    versions = Versions()
    a = Instance(versions)
    old = start_session("t1", a)
    for _ in range(2):  # two rotations: version 0 is neither current nor previous any more
        versions.add(stage(versions.values[-1]))
        versions.add(promote(versions.values[-1]))
    a.refresh()
    current, keys = signed_tokens.ring(a.cached)
    assert (current, sorted(keys)) == ("2", ["1", "2"])
    with pytest.raises(Unauthenticated, match="not genuine"):
        principal_of(f"Bearer {old}", a, FakeTenantStore())


def test_tokens_name_their_version_and_a_forged_version_is_refused() -> None:
    ring = promote(stage("plain-key-" + "y" * 40))
    token = signed_tokens.sign({"purpose": "session"}, ring, 60)
    body = json.loads(signed_tokens._unb64(token.split(".")[0]))
    assert body["kid"] == "1"
    forged = (
        signed_tokens._b64(json.dumps(body | {"kid": "9"}, sort_keys=True).encode())
        + "."
        + token.split(".")[1]
    )
    with pytest.raises(Unauthenticated, match="not genuine"):
        signed_tokens.verify(forged, ring, "session")


def test_staging_twice_or_promoting_nothing_is_refused() -> None:
    staged = stage("plain-key-" + "z" * 40)
    with pytest.raises(ValueError, match="promote it first"):
        stage(staged)
    with pytest.raises(ValueError, match="stage one first"):
        promote(promote(staged))


def test_the_tool_reads_stdin_and_writes_only_the_next_value() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tools.signing_keys", "stage"],
        input="plain-key-" + "w" * 40,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0 and run.stderr == ""
    current, keys = signed_tokens.ring(run.stdout)
    assert current == "0" and keys["0"] == "plain-key-" + "w" * 40 and len(keys["1"]) >= 64

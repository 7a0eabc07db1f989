"""`make doctor` against the local stack, through its gateway as an operator runs it against a
deployment's public URL: a task through each queue (the tasks emulator's OIDC tokens, checked by each
function) and plan's model call, each hop reported; a held queue and a wrong key are reported as
failures with their likely cause; neither the key nor the operator's token is printed."""

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.stack import LocalStack
from shared.platform.config import PlatformSecret
from shared.platform.topology import Queue

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack() as running:
        yield running


def doctor(*args: str, secrets: Path) -> subprocess.CompletedProcess[str]:
    """``args`` run in the repository with only ``secrets`` as the settings (the operator's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NA_")}
    env["NA_LOCAL_SECRETS_FILE"] = str(secrets)
    return subprocess.run(
        list(args), cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def signing_key(stack: LocalStack) -> str:
    key: str = json.loads(stack.secrets_file.read_text())[PlatformSecret.SESSION_SIGNING_KEY.value]
    return key


def test_make_doctor_reports_each_queue_s_function_and_the_model(stack: LocalStack) -> None:
    make = ["make", "--no-print-directory", "doctor", f"URL={stack.console_url}"]
    result = doctor(*make, secrets=stack.secrets_file)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert out.splitlines()[-1].startswith("RESULT hops=6 ok=6 failed=0 "), out
    for queue in Queue:
        function = queue.value.replace("-", "_")
        line = next(line for line in out.splitlines() if line.startswith(f"OK   {queue.value} "))
        assert "sent doctor:" in line and f"answered by {function} after " in line, line
    assert "OK   model        offline answered plan in " in out
    assert "OK   model_claude offline answered plan in " in out  # the fallback's family, asked too
    assert signing_key(stack) not in out + result.stderr
    assert "Doctor " not in out + result.stderr  # nor the operator's token


def test_a_queue_that_does_not_deliver_is_a_failed_hop_with_its_likely_cause(stack: LocalStack) -> None:
    admin = f"http://{stack.tasks_admin}/queues/notify"
    urllib.request.urlopen(urllib.request.Request(admin + ":hold", method="POST"), timeout=10).close()
    try:
        args = ["-m", "tools.doctor", stack.console_url, "--wait", "6"]
        result = doctor(sys.executable, *args, secrets=stack.secrets_file)
    finally:
        urllib.request.urlopen(urllib.request.Request(admin + ":release", method="POST"), timeout=10).close()
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert out.splitlines()[-1].startswith("RESULT hops=6 ok=5 failed=1 "), out
    failed = next(line for line in out.splitlines() if line.startswith("FAIL notify "))
    assert "not answered: the queue did not deliver it, or notify refused it" in failed
    assert "gcloud tasks queues describe notify" in failed
    assert "OK   plan " in out and "OK   model " in out


def test_a_key_that_is_not_the_deployment_s_is_refused_and_said_so(stack: LocalStack, tmp_path: Path) -> None:
    other = tmp_path / "secrets.json"
    other.write_text(json.dumps({PlatformSecret.SESSION_SIGNING_KEY.value: "another-stack-s-key-" * 2}))
    result = doctor(sys.executable, "-m", "tools.doctor", stack.console_url, secrets=other)
    assert result.returncode == 1
    assert "FAIL api          POST /api/doctor -> 401 " in result.stdout, result.stdout
    assert "likely cause: the operator's token was refused" in result.stdout
    assert result.stdout.splitlines()[-1] == "RESULT hops=0 ok=0 failed=1"


def test_a_session_or_no_token_cannot_start_a_check(stack: LocalStack) -> None:
    for header in ({}, {"Authorization": "Bearer na_session_or_key"}):
        request = urllib.request.Request(stack.url_of_api() + "/doctor", method="POST", headers=header)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401


def test_a_key_that_cannot_be_read_is_a_failure_with_its_cause(tmp_path: Path) -> None:
    result = doctor(sys.executable, "-m", "tools.doctor", "http://127.0.0.1:9", secrets=tmp_path / "no.json")
    assert result.returncode == 1
    assert "FAIL key          could not read session-signing-key from the local secrets file" in result.stdout
    assert "likely cause: NA_LOCAL_SECRETS_FILE is not the file make stack printed" in result.stdout
    assert result.stdout.splitlines()[-1] == "RESULT hops=0 ok=0 failed=1"

"""``make rollback-release`` and ``make release-traffic`` (decision 0140), run as an
operator runs them, with gcloud faked by a script on PATH that answers from a small model of Cloud
Run (each service's revisions and which serve its traffic) and records every call; and the hold
in terraform/functions.tf that keeps a rollback through the next apply."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tools.infra_drift import Terraform

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ["api", "deploy", "execute-step", "notify", "notion-webhook", "oauth-callback", "plan"]

# The fake gcloud: `run revisions list --service=S` prints $STATE/S/revisions (newest first),
# `run services describe S` prints S's status.traffic from $STATE/S/serving, and
# `run services update-traffic S --to-revisions=R=100` (or --to-latest) changes $STATE/S/serving.
FAKE_GCLOUD = r"""#!/usr/bin/env python3
import json, os, sys
state, args = os.environ["FAKE_RUN_STATE"], sys.argv[1:]
with open(os.path.join(state, "calls"), "a") as calls:
    calls.write(" ".join(args) + "\n")
named = {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--") and "=" in a}
if args[:3] == ["run", "revisions", "list"]:
    print(open(os.path.join(state, named["--service"], "revisions")).read(), end="")
elif args[:3] == ["run", "services", "describe"]:
    serving = open(os.path.join(state, args[3], "serving")).read().split()
    print(json.dumps({"status": {"traffic": [{"revisionName": r, "percent": 100} for r in serving]}}))
elif args[:3] == ["run", "services", "update-traffic"]:
    service = args[3]
    revisions = open(os.path.join(state, service, "revisions")).read().split()
    target = revisions[0] if "--to-latest" in args else named["--to-revisions"].split("=")[0]
    open(os.path.join(state, service, "serving"), "w").write(target)
else:
    sys.exit(f"unexpected gcloud call: {args}")
"""


def _cloud_run(tmp_path: Path, revisions: dict[str, list[str]], serving: dict[str, str]) -> Path:
    state = tmp_path / "run"
    for service in SERVICES:
        (state / service).mkdir(parents=True)
        names = revisions.get(service, [f"{service}-00003-c", f"{service}-00002-b", f"{service}-00001-a"])
        (state / service / "revisions").write_text("".join(f"{name}\n" for name in names))
        (state / service / "serving").write_text(serving.get(service, names[0]))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gcloud").write_text(FAKE_GCLOUD)
    (bin_dir / "gcloud").chmod(0o755)
    return state


def _make(tmp_path: Path, target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        "FAKE_RUN_STATE": str(tmp_path / "run"),
    }
    command = ["make", "--no-print-directory", target, "PROJECT=acme-agent", "REGION=europe-west1", *extra]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def _updates(state: Path) -> list[str]:
    return [line for line in (state / "calls").read_text().splitlines() if "update-traffic" in line]


def _serving(state: Path) -> dict[str, str]:
    return {service: (state / service / "serving").read_text() for service in SERVICES}


WHERE = "--region=europe-west1 --project=acme-agent"


def test_rollback_sends_every_function_to_its_previous_revision(tmp_path: Path) -> None:
    state = _cloud_run(tmp_path, {}, {})
    result = _make(tmp_path, "rollback-release")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _updates(state) == [
        f"run services update-traffic {s} {WHERE} --to-revisions={s}-00002-b=100" for s in SERVICES
    ]
    assert _serving(state) == {s: f"{s}-00002-b" for s in SERVICES}
    assert "make release-traffic" in result.stdout
    assert result.stdout.splitlines()[-1] == "RESULT functions=7 changed=7 dry_run=0"


def test_the_function_names_are_terraforms(tf: Terraform) -> None:
    assert sorted(fn["name"] for fn in tf.locals["functions"].values()) == SERVICES


def test_a_dry_run_reads_and_changes_nothing(tmp_path: Path) -> None:
    state = _cloud_run(tmp_path, {}, {})
    result = _make(tmp_path, "rollback-release", "DRY_RUN=1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _updates(state) == []
    assert (
        f"WOULD gcloud run services update-traffic plan {WHERE} --to-revisions=plan-00002-b=100"
        in result.stdout
    )
    assert _serving(state) == {s: f"{s}-00003-c" for s in SERVICES}
    assert result.stdout.splitlines()[-1] == "RESULT functions=7 changed=0 dry_run=1"


def test_a_function_with_nothing_to_go_back_to_stops_the_rollback_before_any_change(tmp_path: Path) -> None:
    state = _cloud_run(tmp_path, {"notify": ["notify-00001-a"]}, {})
    result = _make(tmp_path, "rollback-release")
    assert result.returncode != 0
    assert "FAIL notify" in result.stdout and "nothing changed" in result.stdout
    assert _updates(state) == []


def test_after_a_release_deployed_during_the_hold_a_second_rollback_goes_one_further_back(
    tmp_path: Path,
) -> None:
    """During the hold the next apply deploys a revision without traffic (00004); the rollback counts
    from the revision that serves, never from the newest."""
    newest = {s: [f"{s}-00004-d", f"{s}-00003-c", f"{s}-00002-b", f"{s}-00001-a"] for s in SERVICES}
    state = _cloud_run(tmp_path, newest, {s: f"{s}-00002-b" for s in SERVICES})
    result = _make(tmp_path, "rollback-release")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _serving(state) == {s: f"{s}-00001-a" for s in SERVICES}


def test_release_traffic_sends_every_function_to_its_latest_revision(tmp_path: Path) -> None:
    state = _cloud_run(tmp_path, {}, {s: f"{s}-00002-b" for s in SERVICES})
    result = _make(tmp_path, "release-traffic")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _updates(state) == [f"run services update-traffic {s} {WHERE} --to-latest" for s in SERVICES]
    assert _serving(state) == {s: f"{s}-00003-c" for s in SERVICES}


@pytest.mark.parametrize("target", ["rollback-release", "release-traffic"])
def test_the_targets_need_the_project_and_region(tmp_path: Path, target: str) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and f"usage: make {target} PROJECT=" in result.stderr


def test_the_next_apply_keeps_a_rollback_until_it_is_released(tf: Terraform) -> None:
    """Cloud Functions reads all_traffic_on_latest_revision back as false while an older revision
    serves; ignored, the next apply sends that false and a new revision takes no traffic. Without
    the ignore, the configuration's true would win and reset the rollback."""
    for name, body in tf.resources["google_cloudfunctions2_function"].items():
        assert body["service_config"][0]["all_traffic_on_latest_revision"] is True, name
        ignored = [str(item) for item in body["lifecycle"][0]["ignore_changes"]]
        assert ignored == ["${service_config[0].all_traffic_on_latest_revision}"], (name, ignored)
    assert json.dumps(tf.resources["google_cloudfunctions2_function"]).count("ignore_changes") == 1

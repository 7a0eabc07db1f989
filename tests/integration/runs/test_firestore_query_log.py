"""The query recording of ``make check-indexes`` reaches every process: a fresh Python started with
the two variables records the queries the adapters send to the emulator, with where they were sent,
and the local stack hands the recording on to its functions."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.stack import LocalStack
from tests.conftest import PROJECT, FirestoreEmulator
from tools.firestore_queries import ENV, ROOT

SITE = str(ROOT / "tools" / "query_recording")
SCRIPT = f"""
from google.cloud import firestore
from shared.runs.adapters.firestore_store import FirestoreRunStore
store = FirestoreRunStore(firestore.Client(project={PROJECT!r}))
store.list_runs("t1", limit=5)
store.list_runs("t1", limit=5)  # the same shape again: one line
store.spend("t1", "20260101", "202601")
"""


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT], check=False, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.integration
def test_a_process_started_with_the_variables_records_its_queries(
    firestore_emulator: FirestoreEmulator, tmp_path: Path
) -> None:
    log = tmp_path / "queries.jsonl"
    base = {k: v for k, v in os.environ.items() if k not in (ENV, "PYTHONPATH")}
    base["FIRESTORE_EMULATOR_HOST"] = firestore_emulator.host
    done = _run(base | {ENV: str(log), "PYTHONPATH": os.pathsep.join([SITE, str(ROOT)])})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    shapes = {(line["collection"], line["scope"], line["caller"]) for line in lines}
    assert shapes == {
        ("runs", "COLLECTION", "shared/runs/adapters/firestore_store.py:list_runs"),
        ("events", "COLLECTION_GROUP", "shared/runs/adapters/firestore_spend.py:spend"),
    }
    assert len(lines) == 3  # list_runs once, spend's day and month queries
    runs = next(line for line in lines if line["collection"] == "runs")
    assert runs["orders"] == [["created_at", "DESCENDING"], ["run_id", "DESCENDING"]]
    assert "t1" not in json.dumps(lines)  # shapes, never values


def test_the_client_is_wrapped_only_while_recording(tmp_path: Path) -> None:
    """Wrapped when the client module is first imported (the sitecustomize runs before it), and
    never without the variable: production processes are untouched."""
    check = (
        "from google.cloud.firestore_v1.services.firestore.client import FirestoreClient as C; "
        "print(hasattr(C.run_query, '__wrapped__'), hasattr(C.run_aggregation_query, '__wrapped__'))"
    )
    base = {k: v for k, v in os.environ.items() if k not in (ENV, "PYTHONPATH")}
    path = {"PYTHONPATH": os.pathsep.join([SITE, str(ROOT)])}
    for env, wrapped in (
        (base | path | {ENV: str(tmp_path / "q.jsonl")}, "True True"),
        (base | path, "False False"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == wrapped


def test_the_stack_hands_the_recording_to_its_children(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stack = LocalStack(workdir=tmp_path)
    monkeypatch.delenv(ENV, raising=False)
    assert stack._child_env()["PYTHONPATH"] == str(ROOT)
    monkeypatch.setenv(ENV, str(tmp_path / "q.jsonl"))
    child = stack._child_env()
    assert child["PYTHONPATH"].split(os.pathsep) == [str(ROOT), SITE] and child[ENV] == str(
        tmp_path / "q.jsonl"
    )

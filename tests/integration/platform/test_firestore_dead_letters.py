"""Dead letters on the real Firestore emulator: kept once, listed newest first by the operator's tool."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.platform.adapters.firestore_dead_letters import FirestoreDeadLetters
from shared.platform.domain.dead_letters import RETENTION, dead_letter
from tests.conftest import PROJECT, FirestoreEmulator

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_letter_is_kept_once_and_expires(firestore_db: Any) -> None:
    letters = FirestoreDeadLetters(firestore_db)
    letter = dead_letter("notify", b'{"tenant_id": "t1", "x": 1}', "invalid field(s): token", NOW)
    assert letters.keep(letter) is True
    assert letters.keep(letter) is False  # a redelivery of the same body: nothing new
    [stored] = letters.recent()
    assert stored == letter and stored.expires_at == NOW + RETENTION


def test_the_operators_tool_lists_them_newest_first(
    firestore_db: Any, firestore_emulator: FirestoreEmulator
) -> None:
    letters = FirestoreDeadLetters(firestore_db)
    letters.keep(dead_letter("plan", b"older", "the body must be a JSON object", NOW - timedelta(hours=1)))
    letters.keep(dead_letter("execute-step", b'{"tenant_id": "t9"}', "invalid field(s): step", NOW))
    env = {
        "NA_GCP_PROJECT": PROJECT,
        "NA_FIRESTORE_EMULATOR_HOST": firestore_emulator.host,
        "PATH": "/usr/bin:/bin",
    }
    listed = subprocess.run(
        [sys.executable, "-m", "tools.dead_letters"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == "RESULT dead_letters=2"
    assert "execute-step" in lines[0] and "tenant=t9" in lines[0] and "invalid field(s): step" in lines[0]
    assert "plan" in lines[1] and "tenant=-" in lines[1]

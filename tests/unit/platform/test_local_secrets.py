"""The local secrets file: shared by the stack's functions, re-read when another one changes it."""

from pathlib import Path

import pytest

from shared.platform.adapters.local_secrets import LocalFileSecrets
from shared.platform.errors import NotFound


def test_a_value_put_by_one_function_is_seen_by_another_and_deletes_too(tmp_path: Path) -> None:
    path = str(tmp_path / "secrets.json")
    reader, writer = LocalFileSecrets(path), LocalFileSecrets(path)
    with pytest.raises(NotFound):
        reader.get("notion-token-t1")
    writer.put("notion-token-t1", "first-token-value")
    assert reader.get("notion-token-t1") == "first-token-value"
    writer.put("notion-token-t1", "second-token-value")
    assert reader.get("notion-token-t1") == "second-token-value"
    writer.delete("notion-token-t1")
    with pytest.raises(NotFound):
        reader.get("notion-token-t1")
    with pytest.raises(NotFound):  # a refresh never makes a deleted connection's secret again
        writer.put("notion-token-t1", "refreshed-token-value", create=False)
    with pytest.raises(NotFound):
        reader.get("notion-token-t1")
    assert oct((tmp_path / "secrets.json").stat().st_mode & 0o777) == "0o600"

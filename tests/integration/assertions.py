"""Assertions the adapter tests share."""

import pytest


def assert_token_absent(error: BaseException, token: str, caplog: pytest.LogCaptureFixture) -> None:
    """Neither ``error`` nor any exception in its chain, nor any log line, carries ``token``."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in chain:
        assert token not in str(item) and token not in repr(item)
        assert token not in getattr(item, "reason", "")
    assert token not in caplog.text
    assert "Authorization" not in str(error)

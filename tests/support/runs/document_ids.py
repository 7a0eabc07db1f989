"""Shared by several test modules: helpers first written for ``tests/unit/runs/test_document_ids.py``."""

from hypothesis import strategies as st

from shared.platform.domain.ids import MAX_BYTES

# Any text Python can encode (no lone surrogates), with and without Firestore's separators.
CHARS = st.characters(exclude_categories=["Cs"])


TEXT = st.text(CHARS, max_size=40)


def reserved(text: str) -> bool:
    return len(text) >= 4 and text.startswith("__") and text.endswith("__")


def _sized(parts: tuple[str, int]) -> str:
    """``text`` cut or padded to exactly ``size`` bytes of UTF-8."""
    text, size = parts
    head = text.encode()[:size].decode("utf-8", "ignore")
    return head + "k" * (size - len(head.encode()))


# Ids Firestore accepts: 1 to 1,500 bytes, no "/", not "." nor "..", not __name__.
NO_SLASH = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/"), max_size=60)


ACCEPTED = st.one_of(
    NO_SLASH.filter(bool),
    st.tuples(NO_SLASH, st.integers(1, MAX_BYTES)).map(_sized),
    st.sampled_from(["...", "__", "___", "_x_", "a__b__", "__a", "x" * MAX_BYTES, "é" * (MAX_BYTES // 2)]),
).filter(lambda v: not reserved(v) and v not in {".", ".."} and len(v.encode()) <= MAX_BYTES)


# Ids it refuses, one rule each.
REFUSED = st.one_of(
    TEXT.map(lambda t: f"__{t}__"),
    st.tuples(TEXT, TEXT).map(lambda ab: f"{ab[0]}/{ab[1]}"),
    st.sampled_from([".", "..", ""]),
    TEXT.map(lambda t: "x" * MAX_BYTES + (t or "y")),
    st.integers(MAX_BYTES // 2 + 1, MAX_BYTES).map(lambda n: "é" * n),
)

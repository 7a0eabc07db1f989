"""Vertex AI's implicit cache as our Gemini stand-ins report it (decisions 0172, 0214).

What the documentation says and this reproduces ("Context caching overview", Vertex AI; "Context
caching", Gemini API): every project caches implicitly, with no storage cost; a request whose prefix
matches a recent request's is served from the cache for that prefix, reported as
``usageMetadata.cachedContentTokenCount`` (within ``promptTokenCount``) and billed at a tenth of the
input price; the request that first sends a prefix pays it in full; a request, and so a cached
prefix, under the model's minimum is never cached (2,048 tokens on Vertex AI's page; 4,096 for the
Gemini 3.x models on the Gemini API's table: :data:`MINIMUM_TOKENS` takes the stricter); "send
requests with a similar prefix in a short amount of time": how short is not documented, so the
window is a parameter (:data:`WINDOW_S`, five minutes). A cache is per project and model. Tokens are
counted as our stand-ins count them, four characters a token."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MINIMUM_TOKENS = 4_096
WINDOW_S = 300.0
CHARS_PER_TOKEN = 4


def common_prefix(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` share (a binary search on slices: C speed)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


@dataclass
class ImplicitCache:
    """The prefixes requests sent recently, per project and model (``scope``: the request's path)."""

    minimum_tokens: int = MINIMUM_TOKENS
    window_s: float = WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def served(self, scope: str, prompt: str) -> int:
        """The tokens of ``prompt`` the cache serves: its longest prefix shared with a request of the
        same ``scope`` sent within the window, when both the prompt and that prefix reach the minimum;
        else 0. The prompt is remembered either way (it may be a later request's prefix)."""
        now = self.clock()
        with self._lock:
            recent = [(at, p) for at, p in self._seen.get(scope, []) if now - at <= self.window_s]
            shared = max((common_prefix(prompt, p) for _, p in recent), default=0)
            self._seen[scope] = [*recent, (now, prompt)]
        tokens, cached = len(prompt) // CHARS_PER_TOKEN, shared // CHARS_PER_TOKEN
        return cached if tokens >= self.minimum_tokens and cached >= self.minimum_tokens else 0

    def clear(self) -> None:
        """Forget every prefix (a new project, or a layout measured apart from another)."""
        with self._lock:
            self._seen.clear()

"""A thin client of a local sandbox's admin API (``/_sandbox/...``): JSON in, JSON out, raises on non-2xx."""

from typing import Any

import httpx


class AdminClient:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url + "/_sandbox", timeout=10)

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    def delete(self, path: str) -> Any:
        response = self.http.delete(path)
        response.raise_for_status()
        return response.json()

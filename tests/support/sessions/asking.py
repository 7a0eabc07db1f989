"""A team's member asking through the api's sessions routes, for the streams' tests."""

from collections.abc import Callable

from werkzeug.test import TestResponse

from tests.support.platform.fake_container import client
from tests.support.team.role_team import Team, call


def _asking(people: Team, role: str = "editor") -> tuple[str, Callable[[str, dict[str, str]], TestResponse]]:
    """A session of ``role``'s, and a question's answer streamed in it (the key, the headers given)."""
    _, made = call(people, role, "POST", "/sessions", json={"request_id": "k"})
    sid = made["session_id"]
    api = client("api", people.container)

    def ask(key: str, headers: dict[str, str]) -> TestResponse:
        said = {"text": "What does the roadmap say?", "request_id": key}
        auth = {"Authorization": f"Bearer {people.sessions[role]}"}
        return api.post(f"/sessions/{sid}/answers", json=said, headers=headers | auth)

    return sid, ask

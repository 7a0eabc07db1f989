"""Shared by several test modules: the service accounts that call the task functions, and the ID
tokens Cloud Run forwards for them."""

import base64
import json
import time
from typing import Any

TASKS = "na-tasks-invoker@proj.iam.gserviceaccount.com"
SCHEDULER = "na-scheduler@proj.iam.gserviceaccount.com"


def forwarded(email: str, audience: str, **claims: Any) -> str:
    """An ID token as Cloud Run passes it to the container: the claims Google signed, the signature
    replaced by SIGNATURE_REMOVED_BY_GOOGLE (as local.cloud_run_front forwards the emulator's)."""
    now = int(time.time())
    payload: dict[str, Any] = {"iss": "https://accounts.google.com", "aud": audience, "email": email}
    payload |= {"email_verified": True, "iat": now, "exp": now + 3600, "sub": "1"} | claims

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'kid': 'k1', 'typ': 'JWT'})}.{part(payload)}.SIGNATURE_REMOVED_BY_GOOGLE"


def bearer(email: str, audience: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {forwarded(email, audience, **claims)}"}

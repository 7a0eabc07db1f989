"""A Gemini stand-in on 127.0.0.1 for the cold-request benchmark: google-auth's token grant, and a
generateContent that plans one Notion read then the end (``PLAN``), whatever it is asked."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def plan_reply(page_id: str) -> dict[str, Any]:
    """A valid plan: read ``page_id``, then finish."""
    steps = [("read_page", {"page_id": page_id}), ("finish", {"summary": "Read the page."})]
    return {
        "goal": "Read the page",
        "risk": "low",
        "on_reject": "end",
        "steps": [{"tool": t, "args_json": json.dumps(a), "rationale": "bench"} for t, a in steps],
    }


class ModelStandIn:
    def __init__(self, page_id: str) -> None:
        reply = json.dumps(plan_reply(page_id))
        candidate = {"content": {"role": "model", "parts": [{"text": reply}]}, "finishReason": "STOP"}
        usage = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
        answer = json.dumps({"candidates": [candidate], "usageMetadata": usage}).encode()
        token = json.dumps(
            {"access_token": "ya29.bench", "token_type": "Bearer", "expires_in": 3600}
        ).encode()
        self.calls = 0
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.endswith("/token"):
                    standin.calls += 1
                self.send_response(200)
                payload = token if self.path.endswith("/token") else answer
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""``make doctor URL=…``: one real task through each queue and one model call per model family (Gemini,
and Claude when the deployment uses it) on a deployment (or the local stack), and what each hop did:
what was sent, which function answered, how long it took, the failure and its likely cause
(docs/monitoring.md, "make doctor").

It asks the deployment's api (``POST <URL>/api/doctor``) to start a check, then reads it
(``GET <URL>/api/doctor/<check_id>``) until every hop is answered or ``--wait`` seconds passed. Both
carry an operator's token signed with the deployment's session-signing key, read with the
operator's own credentials: from Secret Manager of ``--project`` (a deployment), else from the local
secrets file (``NA_LOCAL_SECRETS_FILE``, the local stack's). Neither the key nor the token is
printed. One line per hop, then ``RESULT hops=<n> ok=<n> failed=<n>``; exit status 1 when one failed.
"""

import argparse
import os
import sys
import time
from typing import Any

import httpx

from shared import bootstrap
from shared.platform.config import Settings
from shared.platform.services.doctor import SCHEME, operator_token
from shared.platform.topology import Queue

TIMEOUT_S = 30.0
UNANSWERED = (
    "the queue did not deliver it, or {function} refused it: its log shows a 401/403 (the task's OIDC "
    "token: the tasks service account, audience NA_{setting}_URL), a 404 (no /doctor route: an older "
    "revision) or a 5xx; `gcloud tasks queues describe {queue}` shows whether the queue is paused"
)
ENQUEUE_CAUSES = {
    "ConfigError": "the queue does not exist: terraform apply",
    "PermissionDenied": "the api's account may not create tasks or act as the tasks account (docs/iam.md)",
    "TransientError": "Cloud Tasks was unavailable: run make doctor again",
}
MODEL_CAUSES = {
    "ModelUnavailable": "the model named in the settings is not available in model_location",
    "Unauthenticated": "plan's account lacks Vertex AI access (model_caller, docs/iam.md)",
    "Forbidden": "plan's account lacks Vertex AI access (model_caller, docs/iam.md)",
    "TransientError": "Vertex AI answered 429 or 5xx (quota): run make doctor again",
    "UnusableReply": "the model answered off the schema: the model's name, or its version, changed",
    "NotAnswered": "only the other family answered: enable this family's models in Vertex AI's Model "
    "Garden and ask for their quota in model_location (docs/deploy.md, First deploy)",
}
ANSWER_CAUSES = {
    401: "the operator's token was refused: the key read is not this deployment's session-signing-key "
    "(--project names another project, or the local secrets file another stack)",
    404: "no /api/doctor: URL is not the deployment's public domain, or its api predates make doctor",
}


def _secrets(project: str) -> Any:
    """The store the signing key is read from, with the operator's credentials."""
    if project:
        settings = Settings(secrets_backend="secret-manager", gcp_project=project)
    else:
        settings = Settings(local_secrets_file=os.environ.get("NA_LOCAL_SECRETS_FILE", ".local/secrets.json"))
    return bootstrap.Container(settings).platform.secrets


def _cause(error: str, causes: dict[str, str]) -> str:
    kind = error.partition(":")[0]
    return causes.get(kind, "see the function's log at that time")


def hop_lines(check: dict[str, Any], final: bool) -> tuple[list[str], int, int]:
    """One line per hop (each queue, then plan's model call) and the counts (ok, failed)."""
    lines, ok, failed = [], 0, 0
    for queue in Queue:
        entry = check["queues"].get(queue.value) or {}
        sent, hop = entry.get("sent") or {}, entry.get("hop")
        function = queue.value.replace("-", "_")
        said = f"sent {sent.get('task', '?')} in {sent.get('enqueue_ms', '?')} ms"
        if sent.get("error"):
            failed += 1
            cause = _cause(sent["error"], ENQUEUE_CAUSES)
            lines.append(f"FAIL {queue.value:<12} not sent: {sent['error']}; likely cause: {cause}")
        elif hop is None:
            failed += final
            unanswered = UNANSWERED.format(function=function, setting=function.upper(), queue=queue.value)
            lines.append(
                f"{'FAIL' if final else 'WAIT'} {queue.value:<12} {said}; not answered: {unanswered}"
            )
        else:
            ok += 1
            where = ", ".join(f"{k} {hop[k]}" for k in ("service", "revision") if hop.get(k))
            retried = f" (attempt {hop['attempt']}: earlier deliveries failed)" if hop["attempt"] > 1 else ""
            lines.append(
                f"OK   {queue.value:<12} {said}; answered by {hop['function']}"
                f"{f' ({where})' if where else ''} after {entry.get('latency_ms', '?')} ms{retried}"
            )
    plan_hop = (check["queues"].get(Queue.PLAN.value) or {}).get("hop")
    if (plan_hop or {}).get("model") is None:
        failed += final
        lines.append(f"{'FAIL' if final else 'WAIT'} model        no call: plan did not answer its task")
    # Gemini's call, then Claude's (the fallback) when the deployment uses it (docs/monitoring.md).
    for key in ("model", "model_claude"):
        model = (plan_hop or {}).get(key)
        if model is None:
            continue
        if model["ok"]:
            ok += 1
            lines.append(
                f"OK   {key:<12} {model['model']} answered plan in {model['ms']} ms, "
                f"{model['tokens']} tokens, ${model['cost_usd']:.6f}"
            )
        else:
            failed += 1
            cause = _cause(model["error"], MODEL_CAUSES)
            lines.append(f"FAIL {key:<12} {model['error']} after {model['ms']} ms; likely cause: {cause}")
    return lines, ok, failed


def _done(check: dict[str, Any]) -> bool:
    return all(
        (e.get("sent") or {}).get("error") or e.get("hop") is not None for e in check["queues"].values()
    )


def run(url: str, project: str, wait_s: float) -> int:
    base = url.rstrip("/")
    started = time.monotonic()
    try:
        token = operator_token(_secrets(project))
    except Exception as exc:
        if project:
            where = f"Secret Manager of {project}"
            cause = "no credentials (gcloud auth application-default login), or no access to the secret"
        else:
            where = "the local secrets file (NA_LOCAL_SECRETS_FILE)"
            cause = "NA_LOCAL_SECRETS_FILE is not the file make stack printed"
        print(f"FAIL key          could not read session-signing-key from {where}: {type(exc).__name__}")
        print(f"                  likely cause: {cause}")
        print("RESULT hops=0 ok=0 failed=1")
        return 1
    headers = {"Authorization": f"{SCHEME} {token}"}
    with httpx.Client(timeout=TIMEOUT_S) as client:
        try:
            answer = client.post(f"{base}/api/doctor", headers=headers)
        except httpx.HTTPError as exc:
            print(
                f"FAIL api          POST {base}/api/doctor: {type(exc).__name__}; likely cause: URL does not answer"
            )
            print("RESULT hops=0 ok=0 failed=1")
            return 1
        if answer.status_code != 202:
            reason = _reason(answer)
            cause = ANSWER_CAUSES.get(answer.status_code, "see the api's log at that time")
            print(
                f"FAIL api          POST /api/doctor -> {answer.status_code} {reason}; likely cause: {cause}"
            )
            print("RESULT hops=0 ok=0 failed=1")
            return 1
        check = answer.json()
        print(f"doctor: check {check['check_id']} on {base}, answered by the api in {_ms(started)} ms")
        while not _done(check) and time.monotonic() - started < wait_s:
            time.sleep(1.0)
            polled = client.get(f"{base}/api/doctor/{check['check_id']}", headers=headers)
            if polled.status_code == 200:
                check = polled.json()
    lines, ok, failed = hop_lines(check, final=True)
    print("\n".join(lines))
    print(f"RESULT hops={ok + failed} ok={ok} failed={failed} seconds={time.monotonic() - started:.1f}")
    return 1 if failed else 0


def _reason(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("reason", ""))[:200]
    except ValueError:
        return ""


def _ms(since: float) -> int:
    return round((time.monotonic() - since) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "url", help="the deployment's public URL (https://<public_domain>), or the local gateway's"
    )
    parser.add_argument(
        "--project", default="", help="the deployment's project: its Secret Manager holds the key"
    )
    parser.add_argument("--wait", type=float, default=120.0, help="seconds to wait for every hop")
    args = parser.parse_args()
    return run(args.url, args.project, args.wait)


if __name__ == "__main__":
    sys.exit(main())

"""What the doctor's routes answer (``functions.routes.doctor``; ``make doctor``, docs/monitoring.md)."""

from pydantic import Field

from shared.platform.domain.schema import Schema


class DoctorHeaders(Schema):
    authorization: str = Field(
        alias="Authorization",
        description="Doctor <token>: an operator's token, signed with the deployment's "
        "session-signing key (tools/doctor.py makes it)",
    )


class DoctorSent(Schema):
    """What the api enqueued on one queue."""

    sent_at: str = Field(description="When (UTC, ISO 8601)")
    task: str = Field(description="The task's identity, doctor:<check_id>:<queue>")
    enqueue_ms: int
    error: str = Field("", description="Why the queue refused it (the error's class and our reason)")


class DoctorModelCall(Schema):
    ok: bool
    ms: int = Field(description="How long the call took")
    model: str = ""
    tokens: int = 0
    cost_usd: float = 0.0
    error: str = Field("", description="Why it failed (the error's class and our reason)")


class DoctorHop(Schema):
    """What the queue's function recorded when it answered the task."""

    function: str = Field(description="The function's entry point (functions/main.py)")
    service: str = Field(description="Cloud Run's K_SERVICE of the instance; empty locally")
    revision: str = Field(description="Cloud Run's K_REVISION of the instance; empty locally")
    attempt: int = Field(description="The delivery that answered, 1 the first")
    received_at: str
    recorded: bool
    model: DoctorModelCall | None = Field(None, description="plan's model call")


class DoctorQueue(Schema):
    sent: DoctorSent | None
    hop: DoctorHop | None = Field(description="None: not answered yet")
    latency_ms: int | None = Field(None, description="From sending to the function's answer")


class DoctorCheck(Schema):
    check_id: str
    started_at: str
    queues: dict[str, DoctorQueue] = Field(description="By queue id: plan, execute-step, deploy, notify")

"""``make doctor``'s routes (shared.platform.services.doctor): an operator starts a check, one task through
each queue and one model call, and reads what each hop recorded. Public to the router: each checks
the operator's ``Authorization: Doctor <token>`` itself (a session or an API key is no operator's)."""

from functions._http import Reply
from functions.routes import Call
from shared.platform.errors import NotFound
from shared.platform.services import doctor


def start(call: Call) -> Reply:
    c = call.container
    doctor.check_operator(call.request.headers.get("Authorization", ""), c.platform.secrets)
    return doctor.start_check(c.platform.queue, c.platform.doctor_checks), 202


def get_check(call: Call) -> Reply:
    c = call.container
    doctor.check_operator(call.request.headers.get("Authorization", ""), c.platform.secrets)
    check = doctor.read_check(c.platform.doctor_checks, call.args["check_id"])
    if check is None:
        raise NotFound("no such check: it expired, or was never started")
    return check, 200

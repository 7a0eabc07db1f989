"""The api's routes of the mail capability (shared.mail): Gmail's notifications pushed by Pub/Sub
(:mod:`.push`). The table (functions.routes.table) lists them where :data:`MAIL_ROUTES` stands."""

from functions.routes import Route
from functions.routes.mail_api.push import post_push
from functions.routes.rows import Tag

_PUSH = (
    "Gmail's notification of an agent's mailbox, pushed by Pub/Sub with an OIDC token (Authorization: "
    "Bearer): each new mail from an authenticated member starts one run (or Ask), answered in its thread"
)

MAIL_ROUTES: list[Route] = [
    Tag("mail", public=True)(
        "POST /mail/push",
        post_push,
        _PUSH,
        {200: "models.mail.MailPushAnswer"},
        refusals=(401, 403, 404, 413),
    ),
]

"""The team's rows of the api's route table (:data:`functions.routes.table.ROUTES`): the session, the
owner's settings and integrations, a mailed address confirmation, API keys, the team and its roles,
and the audit log."""

from functions.routes import Doc, Route
from functions.routes.rows import Tag, mailed_link, route
from functions.routes.team_api import (
    api_keys,
    audit,
    code_policies,
    email_confirmations,
    integrations,
    session,
    settings,
    team,
)

_session = Tag("session", session_only=True)
_settings = Tag("settings", session_only=True)
_integrations = Tag("integrations", session_only=True)
_keys = Tag("api keys", session_only=True)

TEAM_ROUTES: list[Route] = [
    _session(
        "GET /session",
        session.get_session,
        "The session and its CSRF token",
        {200: "models.team_api.session.SessionView"},
        role="viewer",
    ),
    _session(
        "DELETE /session",
        session.sign_out,
        "Sign this browser out",
        {200: "models.team_api.session.SignedOut"},
        role="viewer",
    ),
    _settings(
        "GET /settings",
        settings.get_settings,
        "The owner's settings",
        {200: "models.team_api.settings.SettingsView"},
        session_only=False,
        role="viewer",
    ),
    _settings(
        "PATCH /settings",
        settings.patch_settings,
        "Change some settings",
        {200: "models.team_api.settings.SettingsView"},
        body="models.team_api.settings.SettingsChange",
        refusals=(409, 429, 503),
        role="admin",
    ),
    _settings(
        "GET /repositories/policies",
        code_policies.list_policies,
        "Each allowed repository with its policy (allowed paths, largest file, auto-merge)",
        {200: "models.team_api.settings.RepositoryPolicies"},
        session_only=False,
        role="viewer",
    ),
    _settings(
        "PUT /repositories/<owner>/<name>/policy",
        code_policies.put_policy,
        "Set a repository's policy, auto-merge included (the owner only)",
        {200: "models.team_api.settings.RepositoryPolicy"},
        body="shared.workspace.domain.code_policy.CodePolicy",
        refusals=(404, 409),
        role="owner",
    ),
    _integrations(
        "GET /integrations",
        integrations.get_integrations,
        "Which integrations are connected",
        {200: "models.team_api.integrations.IntegrationList"},
        session_only=False,
        role="viewer",
    ),
    _integrations(
        "PUT /integrations/<name>",
        integrations.put_integration,
        "Connect an integration with its token",
        {200: "models.team_api.integrations.IntegrationConnected"},
        body="models.team_api.integrations.IntegrationToken",
        path="models.team_api.integrations.IntegrationPath",
        refusals=(409, 503),
        role="admin",
    ),
    _integrations(
        "DELETE /integrations/<name>",
        integrations.delete_integration,
        "Disconnect an integration",
        {200: "models.team_api.integrations.IntegrationDisconnected"},
        path="models.team_api.integrations.IntegrationPath",
        refusals=(503,),
        role="admin",
    ),
    *mailed_link(
        "/email-confirmations",
        "confirmation",
        (
            email_confirmations.page,
            email_confirmations.preview,
            email_confirmations.confirm,
            email_confirmations.legacy,
        ),
        "Confirm a notification_email",
        ("models.ConfirmationPreview", "models.Confirmed"),
        refusals=(401, 404),
        tag="email confirmations",
    ),
    _keys(
        "POST /api-keys",
        api_keys.post_api_key,
        "Make an API key",
        {201: "models.team_api.api_keys.MadeApiKey"},
        body="team_api.api_keys.NewApiKey",
        headers="models.team_api.api_keys.KeyHeaders",
        refusals=(409,),
        role="viewer",
    ),
    _keys(
        "GET /api-keys",
        api_keys.get_api_keys,
        "List the API keys",
        {200: "models.team_api.api_keys.ApiKeyList"},
        role="viewer",
    ),
    _keys(
        "DELETE /api-keys/<key_id>",
        api_keys.remove_api_key,
        "Delete an API key",
        {200: "models.team_api.api_keys.DeletedApiKey"},
        role="viewer",
    ),
    route(
        "GET /team",
        team.get_team,
        Doc(
            "The team, its open invites and who approves what", "team", {200: "models.team_api.team.TeamView"}
        ),
        role="viewer",
    ),
    route(
        "POST /team/invites",
        team.post_invite,
        Doc(
            "Invite a person to the team (its link is shown in this answer and mailed to them)",
            "team",
            {201: "models.team_api.team.MadeInvite"},
            body="team_api.team.NewInvite",
            refusals=(409,),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "GET /invite",
        team.get_invitation,
        Doc(
            "What an invite link is for: the workspace and the role (its code in a header)",
            "team",
            {200: "models.team_api.team.Invitation"},
            headers="models.team_api.team.InvitationHeaders",
            refusals=(404,),
        ),
        public=True,
    ),
    route(
        "DELETE /team/invites/<invite_id>",
        team.delete_invite,
        Doc("Withdraw an invite", "team", {200: "models.team_api.team.WithdrawnInvite"}, refusals=(404,)),
        session_only=True,
        role="admin",
    ),
    route(
        "PATCH /team/members/<member_id>",
        team.patch_member,
        Doc(
            "Change a member's role",
            "team",
            {200: "models.team_api.team.TeamMember"},
            body="team_api.team.RoleChange",
            refusals=(404,),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "DELETE /team/members/<member_id>",
        team.delete_member,
        Doc(
            "Remove a member: their sessions and API keys end at once",
            "team",
            {200: "models.team_api.team.RemovedMember"},
            refusals=(404,),
        ),
        session_only=True,
        role="admin",
    ),
    route(
        "PUT /team/approvers",
        team.put_approvers,
        Doc(
            "Choose who approves each class of request",
            "team",
            {200: "shared.workspace.domain.members.Approvers"},
            body="shared.workspace.domain.members.Approvers",
        ),
        session_only=True,
        role="owner",
    ),
    route(
        "GET /audit",
        audit.get_audit,
        Doc(
            "The audit log: who did what, when, from where (newest first, filtered)",
            "audit",
            {200: "models.team_api.audit.AuditPage"},
            query="team_api.audit.AuditQuery",
        ),
        role="admin",
    ),
    route(
        "GET /audit/export",
        audit.export_audit,
        Doc(
            "Every entry the filters keep, as JSON lines",
            "audit",
            {200: "application/x-ndjson"},
            query="team_api.audit.AuditQuery",
        ),
        role="admin",
    ),
    route(
        "PUT /audit/retention",
        audit.put_retention,
        Doc(
            "How long the audit log keeps an entry",
            "audit",
            {200: "team_api.audit.Retention"},
            body="team_api.audit.Retention",
        ),
        session_only=True,
        role="owner",
    ),
]

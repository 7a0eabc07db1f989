// Connect: the Notion OAuth flow. GET /connect sets the nonce cookie and names Notion's consent page;
// oauth-callback brings the browser back with the outcome in the fragment and the session in a cookie.
import { useEffect, useState } from "preact/hooks";
import { type S, request, url } from "../api";
import { ErrorText, keepReturn, useAction } from "../ui";

const REFUSALS: Record<string, string> = {
  access_denied: "You declined in Notion, so nothing was connected.",
  connected_by_another_user: "Another person already connected this workspace: ask them, or have them disconnect it first.",
  connection_changed: "The connection changed while you were connecting: please try again.",
  exchange_failed: "Notion did not accept the sign-in: please try again.",
  temporarily_unavailable: "Notion did not answer in time: please try again in a minute.",
  not_allowed: "This service admits only the workspaces and email domains its operator chose.",
  not_invited: "This service admits new workspaces by invitation: open the invite link you were sent.",
  invite_used_up: "This invite has been used up: ask the operator for a new one.",
};

// An invite link is the console's address with #invite=<code>: the code stays in the browser (a
// fragment is never sent) until GET /connect carries it in a header, never in a URL or a log.
const INVITE_HEADER = "X-Invite-Code";
const WORKSPACE_HEADER = "X-Invite-Workspace"; // the link's workspace: what GET /invite names with the code
const ROLE_WORDS: Record<string, string> = { admin: "an admin", editor: "an editor", viewer: "a viewer" };
type Invite = { code: string; workspace: string };
// The invite a link brought, kept in this browser until it is used or its week is over (before,
// an invitation was forgotten when its page was closed before Connect). Only this browser's script
// reads it; it is sent only as the header above.
const KEPT_INVITE = "na-invite";
const INVITE_DAYS_MS = 7 * 24 * 3600 * 1000;

/** The invite to connect with (its code and workspace): the link's, kept from now on, else one kept
 * from an earlier visit. */
function inviteOf(outcome: URLSearchParams | null): Invite {
  const brought = { code: outcome?.get("invite") ?? "", workspace: outcome?.get("workspace") ?? "" };
  try {
    if (brought.code) {
      localStorage.setItem(KEPT_INVITE, JSON.stringify({ ...brought, at: Date.now() }));
      return brought;
    }
    const kept = JSON.parse(localStorage.getItem(KEPT_INVITE) ?? "null") as { code?: unknown; workspace?: unknown; at?: unknown } | null;
    if (kept && typeof kept.code === "string" && typeof kept.at === "number" && Date.now() - kept.at < INVITE_DAYS_MS) {
      return { code: kept.code, workspace: typeof kept.workspace === "string" ? kept.workspace : "" };
    }
    localStorage.removeItem(KEPT_INVITE);
  } catch {
    // storage off (a private window's rules): the link's own invite still works
  }
  return brought;
}

/** What the invite is for (GET /invite: the workspace's name and the role), told to its holder only;
 * null while unknown or when the api tells nothing (an old link without its workspace, a withdrawn one). */
function useInvitation(invite: Invite): S["Invitation"] | null {
  const [told, setTold] = useState<S["Invitation"] | null>(null);
  useEffect(() => {
    if (!invite.code || !invite.workspace) return;
    request<S["Invitation"]>("GET", url("/invite"), undefined, { [INVITE_HEADER]: invite.code, [WORKSPACE_HEADER]: invite.workspace })
      .then((answer) => setTold(answer.body ?? null))
      .catch(() => setTold(null)); // the Connect itself says why an invite is refused
  }, [invite.code, invite.workspace]);
  return told;
}

/** The kept invite is spent (signed in with it) or refused for good: forget it. */
export function forgetInvite(): void {
  try {
    localStorage.removeItem(KEPT_INVITE);
  } catch {
    // storage off: nothing was kept
  }
}

export function ConnectScreen({ outcome, notice = "" }: { outcome: URLSearchParams | null; notice?: string }) {
  const [busy, error, run] = useAction();
  const refused = outcome?.get("connected") === "false";
  const code = outcome?.get("error") ?? "";
  const reason = outcome?.get("reason") ?? REFUSALS[code] ?? (code ? `Notion said: ${code}.` : "");
  const [{ code: invite, workspace }] = useState(() => {
    if (code !== "invite_not_valid" && code !== "invite_used_up") return inviteOf(outcome);
    forgetInvite(); // refused for good: never sent again
    return { code: "", workspace: "" };
  });
  const told = useInvitation({ code: invite, workspace });
  const kept = !!invite && !outcome?.get("invite");
  const connect = () =>
    run(async () => {
      keepReturn(window.location.hash);
      const headers: Record<string, string> = invite ? { [INVITE_HEADER]: invite } : {};
      const answer = await request<S["ConnectStart"]>("GET", url("/connect"), undefined, headers);
      if (answer.body) window.location.assign(answer.body.authorize_url);
    });
  return (
    <main id="main" class="connect">
      <h1>{told ? `Join ${told.workspace_name} on Notion Agent` : "Connect your Notion workspace"}</h1>
      <p>
        Notion Agent works in the pages and databases you share with it. Connecting opens Notion, where
        you choose what it may see; you come back here to choose what starts its work.
      </p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {invite && (
        <p>
          {told ? (
            <>
              You were invited to <strong>{told.workspace_name}</strong> as <strong>{ROLE_WORDS[told.role] ?? told.role}</strong>
            </>
          ) : (
            "You were invited"
          )}
          : connecting uses your invitation{kept ? " (kept from the invite link you opened earlier in this browser)" : ""}. Sign in to
          Notion with the email the invitation was sent to.
        </p>
      )}
      {refused && (
        <p class="error" role="alert">
          {reason}
        </p>
      )}
      <button type="button" class="primary" onClick={connect} disabled={busy}>
        {busy ? "Opening Notion…" : "Connect Notion"}
      </button>
      <ErrorText error={error} />
    </main>
  );
}

// The team: members and their roles, invites (the link shown once), who approves what. An action the
// signed-in person may not take is shown disabled with the reason, never hidden.
import { useState } from "preact/hooks";
import { type S, get, send, url } from "../api";
import { Columns, Confirm, ErrorText, Loading, useAction, useLoad, when } from "../ui";

type Role = S["TeamMember"]["role"];
type Granted = S["NewInvite"]["role"];
const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };
const GRANTED: Granted[] = ["admin", "editor", "viewer"];
const CLASSES: [keyof S["Approvers"], string][] = [
  ["question", "Answer a run's question"],
  ["approval", "Approve a request that names no change"],
  ["budget", "Approve going past a budget"],
  ["beyond_reach", "Approve a change or read beyond a run's own pages"],
  ["production", "Approve a production deployment"],
];

/** Why `me` may not give `role` ("" when they may): shared.domain.members.may_grant. */
function grantRefusal(me: Role, role: Role): string {
  if (role === "owner") return "Nobody is made owner: the owner is who connected the workspace.";
  if (me === "owner" || RANK[me] > RANK[role]) return "";
  return `Your role (${me}) gives only roles below yours.`;
}

/** Why `me` may not change or remove a member of `role` ("" when they may): members.may_manage. */
function manageRefusal(me: Role, role: Role): string {
  if (role === "owner") return "The owner cannot be changed or removed.";
  if (me === "owner" || RANK[me] > RANK[role]) return "";
  return `Your role (${me}) changes only members below yours.`;
}

export function TeamScreen({ session }: { session: S["SessionView"] }) {
  const me = (session.role || "viewer") as Role;
  const team = useLoad(() => get<S["TeamView"]>(url("/team")));
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Granted>("editor");
  const [made, setMade] = useState<S["MadeInvite"] | null>(null);
  const [busy, error, act] = useAction();
  const mayInvite = RANK[me] >= RANK.admin ? "" : `Your role (${me}) may not invite: an admin or the owner does.`;
  const invite = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      setMade(await send<S["MadeInvite"]>("POST", url("/team/invites"), { email, role }));
      setEmail("");
      team.reload();
    });
  };
  const change = (member: S["TeamMember"], to: Granted) =>
    act(async () => {
      await send("PATCH", url("/team/members/{member_id}", { member_id: member.member_id }), { role: to });
      team.reload();
    });
  const remove = (member: S["TeamMember"]) =>
    act(async () => {
      await send("DELETE", url("/team/members/{member_id}", { member_id: member.member_id }));
      team.reload();
    });
  const withdraw = (open: S["OpenInvite"]) =>
    act(async () => {
      await send("DELETE", url("/team/invites/{invite_id}", { invite_id: open.invite_id }));
      team.reload();
    });
  const approve = (key: keyof S["Approvers"], to: string) =>
    act(async () => {
      const now = team.data?.approvers;
      if (now) await send("PUT", url("/team/approvers"), { ...now, [key]: to });
      team.reload();
    });
  const ownerOnly = me === "owner" ? "" : "Only the owner chooses who approves what.";
  return (
    <section>
      <h1>Team</h1>
      <p>
        You are signed in as {session.email || "the owner"}, <strong>{me}</strong>.
      </p>
      <ErrorText error={error || team.error} />
      {team.loading && !team.data && <Loading what="the team" />}
      {made && (
        <div class="card made" role="status">
          <h2>Invite for {made.email}</h2>
          <p>
            We mailed them this link; it is shown here this once, should the mail not reach them. They open it and sign
            in with Notion under that email.
          </p>
          <label>
            The link
            <input readOnly value={made.link} class="key" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" onClick={() => setMade(null)}>
            Done
          </button>
        </div>
      )}
      {team.data && (
        <table class="team stack">
          <caption>Members</caption>
          <Columns names={["Person", "Role", "Since", "Remove"]} />
          <tbody>
            {team.data.members.map((member) => {
              const why = manageRefusal(me, member.role);
              return (
                <tr key={member.member_id}>
                  <td data-label="Person">{member.email || member.member_id}</td>
                  <td data-label="Role">
                    <select
                      aria-label={`Role of ${member.email}`}
                      value={member.role}
                      disabled={busy || !!why}
                      title={why}
                      onChange={(e) => change(member, e.currentTarget.value as Granted)}
                    >
                      {(member.role === "owner" ? ["owner"] : GRANTED).map((r) => (
                        <option key={r} value={r} disabled={!!grantRefusal(me, r as Role)}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-label="Since">{when(member.added_at)}</td>
                  <td data-label="Remove">
                    <Confirm
                      label="Remove"
                      question={`Remove ${member.name || member.email} from the team? Their sessions end at once; inviting them again is the only way back.`}
                      yes={`Yes, remove ${member.name || member.email}`}
                      act={() => void remove(member)}
                      disabled={busy || !!why}
                      title={why}
                    />
                    {why && <span class="hint"> {why}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form class="card" onSubmit={invite}>
        <h2>Invite a person</h2>
        {mayInvite && <p class="hint">{mayInvite}</p>}
        <label>
          Their Notion email
          <input type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required disabled={!!mayInvite} />
        </label>
        <label>
          Their role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Granted)} disabled={!!mayInvite}>
            {GRANTED.map((r) => (
              <option key={r} value={r} disabled={!!grantRefusal(me, r)}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={busy || !!mayInvite} title={mayInvite}>
          Make the invite
        </button>
      </form>
      {team.data && team.data.invites.length > 0 && (
        <ul class="invites">
          {team.data.invites.map((open) => (
            <li key={open.invite_id}>
              {open.email} as {open.role}, until {when(open.expires_at)}{" "}
              <button type="button" onClick={() => withdraw(open)} disabled={busy || !!mayInvite} title={mayInvite}>
                Withdraw
              </button>
            </li>
          ))}
        </ul>
      )}
      {team.data && (
        <fieldset class="card">
          <legend>Who approves what</legend>
          {ownerOnly && <p class="hint">{ownerOnly}</p>}
          {CLASSES.map(([key, words]) => (
            <label key={key}>
              {words}
              <select
                value={team.data?.approvers[key]}
                disabled={busy || !!ownerOnly}
                title={ownerOnly}
                onChange={(e) => approve(key, e.currentTarget.value)}
              >
                {(key === "production" ? ["owner", "admin"] : ["owner", "admin", "editor"]).map((r) => (
                  <option key={r} value={r}>
                    {r} {r === "owner" ? "only" : "or above"}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}

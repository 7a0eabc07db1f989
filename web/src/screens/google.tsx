// Connect Google (docs/mail.md, docs/calendar.md): whether the deployment has a Google OAuth client,
// each agent's connected mailbox (the owner connects an agent's address at Google's consent page and
// disconnects it) and each member's calendar (each person connects and disconnects their own). A
// disconnect stops Google's notifications and revokes the grant at Google.
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Confirm, ErrorText, Loading, keepReturn, useAction, useLoad } from "../ui";

/** To Google's consent page, then back to Integrations (the api's callback sends the browser here). */
async function toGoogle(path: "/google/connect/mailbox" | "/google/connect/calendar", body?: object): Promise<void> {
  const answer = await send<S["GoogleConnectStart"]>("POST", url(path), body);
  keepReturn("#/integrations");
  window.location.assign(answer.authorize_url);
}

function Mailboxes({ google, changed }: { google: S["GoogleIntegration"]; changed: () => void }) {
  const may = roleRefusal("owner", "connect or disconnect an agent's mailbox");
  const agents = useLoad(() => (may ? Promise.resolve({ agents: [] }) : get<S["AgentList"]>(url("/agents"))), may);
  const [agent, setAgent] = useState("");
  const [address, setAddress] = useState("");
  const [busy, error, act] = useAction();
  const names = new Map((agents.data?.agents ?? []).map((a) => [a.agent_id, a.name]));
  const chosen = agent || agents.data?.agents[0]?.agent_id || ""; // the first agent until one is picked
  const start = (event: Event) => {
    event.preventDefault();
    void act(() => toGoogle("/google/connect/mailbox", { agent_id: chosen, address }));
  };
  const boxes = google.mailboxes ?? [];
  const disconnect = (gone: string) =>
    act(async () => {
      await send("DELETE", url("/google/mailboxes/{address}", { address: gone }));
      changed();
    });
  return (
    <>
      <h3>Agents' mailboxes</h3>
      {boxes.length === 0 && <p>No agent has a mailbox yet.</p>}
      <ul class="plain" aria-label="Agents' mailboxes">
        {boxes.map((box) => (
          <li key={box.address}>
            <strong>{box.address}</strong> for {names.get(box.agent_id ?? "") ?? box.agent_id ?? "no agent"}{" "}
            <span class="status status-completed">Connected</span>{" "}
            <Confirm
              label={`Disconnect ${box.address}`}
              question={`Disconnect ${box.address}? Its mail stops reaching the agent and Google's access is revoked.`}
              yes={`Yes, disconnect ${box.address}`}
              act={() => void disconnect(box.address)}
              disabled={busy || !!may}
              title={may}
            />
          </li>
        ))}
      </ul>
      {may && <p class="hint">{may}</p>}
      {!google.mailboxes_offered && <p class="hint">This deployment watches no mailboxes (its operator sets NA_MAIL_TOPIC).</p>}
      {google.mailboxes_offered && !may && (
        <form class="inline" onSubmit={start}>
          <label>
            Agent
            <select value={chosen} onChange={(e) => setAgent(e.currentTarget.value)} required>
              {(agents.data?.agents ?? []).map((a) => (
                <option key={a.agent_id} value={a.agent_id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Agent's address
            <input type="email" value={address} onInput={(e) => setAddress(e.currentTarget.value)} placeholder="scribe@acme.example" required />
          </label>
          <button type="submit" disabled={busy || !agents.data?.agents.length}>
            Connect Google for this address
          </button>
        </form>
      )}
      <ErrorText error={agents.error ?? error} />
    </>
  );
}

function Calendars({ calendars, offered, changed }: { calendars: S["CalendarPerson"][]; offered: boolean; changed: () => void }) {
  const [busy, error, act] = useAction();
  const disconnect = () =>
    act(async () => {
      await send("DELETE", url("/google/calendar"));
      changed();
    });
  if (!offered) return <p class="hint">This deployment connects no calendars (its operator sets NA_CALENDAR_PUSH_ADDRESS).</p>;
  return (
    <>
      <h3>People's calendars</h3>
      <ul class="plain" aria-label="People's calendars">
        {calendars.map((person) => (
          <li key={person.member_id}>
            <strong>{person.email || person.member_id}</strong>
            {person.yours ? " (you)" : ""}{" "}
            <span class={person.connected ? "status status-completed" : "status"}>{person.connected ? "Connected" : "Not connected"}</span>{" "}
            {person.yours && person.connected && (
              <Confirm
                label="Disconnect my calendar"
                question="Disconnect your calendar? Its meetings stop starting agents and Google's access is revoked."
                yes="Yes, disconnect my calendar"
                act={() => void disconnect()}
                disabled={busy}
              />
            )}
            {person.yours && !person.connected && (
              <button type="button" disabled={busy} onClick={() => void act(() => toGoogle("/google/connect/calendar"))}>
                Connect my calendar
              </button>
            )}
          </li>
        ))}
      </ul>
      <ErrorText error={error} />
    </>
  );
}

/** Google's card on Integrations: connected or not, the agents' mailboxes and the people's calendars. */
export function GoogleCard({ list, changed }: { list: S["IntegrationList"] | null; changed: () => void }) {
  const google = list?.google;
  if (!list) return <Loading what="Google" />;
  const calendars = list.calendars ?? [];
  const connected = !!google && ((google.mailboxes ?? []).length > 0 || calendars.some((c) => c.connected));
  return (
    <section class="card" aria-labelledby="google-title">
      <h2 id="google-title">
        Google <span class={connected ? "status status-completed" : "status"}>{connected ? "Connected" : "Not connected"}</span>
      </h2>
      <p>Give an agent its own Google Workspace address, and let each person connect their Google Calendar: Google asks each account for its consent.</p>
      {!google?.configured ? (
        <p class="hint">This deployment has no Google OAuth client (its operator sets NA_GOOGLE_OAUTH_CLIENT_ID, docs/deploy.md).</p>
      ) : (
        <>
          <Mailboxes google={google} changed={changed} />
          <Calendars calendars={calendars} offered={google.calendars_offered} changed={changed} />
        </>
      )}
    </section>
  );
}

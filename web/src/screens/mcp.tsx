// Integrations → MCP servers: an admin connects a remote MCP server by its URL and a header
// token (never shown again) or OAuth (its authorization page opened, then back here: decision 0220;
// a client registered by hand for a server without dynamic registration, its secret never shown
// again), sees the tools it listed, and sets each tool's policy for one agent: off,
// ask first or allowed, with what the tool can promise about "once". A server paused after failed
// calls in a row says so and why, and an admin resumes it. A disconnect says whether the server's
// OAuth tokens were revoked. Tool descriptions are the server's words: plain text, never markup.
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Confirm, ErrorText, Loading, keepReturn, useAction, useLoad } from "../ui";

const POLICIES: [S["McpPolicyChange"]["policy"], string][] = [
  ["off", "Off"],
  ["ask", "Ask first"],
  ["allowed", "Allowed"],
];

function ConnectForm({ done, may }: { done: () => void; may: string }) {
  const [name, setName] = useState("");
  const [where, setWhere] = useState("");
  const [token, setToken] = useState("");
  const [oauth, setOauth] = useState(false);
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [busy, error, act] = useAction();
  const connect = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      if (oauth) {
        // The server's authorization page, then its redirect to the api's callback, then back here.
        // A client registered by hand (a server without dynamic registration): its id, and its secret if any.
        const client = clientId.trim() ? { client_id: clientId.trim(), ...(clientSecret ? { client_secret: clientSecret } : {}) } : {};
        const body: S["McpOAuthConnect"] = { name, url: where, ...client };
        const started = await send<S["McpOAuthStarted"]>("POST", url("/mcp/servers/oauth"), body);
        keepReturn("#/integrations");
        window.location.assign(started.authorization_url);
        return;
      }
      await send("POST", url("/mcp/servers"), { name, url: where, token });
      setName("");
      setWhere("");
      setToken("");
      done();
    });
  };
  return (
    <form class="inline" onSubmit={connect} aria-label="Connect an MCP server">
      <label>
        Server name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required disabled={!!may} />
      </label>
      <label>
        MCP endpoint URL
        <input type="url" value={where} onInput={(e) => setWhere(e.currentTarget.value)} required disabled={!!may} />
      </label>
      <label>
        Authorization
        <select value={oauth ? "oauth" : "token"} onChange={(e) => setOauth(e.currentTarget.value === "oauth")} disabled={!!may}>
          <option value="token">Header token</option>
          <option value="oauth">OAuth (the server's sign-in page)</option>
        </select>
      </label>
      {!oauth && (
        <label>
          Header token
          <input type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required disabled={!!may} />
        </label>
      )}
      {oauth && (
        <fieldset>
          <legend>Client registered by hand (only for a server that does not register clients itself)</legend>
          <label>
            OAuth client ID
            <input autoComplete="off" value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} disabled={!!may} />
          </label>
          <label>
            OAuth client secret (if it has one; never shown again)
            <input type="password" autoComplete="off" value={clientSecret} onInput={(e) => setClientSecret(e.currentTarget.value)} disabled={!!may || !clientId.trim()} />
          </label>
        </fieldset>
      )}
      <button type="submit" disabled={busy || !!may} title={may}>
        Connect MCP server
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function Policy({ agent, row, changed }: { agent: string; row: S["McpToolPolicy"]; changed: () => void }) {
  const [busy, error, act] = useAction();
  const set = (policy: string) =>
    act(async () => {
      await send("PUT", url("/mcp/policies/{agent_id}", { agent_id: agent }), { server: row.server, tool: row.tool, policy });
      changed();
    });
  return (
    <>
      <select aria-label={`Policy of ${row.tool}`} value={row.policy} disabled={busy} onChange={(e) => void set(e.currentTarget.value)}>
        {POLICIES.map(([value, words]) => (
          <option key={value} value={value}>
            {words}
          </option>
        ))}
      </select>
      <ErrorText error={error} />
    </>
  );
}

/** What a disconnect did with the server's secrets, in words: its OAuth tokens revoked or not, and why. */
function removedWords(name: string, removed: S["McpServerRemoved"]): string {
  switch (removed.revocation) {
    case "revoked":
      return `${name} is disconnected: its OAuth tokens were revoked at its authorization server and deleted here.`;
    case "not_offered":
    case "failed":
      return `${name} is disconnected; ${removed.revocation_why}.`;
    default:
      return `${name} is disconnected: its header token was deleted.`;
  }
}

type CardProps = { server: S["McpServerView"]; agent: string; policies: S["McpToolPolicy"][]; changed: () => void; removed: (words: string) => void };

function ServerCard({ server, agent, policies, changed, removed }: CardProps) {
  const [busy, error, act] = useAction();
  const disconnect = () =>
    act(async () => {
      const gone = await send<S["McpServerRemoved"]>("DELETE", url("/mcp/servers/{server_id}", { server_id: server.id }));
      removed(removedWords(server.name, gone));
      changed();
    });
  const resume = () =>
    act(async () => {
      await send("POST", url("/mcp/servers/{server_id}/resume", { server_id: server.id }));
      changed();
    });
  const mine = policies.filter((p) => p.server === server.id);
  return (
    <section class="card" aria-labelledby={`mcp-${server.id}`}>
      <h3 id={`mcp-${server.id}`}>
        {server.name} {server.paused_at ? <span class="status status-failed">Paused</span> : <span class="status status-completed">Connected</span>}
      </h3>
      {server.paused_at && (
        <p role="status">
          Paused {new Date(server.paused_at).toLocaleString()} after {server.paused_why || "failed calls in a row"}: agents are not offered its tools and none is
          called until you resume it.{" "}
          <button type="button" onClick={() => void resume()} disabled={busy}>
            Resume {server.name}
          </button>
        </p>
      )}
      <p>
        <code>{server.url}</code> ({server.auth === "oauth" ? "OAuth" : "header token"}): {server.tools.length} tools, listed {new Date(server.listed_at).toLocaleString()}
        {server.tools_changed_at ? " (the server says they changed: listed again on the next run)" : ""}.
      </p>
      <table>
        <caption>Tools of {server.name}, and what the agent may do with each</caption>
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">What the server says it does (its words)</th>
            <th scope="col">Policy</th>
            <th scope="col">Once?</th>
          </tr>
        </thead>
        <tbody>
          {server.tools.map((tool) => {
            const row = mine.find((p) => p.tool === tool.name);
            return (
              <tr key={tool.name}>
                <th scope="row">
                  {tool.name}
                  {tool.read_only ? " (read-only, says the server)" : ""}
                </th>
                <td>{tool.description}</td>
                <td>{row ? <Policy agent={agent} row={row} changed={changed} /> : "…"}</td>
                <td>{row?.once ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Confirm
        label={`Disconnect ${server.name}`}
        question={
          server.auth === "oauth"
            ? `Disconnect ${server.name}? Its OAuth tokens are revoked where its server allows it and deleted, and no agent can call its tools.`
            : `Disconnect ${server.name}? Its token is deleted and no agent can call its tools.`
        }
        yes={`Yes, disconnect ${server.name}`}
        act={() => void disconnect()}
        disabled={busy}
      />
      <ErrorText error={error} />
    </section>
  );
}

/** The MCP servers' card of Integrations: an admin's alone (the api refuses the others). */
export function McpServers() {
  const may = roleRefusal("admin", "connect MCP servers or set what agents may do with their tools");
  const [agent, setAgent] = useState("default");
  const [gone, setGone] = useState("");
  const servers = useLoad(() => (may ? Promise.resolve({ servers: [] }) : get<S["McpServerList"]>(url("/mcp/servers"))));
  // The agents and their policies only once a server is connected: with none, Integrations asks the
  // api nothing more for this card (a person's requests stay within their pace, docs/newcomer-frictions.md L16).
  const none = may !== "" || (servers.data?.servers.length ?? 0) === 0;
  const agents = useLoad(() => (none ? Promise.resolve({ agents: [] }) : get<S["AgentList"]>(url("/agents"))), String(none));
  const policies = useLoad(
    () => (none ? Promise.resolve({ agent_id: agent, tools: [] }) : get<S["McpPolicies"]>(url("/mcp/policies/{agent_id}", { agent_id: agent }))),
    `${agent}:${none}`,
  );
  const changed = () => {
    servers.reload();
    policies.reload();
  };
  return (
    <section class="card" aria-labelledby="mcp-title">
      <h2 id="mcp-title">MCP servers</h2>
      <p>
        Tools of a remote MCP server your agents may call. Ask first: each call waits for an approval of its exact arguments. Allowed: called without asking. Off:
        never offered. Unset, a tool the server calls read-only is allowed and any other asks first.
      </p>
      {may ? (
        <p class="hint">{may}</p>
      ) : (
        <>
          <ConnectForm done={changed} may={may} />
          {gone && <p role="status">{gone}</p>}
          <ErrorText error={servers.error ?? policies.error} />
          {servers.loading && !servers.data && <Loading what="MCP servers" />}
          {servers.data && servers.data.servers.length > 0 && (
            <label>
              Agent
              <select value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
                {(agents.data?.agents ?? [{ agent_id: "default", name: "Default agent" }]).map((a) => (
                  <option key={a.agent_id} value={a.agent_id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {servers.data?.servers.map((server) => (
            <ServerCard key={server.id} server={server} agent={agent} policies={policies.data?.tools ?? []} changed={changed} removed={setGone} />
          ))}
        </>
      )}
    </section>
  );
}

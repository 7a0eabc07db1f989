// Integrations: GitHub, Vercel, Slack and Discord, connected by a token that is never shown again;
// Linear and GitLab also with the deployment's OAuth app (the tool's own page, then back here).
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { ErrorText, Loading, useAction, useLoad } from "../ui";

const WHAT: Record<S["Integration"], [string, string]> = {
  github: ["GitHub", "A token that may open pull requests in the repositories you list in settings."],
  vercel: ["Vercel", "A token that may deploy the projects you list in settings."],
  slack: ["Slack", "A bot token; notifications go to the Slack channel named in settings."],
  discord: ["Discord", "An incoming webhook's URL; notifications go to its channel."],
};

function One({ name, connected, changed }: { name: S["Integration"]; connected: boolean; changed: () => void }) {
  const [token, setToken] = useState("");
  const [busy, error, act] = useAction();
  const [title, help] = WHAT[name];
  const may = roleRefusal("admin", `connect or disconnect ${title}`);
  const connect = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      await send("PUT", url("/integrations/{name}", { name }), { token });
      setToken("");
      changed();
    });
  };
  const disconnect = () =>
    act(async () => {
      await send("DELETE", url("/integrations/{name}", { name }));
      changed();
    });
  return (
    <section class="card" aria-labelledby={`${name}-title`}>
      <h2 id={`${name}-title`}>
        {title} <span class={connected ? "status status-completed" : "status"}>{connected ? "Connected" : "Not connected"}</span>
      </h2>
      <p>{help}</p>
      {may && <p class="hint">{may}</p>}
      {connected ? (
        <button type="button" onClick={disconnect} disabled={busy || !!may} title={may}>
          Disconnect {title}
        </button>
      ) : (
        <form class="inline" onSubmit={connect}>
          <label>
            {title} token
            <input type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required disabled={!!may} />
          </label>
          <button type="submit" disabled={busy || !!may} title={may}>
            Connect {title}
          </button>
        </form>
      )}
      <ErrorText error={error} />
    </section>
  );
}

type Tracker = "linear" | "gitlab";
const TRACKERS: Record<Tracker, [string, string, string]> = {
  linear: ["Linear", "team_id", "Linear team id"],
  gitlab: ["GitLab", "project", "GitLab project (group/project)"],
};

/** "Connect with Linear/GitLab": the api's authorize URL, then the tool's consent page (decision 0125). */
function WithOAuth({ tool }: { tool: Tracker }) {
  const [where, setWhere] = useState("");
  const [busy, error, act] = useAction();
  const [title, field, label] = TRACKERS[tool];
  const may = roleRefusal("admin", `connect ${title}`);
  const start = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const path = tool === "linear" ? "/sync/linear/oauth" : "/sync/gitlab/oauth";
      const answer = await send<S["OAuthStart"]>("POST", url(path), { [field]: where });
      window.location.assign(answer.authorize_url);
    });
  };
  return (
    <form class="inline" onSubmit={start}>
      <label>
        {label}
        <input value={where} onInput={(e) => setWhere(e.currentTarget.value)} required disabled={!!may} />
      </label>
      <button type="submit" disabled={busy || !!may} title={may}>
        Connect with {title}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

export function IntegrationsScreen() {
  const list = useLoad(() => get<S["IntegrationList"]>(url("/integrations")));
  const states = list.data?.integrations;
  return (
    <section>
      <h1>Integrations</h1>
      <ErrorText error={list.error} />
      {list.loading && !states && <Loading what="integrations" />}
      {states &&
        (Object.keys(WHAT) as S["Integration"][]).map((name) => (
          <One key={name} name={name} connected={states[name].connected} changed={list.reload} />
        ))}
      <section class="card" aria-labelledby="trackers-title">
        <h2 id="trackers-title">Linear and GitLab</h2>
        <p>Sign in at the tool and allow access; its tasks are then kept in step with your Tasks. A key works too (the api's PUT /sync/linear or /sync/gitlab).</p>
        {(Object.keys(TRACKERS) as Tracker[]).map((tool) => (
          <WithOAuth key={tool} tool={tool} />
        ))}
      </section>
    </section>
  );
}

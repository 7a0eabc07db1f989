// Integrations: GitHub, Vercel, Slack and Discord, connected by a token that is never shown again.
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
    </section>
  );
}

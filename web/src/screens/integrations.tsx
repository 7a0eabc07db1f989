// Integrations: GitHub, Vercel, Slack and Discord, connected by a token that is never shown again;
// Linear and GitLab with the deployment's OAuth app (the tool's own page, then back here) or a key,
// Motion with a key (tool_keys.tsx), each shown connected or not, and disconnected once confirmed;
// Google's agents' mailboxes and people's calendars (google.tsx); MCP servers (mcp.tsx) and outgoing
// webhooks (webhooks.tsx).
import { useRef, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Confirm, ErrorText, type Loaded, Loading, keepReturn, useAction, useLoad } from "../ui";
import { GoogleCard } from "./google";
import { McpServers } from "./mcp";
import { SyncLog } from "./sync_log";
import { CopyChoice, KeyForm, type Tool } from "./tool_keys";
import { Webhooks } from "./webhooks";

const WHAT: Record<S["Integration"], [string, string]> = {
  github: ["GitHub", "A token that may open pull requests in the repositories you list in settings."],
  vercel: ["Vercel", "A token that may deploy the projects you list in settings."],
  slack: ["Slack", "Add the app to your Slack, or paste its bot token; notifications go to the Slack channel named in settings."],
  discord: ["Discord", "An incoming webhook's URL; notifications go to its channel."],
};

function One({ name, connected, account, changed }: { name: S["Integration"]; connected: boolean; account?: string | null; changed: () => void }) {
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
  // "Add to Slack": Slack's install page for the deployment's app, then back here (decision 0182).
  const install = () =>
    act(async () => {
      const answer = await send<S["SlackInstallStart"]>("POST", url("/slack/install"));
      keepReturn("#/integrations");
      window.location.assign(answer.authorize_url);
    });
  return (
    <section class="card" aria-labelledby={`${name}-title`}>
      <h2 id={`${name}-title`}>
        {title} <span class={connected ? "status status-completed" : "status"}>{connected ? "Connected" : "Not connected"}</span>
      </h2>
      <p>{help}</p>
      {connected && account && (
        <p>
          Its token acts as <strong>{account}</strong>.
        </p>
      )}
      {may && <p class="hint">{may}</p>}
      {connected ? (
        <button type="button" onClick={disconnect} disabled={busy || !!may} title={may}>
          Disconnect {title}
        </button>
      ) : (
        <>
          {name === "slack" && (
            <button type="button" onClick={install} disabled={busy || !!may} title={may}>
              Add to Slack
            </button>
          )}
          <form class="inline" onSubmit={connect}>
          <label>
            {title} token
            <input type="password" autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required disabled={!!may} />
          </label>
          <button type="submit" disabled={busy || !!may} title={may}>
            Connect {title}
          </button>
          </form>
        </>
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
const TITLES: Record<Tool, string> = { linear: "Linear", gitlab: "GitLab", motion: "Motion" };
const TRACKER_PATHS = {
  linear: ["/sync/linear", "/sync/linear/oauth"],
  gitlab: ["/sync/gitlab", "/sync/gitlab/oauth"],
  motion: ["/sync/motion"],
} as const;
type TrackerStatus = S["LinearStatus"] | S["GitLabStatus"] | S["MotionStatus"];

/** Where a connected tracker keeps tasks in step: its team, or its project on its instance. */
function where(status: TrackerStatus): string {
  if ("team" in status && status.team) return `the team ${status.team.name}`;
  if ("project" in status && status.project) return `the project ${status.project.path} at ${status.base_url ?? "GitLab"}`;
  if ("workspace" in status && status.workspace) return `the workspace ${status.workspace.name}`;
  return "its workspace";
}

/** "Connect with Linear/GitLab": the api's authorize URL, then the tool's consent page (decision 0125). */
function WithOAuth({ tool }: { tool: Tracker }) {
  const [where, setWhere] = useState("");
  const [copy, setCopy] = useState(false);
  const [busy, error, act] = useAction();
  const [title, field, label] = TRACKERS[tool];
  const may = roleRefusal("admin", `connect ${title}`);
  const start = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const answer = await send<S["OAuthStart"]>("POST", url(TRACKER_PATHS[tool][1]), { [field]: where, copy_other_tools: copy });
      keepReturn("#/integrations"); // back here once the tool sends the browser to the console
      window.location.assign(answer.authorize_url);
    });
  };
  return (
    <form class="inline" onSubmit={start}>
      <label>
        {label}
        <input value={where} onInput={(e) => setWhere(e.currentTarget.value)} required disabled={!!may} />
      </label>
      <CopyChoice tool={tool} title={title} on={copy} set={setCopy} disabled={!!may} />
      <button type="submit" disabled={busy || !!may} title={may}>
        Connect with {title}
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** Linear, GitLab or Motion: connected (where, and Disconnect once confirmed), else the OAuth connect
 * (Linear, GitLab) and the key's form (behind "Use a key instead" where OAuth is offered). */
function TrackerCard({ tool, status }: { tool: Tool; status: Loaded<TrackerStatus> }) {
  const title = TITLES[tool];
  const [busy, error, act] = useAction();
  const [note, setNote] = useState("");
  const may = roleRefusal("admin", `connect or disconnect ${title}`);
  const connected = status.data?.connected === true;
  const keyed = () => {
    setNote(`${title} is connected with the key.`);
    status.reload();
  };
  const disconnect = () =>
    act(async () => {
      const gone = await send<S["LinearDisconnected"] | S["GitLabDisconnected"] | S["MotionDisconnected"]>("DELETE", url(TRACKER_PATHS[tool][0]));
      const said = gone.token_revoked ? `${title} revoked our access; it is disconnected.` : `${title} is disconnected.`;
      setNote(gone.note ?? said);
      status.reload();
    });
  return (
    <section class="card" aria-labelledby={`${tool}-title`}>
      <h2 id={`${tool}-title`}>
        {title} <span class={connected ? "status status-completed" : "status"}>{connected ? "Connected" : "Not connected"}</span>
      </h2>
      <ErrorText error={status.error} />
      {status.loading && !status.data && <Loading what={`${title}'s connection`} />}
      {may && <p class="hint">{may}</p>}
      {status.data && connected && (
        <>
          <p>
            Tasks are kept in step with {where(status.data)}
            {status.data.account ? `, as ${status.data.account}` : ""}.
          </p>
          <p>
            {status.data.copy_other_tools
              ? `Tasks made in the other connected trackers are copied to ${title} too.`
              : `Tasks made in the other connected trackers are not copied to ${title}: only those made in Notion or in ${title}.`}
          </p>
          <Confirm
            label={`Disconnect ${title}`}
            question={`Disconnect ${title}? Its tasks stop being kept in step and ${tool === "motion" ? "our copy of its key is deleted" : "its access is revoked"}.`}
            yes={`Yes, disconnect ${title}`}
            act={() => void disconnect()}
            disabled={busy || !!may}
            title={may}
          />
        </>
      )}
      {status.data && !connected && tool === "motion" && <KeyForm tool={tool} title={title} done={keyed} />}
      {status.data && !connected && tool !== "motion" && (
        <>
          <WithOAuth tool={tool} />
          <details>
            <summary>Use a key instead</summary>
            <KeyForm tool={tool} title={title} done={keyed} />
          </details>
        </>
      )}
      {note && <p role="status">{note}</p>}
      <ErrorText error={error} />
    </section>
  );
}

/** Each tracker's status, asked once for its card and the sync log (the screen asked
 * each twice, and with the OAuth return went past a person's burst of requests, a 429). */
function useTrackerStatuses(): Record<Tool, Loaded<TrackerStatus>> {
  return {
    linear: useLoad(() => get<TrackerStatus>(url(TRACKER_PATHS.linear[0]))),
    gitlab: useLoad(() => get<TrackerStatus>(url(TRACKER_PATHS.gitlab[0]))),
    motion: useLoad(() => get<TrackerStatus>(url(TRACKER_PATHS.motion[0]))),
  };
}

export function IntegrationsScreen() {
  const list = useLoad(() => get<S["IntegrationList"]>(url("/integrations")));
  const states = list.data?.integrations;
  const trackers = useTrackerStatuses();
  // The sync log is asked for once the three statuses are in (each one arriving asked it again for all the
  // tools connected so far: with the OAuth return, past a person's burst, docs/newcomer-frictions.md L16); a status asked
  // again keeps the last list meanwhile.
  const tools = Object.keys(TITLES) as Tool[];
  const settled = useRef<Tool[]>([]);
  if (tools.every((tool) => !trackers[tool].loading)) {
    const now = tools.filter((tool) => trackers[tool].data?.connected === true);
    if (now.join(",") !== settled.current.join(",")) settled.current = now;
  }
  const connected = settled.current;
  return (
    <section>
      <h1>Integrations</h1>
      <ErrorText error={list.error} />
      {list.loading && !states && <Loading what="integrations" />}
      {states &&
        (Object.keys(WHAT) as S["Integration"][]).map((name) => (
          <One key={name} name={name} connected={states[name].connected} account={states[name].account} changed={list.reload} />
        ))}
      {states && <GoogleCard list={list.data} changed={list.reload} />}
      <p>
        Linear and GitLab: sign in at the tool and allow access, or use a key; Motion: paste its API key. Their tasks are then kept in step with your Tasks.
      </p>
      {(Object.keys(TITLES) as Tool[]).map((tool) => (
        <TrackerCard key={tool} tool={tool} status={trackers[tool]} />
      ))}
      <SyncLog connected={connected} />
      <McpServers />
      <Webhooks />
    </section>
  );
}

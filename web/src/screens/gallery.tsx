// The gallery (GET /agent-templates, decision 0184): agents to start from, each with what it does, what
// starts it, what it may read and change and the tools it uses, in words. "Use this agent" makes it in
// the workspace, off (POST /agent-templates/{id}/agents), shows its dry run on a page, then "Turn on"
// (POST /agents/{id}/resume) and its record.
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { ErrorText, LoadState, useAction, useLoad } from "../ui";
import { DatabaseChoice, TryIt, options } from "./agent_builder";
import { AgentRecord } from "./agent_record";

type Template = S["TemplateView"];
type Agent = S["AgentView"];

function newRequestId(): string {
  return `use-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

export function GalleryScreen() {
  const list = useLoad(() => get<S["TemplateList"]>(url("/agent-templates")));
  const [open, setOpen] = useState("");
  return (
    <section>
      <h1>Gallery</h1>
      <p>
        Agents to start from. Each is made in your workspace with its instructions in a Notion page you can edit, and stays off until
        you turn it on: first a dry run shows what it would do on a page of yours.
      </p>
      <LoadState of={list} what="the gallery" />
      <ul class="agents gallery">
        {(list.data?.templates ?? []).map((t) => (
          <li key={t.template_id} class="card">
            <h2>{t.name}</h2>
            <p>{t.does}</p>
            <p>
              <strong>What starts it:</strong> {t.starts}
            </p>
            <p>
              <strong>What it reaches:</strong> {t.reach}
            </p>
            <p>
              <strong>Tools:</strong> {t.tools_words}
            </p>
            <p class="hint">Made for {t.for_pages.join("; ")}.</p>
            <details>
              <summary>Its instructions</summary>
              <blockquote class="instructions">{t.instructions}</blockquote>
            </details>
            <button
              type="button"
              aria-expanded={open === t.template_id}
              aria-label={open === t.template_id ? `Close ${t.name}` : `Use this agent: ${t.name}`}
              onClick={() => setOpen(open === t.template_id ? "" : t.template_id)}
            >
              {open === t.template_id ? "Close" : "Use this agent"}
            </button>
            {open === t.template_id && <UseTemplate template={t} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What the person chooses (the template's `needs`), the agent made off, its dry run, "Turn on". The
 * request's id is kept, so a double click or a retry makes one agent. */
function UseTemplate({ template }: { template: Template }) {
  const may = roleRefusal("admin", "make an agent");
  const needsDatabase = template.needs.includes("database");
  const needsRepository = template.needs.includes("repository");
  const sources = useLoad(() => get<S["PickerPage"]>(url("/notion/pages", {}, { kind: "data_source", page_size: "100" })));
  const pages = useLoad(() => get<S["PickerPage"]>(url("/notion/pages", {}, { kind: "page", page_size: "50" })));
  const [database, setDatabase] = useState("");
  const [repository, setRepository] = useState("");
  const [requestId] = useState(newRequestId);
  const [agent, setAgent] = useState<Agent | null>(null);
  const [busy, error, act] = useAction();
  const make = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const body = {
        request_id: requestId,
        ...(needsDatabase ? { data_source_id: database } : {}),
        ...(needsRepository ? { repository: repository.trim() } : {}),
      };
      setAgent(await send<Agent>("POST", url("/agent-templates/{template_id}/agents", { template_id: template.template_id }), body));
    });
  };
  const turnOn = () =>
    act(async () => {
      if (agent) setAgent(await send<Agent>("POST", url("/agents/{agent_id}/resume", { agent_id: agent.agent_id })));
    });
  if (!agent)
    return (
      <form class="use" onSubmit={make}>
        {may && <p class="hint">{may}</p>}
        {needsDatabase && <DatabaseChoice label="Database it works on" value={database} set={setDatabase} sources={sources.data?.results} />}
        {needsRepository && (
          <label>
            Repository (owner/name)
            <input value={repository} onInput={(e) => setRepository(e.currentTarget.value)} maxLength={201} required />
          </label>
        )}
        <p class="hint">It is made off: nothing starts it until you turn it on.</p>
        <button type="submit" class="primary" disabled={busy || !!may || (needsDatabase && !database)} title={may}>
          Make {template.name}, off
        </button>
        <ErrorText error={error || sources.error} />
      </form>
    );
  const turns = roleRefusal("admin", "turn an agent on");
  return (
    <div class="use">
      <p role="status">
        {agent.name} is in your workspace, {agent.paused ? "off" : "on"}.{" "}
        {agent.instructions_url && (
          <a href={agent.instructions_url} target="_blank" rel="noreferrer">
            Its instructions page in Notion
          </a>
        )}
      </p>
      <TryIt agent={agent} pages={options(pages.data?.results)} />
      {agent.paused ? (
        <>
          <button type="button" class="primary" disabled={busy || !!turns} title={turns} onClick={() => void turnOn()}>
            Turn on {agent.name}
          </button>
          {turns && <p class="hint">{turns}</p>}
        </>
      ) : (
        <>
          <p>
            {agent.name} is on. {template.starts} Change it on the <a href="#/agents">Agents</a> screen.
          </p>
          <AgentRecord agentId={agent.agent_id} />
        </>
      )}
      <ErrorText error={error || pages.error} />
    </div>
  );
}

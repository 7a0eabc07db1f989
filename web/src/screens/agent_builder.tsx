// The agent builder: an agent's trigger rules (pages, trackers, meetings: meeting_rules.tsx), its Slack
// channels and mail (agent_channels.tsx), reach, tools, budget, reviewer and
// where it reports, each explained in one sentence, and "Try it on this page": the plan it would make
// and the approvals it would need, with no effect (POST /agents/{id}/dry-run).
import { useState } from "preact/hooks";
import { ApiError, type S, get, roleRefusal, send, url } from "../api";
import { Choice, ErrorText, Invalid, type Problems, invalid, money, plainId, useAction, useLoad } from "../ui";
import { NO_RULES, type RuleDraft, Rules, checkRules, draftOfRules, rulesOf } from "./onboarding";
import { AgentChannels } from "./agent_channels";
import { MeetingRules } from "./meeting_rules";
import { connected } from "./tracker_reach";

type Agent = S["AgentView"];
type Item = S["PickerItem"];
type TrackerRule = S["TrackerRule"];
const ONS: [TrackerRule["on"], string][] = [
  ["assigned", "An issue is assigned to the user"],
  ["mentioned", "An issue or comment mentions the user"],
];
// The api's pattern refusals of a tracker rule's fields, in words (its 400 quotes the pattern).
const PATTERN_WORDS: Record<string, string> = {
  user: "is not a tracker user name: letters, digits, dots, dashes and underscores, no spaces",
  target: "is not a connected Linear team or GitLab project",
};
const REVIEWS: [S["Review"], string][] = [
  ["off", "No reviewer"],
  ["same", "The same model reviews"],
  ["other", "The other model reviews"],
];
const REPORTS: [S["ReportsTo"], string][] = [
  ["runs_row", "Its row in the Runs database"],
  ["notion_comment", "A comment on the page it worked on"],
  ["notification", "A notification (email or chat)"],
];

/** What starts the agent, in words: its rules, or that it starts only when named. */
export function startsWords(agent: Agent): string {
  if (agent.default)
    return "It starts on the trigger rules of Settings, and when a comment mentions it: on a chosen database's page, only where that database's rules tick “A comment mentions the agent”.";
  const sources = Object.keys(agent.triggers ?? {}).length;
  if (!sources)
    return `No trigger rule: ${agent.name} starts only when named, in a comment that mentions Notion Agent and says “${agent.name}”, or on its schedules.`;
  return `Each matching edit in ${sources} data source${sources === 1 ? "" : "s"} starts a run of ${agent.name} (and costs one).`;
}

/** Pages or databases as a choice's options: (id, title). */
export function options(items: Item[] | undefined): [string, string][] {
  return (items ?? []).map((i): [string, string] => [i.id, i.title || "Untitled"]);
}

/** A choice of one of the workspace's databases (`sources`: GET /notion/pages?kind=data_source). */
export function DatabaseChoice({ label, value, set, sources }: { label: string; value: string; set: (id: string) => void; sources: Item[] | undefined }) {
  return <Choice label={label} value={value} options={options(sources)} set={set} blank="Choose a database…" />;
}

function titled(items: Item[], id: string): string {
  return items.find((i) => plainId(i.id) === plainId(id))?.title || id;
}

/** The builder's controls for one agent; `patch` saves a change (PATCH /agents/{id}). */
export function Builder({ agent, patch, busy }: { agent: Agent; patch: (body: object) => Promise<void>; busy: boolean }) {
  const may = roleRefusal("admin", "change what starts this agent, what it reaches, its tools, budget, reviewer or reports");
  const sources = useLoad(() => get<S["PickerPage"]>(url("/notion/pages", {}, { kind: "data_source", page_size: "100" })));
  const pages = useLoad(() => get<S["PickerPage"]>(url("/notion/pages", {}, { kind: "page", page_size: "25" })));
  const tools = useLoad(() => get<S["ToolList"]>(url("/tools")));
  const known = [...(sources.data?.results ?? []), ...(pages.data?.results ?? [])];
  const triggers = agent.triggers ?? {};
  const [source, setSource] = useState("");
  const [draft, setDraft] = useState<RuleDraft>(NO_RULES);
  const [problems, setProblems] = useState<Problems>({});
  const [read, setRead] = useState<string[]>(agent.reach?.read ?? []);
  const [change, setChange] = useState<string[]>(agent.reach?.change ?? []);
  const [chosenTools, setTools] = useState<string[]>(agent.tools ?? []);
  const [review, setReview] = useState<S["Review"]>(agent.review ?? "off");
  const [reports, setReports] = useState<S["ReportsTo"]>(agent.reports_to ?? "runs_row");
  const [budget, setBudget] = useState(agent.max_cost_per_run_usd ? String(agent.max_cost_per_run_usd) : "");
  const saveRules = (event: Event) => {
    event.preventDefault();
    const found = checkRules(source, draft);
    setProblems(found);
    if (!source || Object.keys(found).length) return;
    void patch({ triggers: { ...triggers, [source]: rulesOf(draft) } });
  };
  const pickSource = (id: string) => {
    setSource(id);
    setDraft(id && triggers[id] ? draftOfRules(triggers[id]) : NO_RULES);
  };
  const has = (list: string[], id: string) => list.some((x) => plainId(x) === plainId(id));
  const toggle = (list: string[], set: (next: string[]) => void, id: string, on: boolean) => {
    const rest = list.filter((x) => plainId(x) !== plainId(id));
    set(on ? [...rest, id] : rest);
  };
  const reachRow = (item: Item) => (
    <li key={item.id}>
      {item.title || "Untitled"} <span class="kind">({item.object === "data_source" ? "database" : "page"})</span>
      <label class="check">
        <input type="checkbox" checked={has(read, item.id)} onChange={(e) => toggle(read, setRead, item.id, e.currentTarget.checked)} />
        Reads {item.title || "Untitled"}
      </label>
      <label class="check">
        <input type="checkbox" checked={has(change, item.id)} onChange={(e) => toggle(change, setChange, item.id, e.currentTarget.checked)} />
        Changes {item.title || "Untitled"}
      </label>
    </li>
  );
  return (
    <div class="builder">
      {may && <p class="hint">{may}</p>}
      <h3>What starts it</h3>
      <p>{startsWords(agent)}</p>
      <p class="hint">A trigger rule starts a run for each matching edit in a database; none is ticked until you tick it.</p>
      <ul>
        {Object.entries(triggers).map(([id, rules]) => (
          <li key={id}>
            {titled(known, id)}: {rules.map((r) => (r.kind === "property_changed" ? `${r.property} changes${r.to != null ? ` to ${String(r.to)}` : ""}` : r.kind.replace(/_/g, " "))).join(", ") || "nothing"}{" "}
            <button
              type="button"
              disabled={busy || !!may}
              title={may}
              aria-label={`Remove the trigger rules of ${titled(known, id)}`}
              onClick={() => void patch({ triggers: Object.fromEntries(Object.entries(triggers).filter(([k]) => k !== id)) })}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={saveRules}>
        <DatabaseChoice label="Database whose edits start it" value={source} set={pickSource} sources={sources.data?.results} />
        {source && <Rules id={source} title={titled(known, source)} draft={draft} set={setDraft} problems={problems} />}
        <button type="submit" disabled={busy || !!may || !source} title={may}>
          Save the trigger rules
        </button>
      </form>
      <TrackerRules agent={agent} may={may} />
      <MeetingRules agent={agent} may={may} />
      <AgentChannels agent={agent} may={may} />
      <h3>What it may read and change</h3>
      <p class="hint">
        Its reach: it reads and changes only what you tick here, besides the page that started it and the pages it creates; nothing
        ticked, the workspace's chosen pages and databases.
      </p>
      <ul class="reach">{known.map(reachRow)}</ul>
      <button type="button" disabled={busy || !!may} title={may} onClick={() => void patch({ reach: { ...agent.reach, read, change } })}>
        Save the reach
      </button>
      <h3>Tools</h3>
      <p class="hint">
        The tools it may use in a plan; none ticked, every tool. It may always {(tools.data?.always ?? []).join(", ").replace(/_/g, " ")}.
      </p>
      <fieldset>
        <legend>Tools it may use</legend>
        {(tools.data?.tools ?? []).map((t) => (
          <label class="check" key={t.name}>
            <input type="checkbox" checked={chosenTools.includes(t.name)} onChange={(e) => toggle(chosenTools, setTools, t.name, e.currentTarget.checked)} />
            {t.name.replace(/_/g, " ")} <span class="kind">({t.description})</span>
          </label>
        ))}
      </fieldset>
      <button type="button" disabled={busy || !!may} title={may} onClick={() => void patch({ tools: chosenTools })}>
        Save the tools
      </button>
      <h3>Budget</h3>
      <p class="hint">
        A run of this agent stops and asks a person before its model calls cost more than this; the workspace's run budget holds when
        it is lower. Now: {agent.max_cost_per_run_usd ? `${money(agent.max_cost_per_run_usd)} a run` : "the workspace's run budget"}.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void patch({ max_cost_per_run_usd: budget.trim() ? Number(budget) : null });
        }}
      >
        <label>
          Budget per run (USD)
          <input type="number" min="0.01" max="100" step="0.01" value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy || !!may} title={may}>
          Save the budget
        </button>
      </form>
      <h3>Reviewer</h3>
      <p class="hint">Before each write or effect, a reviewer checks it against the instructions; each review is one more model call.</p>
      <Choice label="Reviewer" value={review} options={REVIEWS} set={setReview} />
      <button type="button" disabled={busy || !!may} title={may} onClick={() => void patch({ review })}>
        Save the reviewer
      </button>
      <h3>Where it reports</h3>
      <p class="hint">Where it says what it did when a run ends.</p>
      <Choice label="Reports to" value={reports} options={REPORTS} set={setReports} />
      <button type="button" disabled={busy || !!may} title={may} onClick={() => void patch({ reports_to: reports })}>
        Save where it reports
      </button>
      <ErrorText error={sources.error || tools.error} />
    </div>
  );
}

/** A tracker rule in words: "An issue in Linear team Eng assigned to @ada starts it". */
function ruleWords(rule: TrackerRule, targets: [string, string][]): string {
  const where = targets.find(([name]) => name === rule.target)?.[1] ?? `${rule.target} (not connected)`;
  return rule.on === "assigned"
    ? `An issue in ${where} assigned to @${rule.user} starts it`
    : `An issue or comment in ${where} mentioning @${rule.user} starts it`;
}

/** "Linear or GitLab events": the agent's tracker rules among the connected trackers; each change is a
 * PATCH of the whole list, and a refusal is shown beside the field it names. */
function TrackerRules({ agent, may }: { agent: Agent; may: string }) {
  const found = useLoad(connected);
  const targets = (found.data ?? []).flatMap((c): [string, string][] => {
    const name = c.names[0] ?? "";
    return name.startsWith("linear:") || name.startsWith("gitlab:") ? [[name, c.label]] : [];
  });
  const [rules, setRules] = useState<TrackerRule[]>(agent.tracker_triggers ?? []);
  const [on, setOn] = useState<TrackerRule["on"] | "">("");
  const [target, setTarget] = useState("");
  const [user, setUser] = useState("");
  const [problems, setProblems] = useState<Problems>({});
  const [busy, error, act] = useAction();
  const save = (next: TrackerRule[]) =>
    act(async () => {
      setProblems({});
      try {
        const body = { tracker_triggers: next };
        const saved = await send<Agent>("PATCH", url("/agents/{agent_id}", { agent_id: agent.agent_id }), body);
        setRules(saved.tracker_triggers ?? next);
        setUser("");
      } catch (reason) {
        const beside: Problems = {};
        for (const f of reason instanceof ApiError ? reason.fields : []) {
          const key = f.field.split(".").pop() ?? "";
          const words = f.problem.startsWith("String should match pattern") ? PATTERN_WORDS[key] : f.problem;
          if (key in PATTERN_WORDS || key === "on") beside[`tracker-${key}`] = words ?? f.problem;
        }
        setProblems(beside);
        if (!Object.keys(beside).length) throw reason;
      }
    });
  const add = (event: Event) => {
    event.preventDefault();
    if (on && target) void save([...rules, { on, target, user: user.trim().replace(/^@/, "") }]);
  };
  return (
    <section aria-labelledby="tracker-rules">
      <h4 id="tracker-rules">Linear or GitLab events</h4>
      <p class="hint">
        A tracker rule starts a run of {agent.name} for each matching event in a connected Linear team or GitLab project, and each
        run costs one; none is set until you add it.
      </p>
      {found.data && targets.length === 0 && <p class="hint">No Linear or GitLab is connected: see Integrations.</p>}
      <ul>
        {rules.map((rule, i) => (
          <li key={`${rule.on}-${rule.target}-${rule.user}`}>
            {ruleWords(rule, targets)}.{" "}
            <button
              type="button"
              disabled={busy || !!may}
              title={may}
              aria-label={`Remove the tracker rule: ${ruleWords(rule, targets)}`}
              onClick={() => void save(rules.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {targets.length > 0 && (
        <form onSubmit={add}>
          <Choice label="Tracker event that starts it" value={on} options={ONS} set={setOn} blank="Choose an event…" disabled={!!may} title={may} />
          <Invalid problems={problems} name="tracker-on" />
          <Choice label="Tracker team or project" value={target} options={targets} set={setTarget} blank="Choose a team or project…" disabled={!!may} title={may} />
          <Invalid problems={problems} name="tracker-target" />
          <label>
            Tracker user name (the agent's user there)
            <input value={user} onInput={(e) => setUser(e.currentTarget.value)} maxLength={101} required disabled={!!may} {...invalid(problems, "tracker-user")} />
          </label>
          <Invalid problems={problems} name="tracker-user" />
          <button type="submit" disabled={busy || !!may || !on || !target} title={may}>
            Add this tracker rule
          </button>
        </form>
      )}
      <ErrorText error={error || found.error} />
    </section>
  );
}

/** "Try it on this page": the agent's plan for a page and the approvals it would need; nothing done.
 * A paused agent is tried as if on (decision 0184). `pages`: the pages to choose among, else a link. */
export function TryIt({ agent, pages }: { agent: Agent; pages?: [string, string][] }) {
  const [page, setPage] = useState("");
  const [plan, setPlan] = useState<S["DryRun"] | null>(null);
  const [busy, error, act] = useAction();
  const may = roleRefusal("editor", "try an agent on a page");
  const id = /[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.exec(page)?.[0] ?? page.trim();
  const run = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      setPlan(null);
      setPlan(await send<S["DryRun"]>("POST", url("/agents/{agent_id}/dry-run", { agent_id: agent.agent_id }), { page_id: id }));
    });
  };
  return (
    <form class="try" onSubmit={run}>
      <h3>Try it on a page</h3>
      <p class="hint">
        A dry run: {agent.name} plans for the page as a real run would and shows the plan and the approvals it would need. Nothing is
        written or started; its model call is paid and counted in the budgets.
      </p>
      {agent.paused && <p class="hint">{agent.name} is off: the dry run shows what it would do once turned on.</p>}
      {pages ? (
        <Choice label="Page to try it on" value={page} options={pages} set={setPage} blank="Choose a page…" />
      ) : (
        <label>
          Page (its Notion link or id)
          <input value={page} onInput={(e) => setPage(e.currentTarget.value)} maxLength={300} required />
        </label>
      )}
      <button type="submit" disabled={busy || !!may || !id} title={may}>
        Try it on this page
      </button>
      {may && <p class="hint">{may}</p>}
      <ErrorText error={error} />
      {plan && (
        <div class="dry-run" role="region" aria-label="What it would do">
          <p role="status">
            Dry run on “{plan.page_title || "Untitled"}”: nothing was done. It cost {money(plan.cost_usd)}.
          </p>
          {plan.problem && <p class="error">{plan.problem}</p>}
          <h4>The plan ({plan.steps.length} steps)</h4>
          <ol>
            {plan.steps.map((s) => (
              <li key={s.step}>
                <code>{s.does}</code> <span class="kind">({s.effect.replace("_", " ")})</span>
                {s.why && <span> — {s.why}</span>}
                {s.refused && <p class="error">Refused when it runs: {s.refused}</p>}
                {s.approval && (
                  <p>
                    <span class="badge">needs approval</span> by {s.approval.role === "owner" ? "the owner" : `an ${s.approval.role} or above`}:{" "}
                    {s.approval.why}
                  </p>
                )}
              </li>
            ))}
          </ol>
          <h4>Approvals it would need</h4>
          {plan.approvals.length === 0 ? (
            <p>None: every step lands on its own pages.</p>
          ) : (
            <ul>
              {plan.approvals.map((s) => (
                <li key={s.step}>
                  Step {s.step} ({s.tool.replace(/_/g, " ")}): {s.approval?.role === "owner" ? "the owner" : `an ${s.approval?.role} or above`}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}

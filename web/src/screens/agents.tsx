// Agents: the workspace's agents, each with its instructions (edited in Notion, accepted here when
// someone else changed them), schedules, model tier, pause and delete, its record and its runs.
import { useEffect, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Choice, Confirm, Empty, ErrorText, Loading, Status, money, useAction, useLoad, when } from "../ui";
import { TrackerReach } from "./tracker_reach";
import { Builder, TryIt, startsWords } from "./agent_builder";
import { AgentRecord } from "./agent_record";

type Agent = S["AgentView"];
type Schedule = NonNullable<Agent["schedules"]>[number];
const TIERS: [Agent["model_tier"], string][] = [
  ["fast", "Fast"],
  ["standard", "Standard"],
  ["best", "Best"],
];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

function scheduleWords(s: Schedule): string {
  const hour = `${String(s.hour).padStart(2, "0")}:00`;
  if (s.every === "weekly") return `every ${(s.days ?? []).join(", ")} at ${hour}`;
  if (s.every === "monthly") return `on day ${s.day_of_month} of each month at ${hour}`;
  return `${s.every === "daily" ? "every day" : "on weekdays"} at ${hour}`;
}

/** When a routine next starts a run, in the workspace's time zone as the browser shows times. */
function NextRun({ routine, paused }: { routine: S["RoutineView"] | undefined; paused: boolean }) {
  if (paused) return <span class="hint"> · no next run while the agent is paused</span>;
  if (!routine) return null;
  return <span class="hint"> · next run {routine.next_run ? when(routine.next_run) : "not within a month"}</span>;
}

function newRequestId(): string {
  return `now-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** "Run now": the routine's run started at once (POST /agents/{id}/run-now). The request's id is kept
 * until the run started, so a double click or a retried request starts one run (the api names the run
 * from it); the next press after that starts another. */
function RunNow({ agentId, index, words, paused, started }: { agentId: string; index: number; words: string; paused: boolean; started: (runId: string) => void }) {
  const [requestId, setRequestId] = useState(newRequestId);
  const [run, setRun] = useState("");
  const [busy, error, act] = useAction();
  const may = paused ? "The agent is paused: resume it to run its routines." : roleRefusal("editor", "run a routine");
  const press = () =>
    act(async () => {
      const answer = await send<S["RunStarted"]>("POST", url("/agents/{agent_id}/run-now", { agent_id: agentId }), {
        routine: index,
        request_id: requestId,
      });
      setRun(answer.run_id);
      setRequestId(newRequestId());
      started(answer.run_id);
    });
  return (
    <>
      <button type="button" disabled={busy || !!may} title={may} aria-label={`Run now: ${words}`} onClick={press}>
        Run now
      </button>
      {run && (
        <span role="status">
          {" "}
          Started: <a href={`#/runs/${encodeURIComponent(run)}`}>its run</a>
        </span>
      )}
      <ErrorText error={error} />
    </>
  );
}

export function AgentsScreen() {
  const list = useLoad(() => get<S["AgentList"]>(url("/agents")));
  const [name, setName] = useState("");
  const [instructions, setInstructions] = useState("");
  const [open, setOpen] = useState("");
  const [busy, error, act] = useAction();
  const may = roleRefusal("admin", "make an agent");
  const create = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const made = await send<Agent>("POST", url("/agents"), { name, instructions: instructions || undefined });
      setName("");
      setInstructions("");
      setOpen(made.agent_id);
      list.reload();
    });
  };
  const agents = list.data?.agents ?? [];
  return (
    <section>
      <h1>Agents</h1>
      <p>Each agent does one job: its instructions live in a Notion page, edited where you write everything else.</p>
      <p>
        Or start from the <a href="#/gallery">gallery</a>: agents a team uses on day one, each tried on a page before you turn it on.
      </p>
      <form class="card" onSubmit={create}>
        <h2>Make an agent</h2>
        {may && <p class="hint">{may}</p>}
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={80} required />
        </label>
        <label>
          Its instructions (written into its page in Notion)
          <textarea value={instructions} onInput={(e) => setInstructions(e.currentTarget.value)} maxLength={8000} />
        </label>
        <p class="hint">A new agent has no trigger rule: it starts only when named in a comment, until you choose what starts it.</p>
        <button type="submit" class="primary" disabled={busy || !!may} title={may}>
          Make the agent
        </button>
      </form>
      <ErrorText error={error || list.error} />
      {list.loading && !list.data && <Loading what="agents" />}
      {list.data && agents.length === 0 && <Empty>No agents.</Empty>}
      <ul class="agents">
        {agents.map((agent) => (
          <li key={agent.agent_id} class="card">
            <h2>
              {agent.name} {agent.paused && <span class="badge">paused</span>}
            </h2>
            <p>
              Model {agent.model_tier ?? "standard"}
              {agent.max_cost_per_run_usd ? `, at most ${money(agent.max_cost_per_run_usd)} a run` : ""}; reports to{" "}
              {(agent.reports_to ?? "runs_row").replace("_", " ")}; tools: {agent.tools?.length ? agent.tools.join(", ") : "all"}.
            </p>
            <p>
              {startsWords(agent)} Schedules: {agent.schedules?.length ? agent.schedules.map(scheduleWords).join("; ") : "none"}.
            </p>
            <button
              type="button"
              aria-expanded={open === agent.agent_id}
              onClick={() => setOpen(open === agent.agent_id ? "" : agent.agent_id)}
            >
              {open === agent.agent_id ? "Close" : `Open ${agent.name}`}
            </button>
            {open === agent.agent_id && <AgentDetail agentId={agent.agent_id} changed={list.reload} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AgentDetail({ agentId, changed }: { agentId: string; changed: () => void }) {
  const shown = useLoad(() => get<Agent>(url("/agents/{agent_id}", { agent_id: agentId })), agentId);
  const runs = useLoad(() => get<S["RunList"]>(url("/agents/{agent_id}/runs", { agent_id: agentId })), agentId);
  // A run Run now started is listed once planned; until then the list is asked again.
  const [awaited, setAwaited] = useState({ run: "", tries: 0 });
  useEffect(() => {
    if (!awaited.run || awaited.tries >= 30 || runs.data?.runs.some((r) => r.run_id === awaited.run)) return;
    const timer = window.setTimeout(() => {
      setAwaited((now) => ({ ...now, tries: now.tries + 1 }));
      runs.reload();
    }, 2000);
    return () => window.clearTimeout(timer);
  }, [awaited, runs.data]);
  const routines = useLoad(() => get<S["Routines"]>(url("/agents/{agent_id}/routines", { agent_id: agentId })), agentId);
  const [busy, error, act] = useAction();
  const may = roleRefusal("admin", "change, pause or delete an agent");
  const owner = !roleRefusal("owner", "accept"); // before, an admin was told "someone other than you" of her own edit
  const [every, setEvery] = useState<Schedule["every"]>("weekly");
  const [hour, setHour] = useState(16);
  const [days, setDays] = useState<string[]>(["fri"]);
  const agent = shown.data;
  const schedules = agent?.schedules ?? [];
  const done = () => {
    shown.reload();
    routines.reload();
    changed();
  };
  const patch = (body: object) =>
    act(async () => {
      await send("PATCH", url("/agents/{agent_id}", { agent_id: agentId }), body);
      done();
    });
  const control = (what: "pause" | "resume") =>
    act(async () => {
      await send("POST", url(`/agents/{agent_id}/${what}`, { agent_id: agentId }));
      done();
    });
  const remove = () =>
    act(async () => {
      await send("DELETE", url("/agents/{agent_id}", { agent_id: agentId }));
      changed();
    });
  const accept = (hash: string) =>
    act(async () => {
      await send("POST", url("/agents/{agent_id}/instructions/accept", { agent_id: agentId }), { content_hash: hash });
      done();
    });
  const owns = roleRefusal("owner", "add a proposed edit to the instructions");
  const decide = (proposal: string, decision: "accept" | "dismiss") =>
    act(async () => {
      const path = url("/agents/{agent_id}/proposals/{proposal_id}", { agent_id: agentId, proposal_id: proposal });
      await send("POST", path, { decision });
      done();
    });
  if (!agent) return <>{shown.error ? <ErrorText error={shown.error} /> : <Loading what="the agent" />}</>;
  const instructions = agent.instructions;
  const addSchedule = (event: Event) => {
    event.preventDefault();
    const schedule: Schedule = { every, hour, ...(every === "weekly" ? { days: days as Schedule["days"] } : {}) };
    if (every === "monthly") schedule.day_of_month = 1;
    void patch({ schedules: [...schedules, schedule] });
  };
  return (
    <div class="detail">
      <h3>Instructions</h3>
      {instructions?.url && (
        <p>
          <a href={instructions.url} target="_blank" rel="noreferrer">
            Edit them in Notion
          </a>
        </p>
      )}
      {instructions?.current ? (
        <blockquote class="instructions">{instructions.current.text}</blockquote>
      ) : (
        <p>{agent.accepted?.text || "The default instructions: help with the page that started the run."}</p>
      )}
      {instructions?.needs_acceptance && instructions.current && (
        <div class="card" role="alert">
          {owner ? (
            <p>
              Someone other than you edited these instructions. Runs keep using the version you last accepted until you
              accept this one.
            </p>
          ) : (
            <p>
              These instructions were edited by someone other than the workspace's owner (perhaps you). Runs keep using
              the version the owner last accepted until the owner accepts this one.
            </p>
          )}
          <button type="button" class="primary" disabled={busy || !!may} title={may} onClick={() => accept(instructions.current?.content_hash ?? "")}>
            Accept this version
          </button>
        </div>
      )}
      {(agent.proposals ?? [])
        .filter((p) => p.status === "open")
        .map((p) => (
          <div class="card proposal" key={p.proposal_id} role="group" aria-label="A proposed edit of the instructions">
            <p>
              People gave this reason when they rated {p.runs.length} of its runs not right. Add it to the instructions
              page? Nothing changes until you do.
            </p>
            <blockquote>{p.line}</blockquote>
            <div class="actions">
              <button type="button" class="primary" disabled={busy || !!owns} title={owns} onClick={() => decide(p.proposal_id, "accept")}>
                Add it to the instructions
              </button>
              <button type="button" disabled={busy || !!owns} title={owns} onClick={() => decide(p.proposal_id, "dismiss")}>
                Dismiss
              </button>
            </div>
            {owns && <p class="hint">{owns}</p>}
          </div>
        ))}
      {may && <p class="hint">{may}</p>}
      <h3>Model</h3>
      <Choice label="Model tier" value={agent.model_tier} options={TIERS} set={(tier) => patch({ model_tier: tier })} disabled={busy || !!may} title={may} />
      <TrackerReach
        chosen={agent.reach?.trackers ?? []}
        save={(trackers) => void patch({ reach: { ...agent.reach, trackers } })}
        disabled={busy || !!may}
        title={may}
      />
      <Builder agent={agent} patch={patch} busy={busy} />
      <TryIt agent={agent} />
      <h3>Schedules</h3>
      {schedules.length === 0 && <p>No schedule.</p>}
      <ul>
        {schedules.map((s, i) => (
          <li key={`${s.every}-${s.hour}-${i}`}>
            {scheduleWords(s)}
            <NextRun routine={routines.data?.routines.find((r) => r.index === i)} paused={!!agent?.paused} />{" "}
            <RunNow agentId={agentId} index={i} words={scheduleWords(s)} paused={!!agent?.paused} started={(run) => {
                setAwaited({ run, tries: 0 });
                runs.reload();
              }} />{" "}
            <button
              type="button"
              disabled={busy || !!may} title={may}
              onClick={() => patch({ schedules: schedules.filter((_, j) => j !== i) })}
              aria-label={`Remove the schedule ${scheduleWords(s)}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={addSchedule}>
        <label>
          Every
          <select value={every} onChange={(e) => setEvery(e.currentTarget.value as Schedule["every"])}>
            <option value="daily">day</option>
            <option value="weekdays">weekday</option>
            <option value="weekly">week, on chosen days</option>
            <option value="monthly">month (the 1st)</option>
          </select>
        </label>
        <label>
          At hour (the workspace's time zone)
          <input type="number" min={0} max={23} value={hour} onInput={(e) => setHour(Number(e.currentTarget.value))} />
        </label>
        {every === "weekly" && (
          <fieldset>
            <legend>On</legend>
            {DAYS.map((day) => (
              <label class="check" key={day}>
                <input
                  type="checkbox"
                  checked={days.includes(day)}
                  onChange={(e) =>
                    setDays((now) => (e.currentTarget.checked ? [...now, day] : now.filter((d) => d !== day)))
                  }
                />
                {day}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" disabled={busy || !!may} title={may}>
          Add the schedule
        </button>
      </form>
      <AgentRecord agentId={agentId} />
      <h3>Runs</h3>
      {runs.data && runs.data.runs.length === 0 && <Empty>No runs yet.</Empty>}
      <ul>
        {(runs.data?.runs ?? []).map((run) => (
          <li key={run.run_id}>
            <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{run.title || run.goal || run.run_id}</a> <Status status={run.status} />{" "}
            {when(run.created_at)}
            {run.instructions_hash ? `, instructions ${run.instructions_hash}` : ""}
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" disabled={busy || !!may} title={may} onClick={() => control(agent.paused ? "resume" : "pause")}>
          {agent.paused ? `Resume ${agent.name}` : `Pause ${agent.name}`}
        </button>
        {!agent.default && (
          <Confirm
            label={`Delete ${agent.name}`}
            question={`Delete ${agent.name}? Its settings go and it starts no more runs; its instructions page stays in Notion. This cannot be undone.`}
            yes={`Yes, delete ${agent.name}`}
            act={() => void remove()}
            disabled={busy || !!may}
            title={may}
          />
        )}
      </div>
      <ErrorText error={error || runs.error} />
    </div>
  );
}

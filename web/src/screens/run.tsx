// A run: its timeline, followed while it works (its events' stream, GET /runs/{id}/events, says when
// to read it again; without a stream, GET /runs/{id} every 2 s with If-None-Match: an unchanged run is
// a 304 that reads one document), what it wrote, its decision, its controls and "run again".
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, request, send, url } from "../api";
import { took } from "./runs";
import { AskedPage, Confirm, DECISION_MADE, DecidedBy, DECIDERS, ErrorText, Loading, Prompt, STATUS_WORDS, Status, effectsInWords, go, money, rememberStarted, startedHere, useAction, when } from "../ui";
import { ChangeAsked, CodeSection } from "./code";
import { Reply, answered } from "./inbox";
import { UndoRun } from "./undo";

type Timeline = S["RunTimeline"];
type Event = Timeline["events"][number];
type Step = Timeline["step_rows"][number];
const FOLLOW_MS = 2000;
const STREAMS = typeof EventSource !== "undefined"; // else (and when a stream fails) polling
const PLANNING_MS = 60_000; // a run this tab started and the api does not know after this: none
const LINK_GRACE_MS = 8_000; // any other link: a run started a moment ago elsewhere may still be planned
export const ENDED = new Set(["completed", "failed", "cancelled", "rolled_back"]);

const DECIDED = { approve: "approved", reject: "rejected", answer: "answered" } as const;

/** Who made a decision, as the signed-in person reads it: "You" for their own, else the name the
 * decision recorded ("Someone" for one recorded before decisions kept who made them). */
function decider(event: Extract<Event, { kind: "human_responded" }>, me: string): string {
  if (me && event.by_member === me) return "You";
  return event.by || "Someone";
}

/** A step's wait for its map's children: a fan-in looking again later, not a failure. */
function isWait(event: Event): boolean {
  return event.kind === "error_recorded" && event.message.startsWith("fan_in:");
}

/** Notion could not be reached for a step (a passing failure the step is tried again after). */
function isOutage(event: Event): boolean {
  return event.kind === "error_recorded" && event.error === "transient" && /^Notion\b/.test(event.message);
}

export function describe(event: Event, me: string): string {
  switch (event.kind) {
    case "run_planned":
      return `Planned ${event.steps.length} step${event.steps.length === 1 ? "" : "s"} (risk ${event.risk ?? "low"})`;
    case "tool_intent":
      return `Step ${event.step}: starting ${event.tool}`;
    case "tool_result":
      return `Step ${event.step}: ${event.tool} done`;
    case "error_recorded":
      if (isWait(event)) return `Step ${event.step}: waiting for its children (${event.message.replace(/^fan_in: /, "")})`;
      if (isOutage(event)) return `Step ${event.step}: Notion is unavailable (${event.message})`;
      return `Step ${event.step}: ${event.message}`;
    case "human_requested":
      return `Asked you (${event.purpose}): ${event.prompt}`;
    case "human_responded":
      return `${decider(event, me)} ${DECIDED[event.decision]}${event.text ? `: ${event.text}` : ""}`;
    case "review_recorded":
      return `Step ${event.step}: the reviewer ${event.passed ? "passed" : "asked to revise"} ${event.tool}${event.reasons ? `: ${event.reasons}` : ""}`;
    case "run_retried":
      return `Retried from step ${event.step}`;
    case "model_used":
      return `The model (${event.purpose}) cost ${money(event.cost_usd)}`;
    case "run_replanned":
      return `Step ${event.step}: planned phase ${event.phase} from what it read, ${event.steps.length} step${event.steps.length === 1 ? "" : "s"} (cost ${money(event.cost_usd ?? 0)})`;
    case "run_paused":
      return "Paused";
    case "run_resumed":
      return "Resumed";
    case "run_cancelled":
      return `Cancelled${event.reason ? `: ${event.reason}` : ""}`;
    case "run_finished":
      return `Finished (${(STATUS_WORDS[event.status] ?? event.status).toLowerCase()}): ${event.summary}`;
    default:
      return "An event this console does not know yet";
  }
}

/** Follows one run: the timeline, refreshed until the run ends. A 404 is "being planned" for a run
 * this tab started, for at most PLANNING_MS (any other link: LINK_GRACE_MS, said as loading); then the
 * link names no run, and polling stops. */
export function useRun(runId: string): { run: Timeline | null; error: unknown; planning: boolean; missing: boolean; refresh: () => void } {
  const [run, setRun] = useState<Timeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [planning, setPlanning] = useState(false);
  const [missing, setMissing] = useState(false);
  const etag = useRef("");
  const poke = useRef<() => void>(() => undefined);
  useEffect(() => {
    let live = true;
    let timer = 0;
    let source: EventSource | null = null; // the run's events' stream, once opened
    let streaming = false; // while it is connected: its events say when to read again
    let reading = false;
    let again = false;
    const since = Date.now();
    etag.current = "";
    setRun(null);
    setMissing(false);
    setPlanning(false);
    const later = () => {
      // With a stream connected, its next event reads again; without one, the timer does (a read
      // already set stays: a stream failing again and again does not put it off).
      if (live && !streaming && timer === 0) timer = window.setTimeout(follow, FOLLOW_MS);
    };
    const listen = () => {
      if (!STREAMS || source !== null) return;
      source = new EventSource(url("/runs/{run_id}/events", { run_id: runId }), { withCredentials: true });
      source.addEventListener("run_event", () => void follow());
      source.addEventListener("end", () => {
        source?.close();
        void follow();
      });
      source.onopen = () => {
        streaming = true;
        window.clearTimeout(timer);
        timer = 0;
      };
      source.onerror = () => {
        // It reconnects by itself (after a stream's deadline, with Last-Event-ID); meanwhile, and for
        // good once refused (CLOSED), the timer polls.
        streaming = false;
        if (source !== null && source.readyState === EventSource.CLOSED) source = null;
        later();
      };
    };
    const follow = async (): Promise<void> => {
      window.clearTimeout(timer);
      timer = 0;
      if (reading) {
        again = true; // a burst of events reads once more after the read under way
        return;
      }
      reading = true;
      let ended = false;
      try {
        const answer = await request<Timeline>("GET", url("/runs/{run_id}", { run_id: runId }), undefined,
          etag.current ? { "If-None-Match": etag.current } : {});
        if (!live) return;
        if (answer.body) {
          etag.current = answer.etag;
          setRun(answer.body);
          ended = ENDED.has(answer.body.status);
        }
        setPlanning(false);
        setError(null);
        if (!ended) listen();
      } catch (reason) {
        if (!live) return;
        if (reason instanceof ApiError && reason.status === 404) {
          const mine = startedHere(runId);
          const waiting = Date.now() - since < (mine ? PLANNING_MS : LINK_GRACE_MS);
          setPlanning(waiting && mine);
          setMissing(!waiting);
          ended = !waiting;
        } else {
          setError(reason);
          ended = reason instanceof ApiError && reason.status === 401;
        }
      } finally {
        reading = false;
      }
      if (ended) {
        source?.close();
        source = null;
        streaming = false;
      } else if (again) {
        again = false;
        void follow();
      } else {
        later();
      }
    };
    poke.current = () => void follow();
    void follow();
    return () => {
      live = false;
      window.clearTimeout(timer);
      source?.close();
    };
  }, [runId]);
  return { run, error, planning, missing, refresh: () => poke.current() };
}

const LOST =
  "Not done: this request was already decided, in another tab or by another person, or the run moved on. What the run did since shows below.";

type Session = S["SessionView"] | null;

interface Line {
  event: Event;
  times: number; // the same step's same failure, one after another: one line
  last: string;
}

/** The timeline's lines: a step's repeated failure of one kind (Notion down, a fan-in's waits) is
 * folded into one line that says how many times and when last. */
export function linesOf(events: Event[]): Line[] {
  const lines: Line[] = [];
  for (const event of events) {
    const before = lines[lines.length - 1];
    const prior = before?.event;
    // A retry's own start of the step it failed: part of the folded line
    if (event.kind === "tool_intent" && prior?.kind === "error_recorded" && prior.step === event.step) continue;
    if (event.kind === "error_recorded" && prior?.kind === "error_recorded" && prior.step === event.step && prior.error === event.error && before) {
      before.times += 1;
      before.last = event.at;
      continue;
    }
    lines.push({ event, times: 1, last: event.at });
  }
  return lines;
}

/** "Notion is unavailable; next try at …" while the run's latest event is Notion failing its step. */
function Outage({ run }: { run: Timeline }) {
  const latest = [...run.events].reverse().find((e) => e.kind !== "model_used");
  if (!latest || run.status !== "running" || !isOutage(latest) || latest.kind !== "error_recorded") return null;
  const next = latest.retry_at ? `next try at ${when(latest.retry_at)}` : "it is tried again in a moment, by itself";
  return (
    <p class="notice" role="status">
      Notion is unavailable; {next}. Nothing is lost: the step picks up where it stopped.
    </p>
  );
}

const RANKS = ["viewer", "editor", "admin", "owner"];

/** Why this person may not decide, or "" if they may: a viewer, or anyone below the role the request
 * needs (`needs`, the owner's approvers' choice), sees the buttons disabled with it. */
export function decideRefusal(session: Session, needs: string | null = null): string {
  const role = session?.role ?? "";
  if (role === "viewer") return "Your role (viewer) may see this run but not decide it: an editor, an admin or the owner decides.";
  if (needs && role && RANKS.indexOf(role) < RANKS.indexOf(needs))
    return `Your role (${role}) may not decide this request: ${DECIDERS[needs] ?? needs} decides it (the owner's choice of approvers). You may still reject it.`;
  return "";
}

export function Decision({ run, refresh, lost, session }: { run: Timeline; refresh: () => void; lost: (words: string) => void; session: Session }) {
  const waiting = run.waiting;
  const refused = decideRefusal(session, run.needs ?? null);
  const [text, setText] = useState("");
  const [busy, error, act] = useAction();
  if (!waiting || run.status !== "waiting_for_human") return null;
  const decide = (decision: "approve" | "reject" | "answer") =>
    act(async () => {
      try {
        await send<S["RunMoved"]>("POST", url(`/runs/{run_id}/${decision}`, { run_id: run.run_id }), {
          request_id: waiting.request_id,
          text,
        });
      } catch (reason) {
        if (!(reason instanceof ApiError && reason.status === 409)) throw reason;
        lost(`${LOST} (${reason.message})`); // said on the run, which the refresh may move past the decision
      }
      setText("");
      refresh();
      window.dispatchEvent(new Event(DECISION_MADE)); // the nav's count of waiting decisions, asked again
      document.getElementById("run-status")?.focus();
    });
  const question = answered(waiting.purpose);
  const heading = waiting.purpose === "verdict" ? "Settle this debate" : question ? "The run asks you" : "The run needs your approval";
  return (
    <section class="decision" aria-labelledby="decision-title" data-request={waiting.request_id}>
      <h2 id="decision-title">{heading}</h2>
      {run.change ? <ChangeAsked change={run.change} prompt={<Prompt text={waiting.prompt} />} /> : <Prompt text={waiting.prompt} />}
      <AskedPage href={waiting.page_url} />
      {(waiting.effects ?? []).length > 0 && <p class="effects">{effectsInWords(waiting.effects ?? [])}</p>}
      <DecidedBy needs={run.needs} />
      <Reply question={question} text={text} setText={setText} busy={busy} refused={refused} mayReject={!!refused && session?.role !== "viewer"} decide={decide} options={waiting.options ?? []} />
      <ErrorText error={error} />
    </section>
  );
}

/** Why this person may not control or start runs, or "" if they may: a viewer sees the buttons
 * disabled with it (the api refuses them too: POST /runs/{id}/retry etc. need an editor). */
export function controlRefusal(session: Session): string {
  return session?.role === "viewer"
    ? "Your role (viewer) may see this run but not retry, pause, cancel or run it again: an editor, an admin or the owner can."
    : "";
}

function Controls({ run, refresh, session }: { run: Timeline; refresh: () => void; session: Session }) {
  const [busy, error, act] = useAction();
  const refused = controlRefusal(session);
  const off = busy || !!refused;
  const why = refused ? "control-refused" : undefined;
  const control = (action: "pause" | "resume" | "cancel" | "retry") =>
    act(async () => {
      await send<S["RunMoved"]>("POST", url(`/runs/{run_id}/${action}`, { run_id: run.run_id }), {});
      refresh();
    });
  const again = () =>
    act(async () => {
      const started = await send<S["RunStarted"]>("POST", url("/runs/{run_id}/again", { run_id: run.run_id }), {});
      rememberStarted(started.run_id);
      go(`#/runs/${encodeURIComponent(started.run_id)}`);
    });
  const ended = ENDED.has(run.status);
  return (
    <div class="actions">
      {run.status === "running" && (
        <button type="button" disabled={off} aria-describedby={why} onClick={() => control("pause")}>
          Pause
        </button>
      )}
      {run.status === "paused" && (
        <button type="button" disabled={off} aria-describedby={why} onClick={() => control("resume")}>
          Resume
        </button>
      )}
      {run.status === "failed" && run.cursor >= 1 && run.cursor <= run.steps && (
        <button type="button" class="primary" disabled={off} aria-describedby={why} onClick={() => control("retry")}>
          Retry from step {run.cursor}
        </button>
      )}
      {!ended && (
        <Confirm
          label="Cancel run"
          question="Cancel this run? It stops after the step in progress; what it already wrote stays. This cannot be undone."
          yes="Yes, cancel the run"
          act={() => void control("cancel")}
          disabled={off}
          describedBy={why}
        />
      )}
      {ended && (
        <button type="button" disabled={off} aria-describedby={why} onClick={again}>
          Run again
        </button>
      )}
      {refused && (
        <p class="hint" id="control-refused">
          {refused}
        </p>
      )}
      <ErrorText error={error} />
    </div>
  );
}

/** A person's verdict on an ended run (POST /runs/{id}/rating): good, or not right with a reason the
 * agent's next runs on the page are told; a reason given before proposes an instructions edit. */
function Rate({ run }: { run: Timeline }) {
  const [busy, error, act] = useAction();
  const [bad, setBad] = useState(false);
  const [reason, setReason] = useState("");
  const [rated, setRated] = useState<S["Rated"] | null>(null);
  const rate = (verdict: "good" | "bad") =>
    act(async () => {
      const body = verdict === "bad" ? { verdict, reason } : { verdict };
      setRated(await send<S["Rated"]>("POST", url("/runs/{run_id}/rating", { run_id: run.run_id }), body));
    });
  if (rated) {
    return (
      <p class="state" role="status">
        {rated.verdict === "good" ? "Thanks: rated good." : "Thanks: the agent's next runs on this page are told why."}
        {rated.proposal ? " This reason was given before: the owner is asked to add it to the agent's instructions." : ""}
      </p>
    );
  }
  return (
    <form
      class="card rate"
      aria-label="Rate this run"
      onSubmit={(e) => {
        e.preventDefault();
        void rate("bad");
      }}
    >
      <p>Did this run do what you wanted?</p>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => rate("good")}>
          Yes, good
        </button>
        <button type="button" disabled={busy} aria-expanded={bad} onClick={() => setBad(true)}>
          Not right
        </button>
      </div>
      {bad && (
        <>
          <label>
            Why not? The agent's next runs on this page are told.
            <textarea maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Send the reason
          </button>
        </>
      )}
      <ErrorText error={error} />
    </form>
  );
}

/** A tool's arguments or output, always as text (never markup): strings whole, links as links. */
function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="state empty">none</span>;
  if (typeof value === "string") {
    if (/^https?:\/\/\S+$/.test(value)) {
      return (
        <a href={value} target="_blank" rel="noopener noreferrer">
          {value}
        </a>
      );
    }
    return <span class="text">{value}</span>;
  }
  if (typeof value !== "object") return <span>{String(value)}</span>;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return <span class="state empty">none</span>;
  return (
    <dl class="values">
      {entries.map(([name, inner]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>
            <Value value={inner} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function StepItem({ step }: { step: Step }) {
  return (
    <li class={`step ${step.status}`} data-step={step.step}>
      <h3>
        Step {step.step}: {step.tool} <span class="meta">({step.status === "done" ? "done" : step.status === "failed" ? "failed" : "running"})</span>
      </h3>
      <p class="meta">
        started <time dateTime={step.started_at}>{when(step.started_at)}</time> · took {step.duration_ms === null ? "not finished" : took(step.duration_ms)} ·{" "}
        {step.attempts} attempt{step.attempts === 1 ? "" : "s"}
      </p>
      {step.rationale && <p class="rationale">{step.rationale}</p>}
      <details>
        <summary>Arguments</summary>
        <Value value={step.args} />
      </details>
      {step.output && (
        <details>
          <summary>Result</summary>
          <Value value={step.output} />
        </details>
      )}
      {step.errors.length > 0 && (
        <ul class="errors">
          {step.errors.map((e) => (
            <li key={e.at} class={step.tool === "fan_in" && e.message.startsWith("fan_in:") ? "wait" : "error"}>
              <time dateTime={e.at}>{when(e.at)}</time> {e.error}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

type Source = NonNullable<Timeline["started_by"]>["source"] & string;
// Where a run was asked, as its link back reads (the api's started_by.source), and without a link.
const SOURCE_LINKS: Record<Source, string> = {
  slack: "the Slack message",
  mail: "the mail, in Gmail",
  meeting: "the meeting, in Google Calendar",
};
const SOURCE_WORDS: Record<Source, string> = {
  slack: "a Slack message",
  mail: "a mail to the agent's address",
  meeting: "a meeting of a connected calendar",
};

function StartedBy({ run }: { run: Timeline }) {
  const by = run.started_by;
  if (!by) return null;
  // Every value here is text from Notion or the team (untrusted): rendered as text, never as markup.
  return (
    <dl class="started-by" aria-label="Who started it">
      <div>
        <dt>Started by</dt>
        <dd>
          {by.what}
          {by.trigger === "webhook" ? (by.member ? " (a member of the workspace)" : " (the owner)") : ""}
        </dd>
      </div>
      {by.people.length > 0 && (
        <div>
          <dt>{by.people.length === 1 ? "Person" : "People"}</dt>
          <dd class="people">
            {by.people.map((p, i) => (
              <span key={p.notion_user_id} class="person">
                {i > 0 ? ", " : ""}
                {p.name || p.email || "a Notion user"}
                {p.name && p.email ? ` <${p.email}>` : ""} <span class="meta">(Notion user {p.notion_user_id})</span>
              </span>
            ))}
          </dd>
        </div>
      )}
      {by.rule && (
        <div>
          <dt>Trigger rule</dt>
          <dd class="rule">{by.rule}</dd>
        </div>
      )}
      {by.event_type && (
        <div>
          <dt>Event</dt>
          <dd class="event">{by.event_type}</dd>
        </div>
      )}
      {by.slot && (
        <div>
          <dt>Schedule</dt>
          <dd class="slot">{by.slot}</dd>
        </div>
      )}
      {by.page_id && (
        <div>
          <dt>From the page</dt>
          <dd class="page">
            {by.page_title ? <span class="text">{by.page_title}</span> : "a page"} <span class="meta">({by.page_id})</span>
          </dd>
        </div>
      )}
      {by.source && (
        <div>
          <dt>Asked in</dt>
          <dd class="source">
            {by.link && by.link.startsWith("https://") ? (
              <a href={by.link} target="_blank" rel="noopener noreferrer">
                {SOURCE_LINKS[by.source]}
              </a>
            ) : (
              SOURCE_WORDS[by.source]
            )}
          </dd>
        </div>
      )}
      {by.parent_run_id && (
        <div>
          <dt>Handed over by</dt>
          <dd>
            <a href={`#/runs/${encodeURIComponent(by.parent_run_id)}`}>run {by.parent_run_id}</a>
          </dd>
        </div>
      )}
      <div>
        <dt>Agent</dt>
        <dd>
          {by.agent_name || run.agent_name || "the default agent"}
          {run.instructions_hash ? ` · instructions ${run.instructions_hash.slice(0, 12)}` : ""}
          {run.instructions_edited_at ? ` (edited ${when(run.instructions_edited_at)})` : ""}
        </dd>
      </div>
    </dl>
  );
}

type Related = S["RunRelated"];
type Kin = Related["children"][number];
const KIN_MS = 5000;

/** The run's lineage (GET /runs/{id}/related), read afresh: again when the run changes, and every
 * KIN_MS while a child is still going (a child moves on while its parent stands still). */
function useRelated(run: Timeline): { related: Related | null; error: unknown } {
  const [related, setRelated] = useState<Related | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let timer = 0;
    const look = async () => {
      try {
        const found = await request<Related>("GET", url("/runs/{run_id}/related", { run_id: run.run_id }));
        if (!live || !found.body) return;
        setRelated(found.body);
        setError(null);
        if (found.body.children.some((c) => !ENDED.has(c.status))) timer = window.setTimeout(look, KIN_MS);
      } catch (reason) {
        if (live) setError(reason);
      }
    };
    void look();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [run.run_id, run.updated_at]);
  return { related, error };
}

function KinItem({ kin }: { kin: Kin }) {
  const how = kin.how === "map" ? `a parallel map's child (step ${kin.step})` : kin.how === "hand_off" ? `a hand-off (step ${kin.step})` : "";
  return (
    <li data-run={kin.run_id}>
      <a href={`#/runs/${encodeURIComponent(kin.run_id)}`}>{kin.title || kin.goal || kin.run_id}</a> <Status status={kin.status} />
      <span class="meta">
        {" "}
        {how ? `${how} · ` : ""}
        {kin.agent_name ? `agent ${kin.agent_name} · ` : ""}
        {kin.run_id}
      </span>
      {kin.summary && <p class="summary">{kin.summary}</p>}
    </li>
  );
}

function Lineage({ run }: { run: Timeline }) {
  const { related, error } = useRelated(run);
  if (!related) return <ErrorText error={error} />;
  const { ancestors, children, children_total: total } = related;
  if (ancestors.length === 0 && total === 0) return null;
  return (
    <section class="lineage" aria-labelledby="lineage-title">
      <h2 id="lineage-title">Hand-offs and children</h2>
      {ancestors.length > 0 && (
        <>
          <h3>Handed its work by</h3>
          <ol class="ancestors">
            {ancestors.map((kin) => (
              <KinItem key={kin.run_id} kin={kin} />
            ))}
          </ol>
        </>
      )}
      {run.chain.length > 0 && <p class="meta">Agents before it: {run.chain.join(" → ")}</p>}
      {total > 0 && (
        <>
          <h3>
            Runs it started ({total}
            {children.length < total ? `, the first ${children.length} shown` : ""})
          </h3>
          <ul class="children">
            {children.map((kin) => (
              <KinItem key={kin.run_id} kin={kin} />
            ))}
          </ul>
        </>
      )}
      <ErrorText error={error} />
    </section>
  );
}

export function RunScreen({ runId, session = null }: { runId: string; session?: Session }) {
  const { run, error, planning, missing, refresh } = useRun(runId);
  const [notice, setNotice] = useState("");
  useEffect(() => setNotice(""), [runId]);
  if (!run) {
    return (
      <section>
        <h1>Run</h1>
        <p>
          <a href="#/runs">All runs</a>
        </p>
        {planning ? <p role="status">This run is being planned; it shows here in a moment.</p> : null}
        {missing ? (
          <p class="error" role="alert">
            No run of this workspace has this link. It may belong to another workspace, or its planning
            failed: find your runs in <a href="#/runs">all runs</a>.
          </p>
        ) : null}
        {!planning && !missing && !error && <Loading what="the run" />}
        <ErrorText error={error} />
      </section>
    );
  }
  return (
    <section>
      <p>
        <a href="#/runs">All runs</a>
      </p>
      <h1>{run.title || run.goal}</h1>
      {run.title && run.title !== run.goal && (
        <details class="goal">
          <summary>Its whole goal</summary>
          <p class="text">{run.goal}</p>
        </details>
      )}
      <p class="meta" aria-live="polite" id="run-status" tabIndex={-1}>
        <Status status={run.status} /> · step {Math.min(run.cursor, run.steps)} of {run.steps} · {money(run.cost_usd)}
        {run.children_cost_usd ? ` + ${money(run.children_cost_usd)} its children` : ""} ·
        started {when(run.created_at)}
      </p>
      {run.summary && <Summary text={run.summary} />}
      <Outage run={run} />
      <ErrorText error={error} />
      {notice && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
      <Decision run={run} refresh={refresh} lost={setNotice} session={session} />
      <Controls run={run} refresh={refresh} session={session} />
      {ENDED.has(run.status) && !controlRefusal(session) && <Rate run={run} />}
      {ENDED.has(run.status) && <UndoRun runId={run.run_id} />}
      <StartedBy run={run} />
      <CodeSection runId={runId} round={String(run.events.length)} />
      <h2>Steps</h2>
      {run.step_rows.length === 0 ? (
        <p class="state empty">No step has begun.</p>
      ) : (
        <ol class="steps">
          {run.step_rows.map((step) => (
            <StepItem key={step.step} step={step} />
          ))}
        </ol>
      )}
      {run.remaining.length > 0 && (
        <>
          <h2>Still to do</h2>
          <ol class="remaining">
            {run.remaining.map((step) => (
              <li key={step.step} value={step.step}>
                {step.tool} <Value value={step.args} />
              </li>
            ))}
          </ol>
        </>
      )}
      <Lineage run={run} />
      <h2>What it wrote</h2>
      {run.wrote.length === 0 ? (
        <p class="state empty">Nothing yet.</p>
      ) : (
        <ul>
          {run.wrote.map((item) => (
            <li key={`${item.tool} ${item.url}`}>
              {item.what || item.tool}:{" "}
              <a href={item.url} target="_blank" rel="noopener noreferrer">
                {item.url}
              </a>
            </li>
          ))}
        </ul>
      )}
      <h2>Timeline</h2>
      <ol class="timeline">
        {linesOf(run.events).map(({ event, times, last }) => (
          <li key={event.seq} class={isWait(event) ? "wait" : undefined}>
            <time dateTime={event.at}>{when(event.at)}</time> {describe(event, session?.member_id ?? "")}
            {times > 1 ? ` (${times} times, the last at ${when(last)})` : ""}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A run's summary; its lines that start "- " as a list (what the local model understands when it
 * did not understand a request). */
function Summary({ text }: { text: string }) {
  const lines = text.split("\n");
  const items = lines.filter((line) => line.startsWith("- ")).map((line) => line.slice(2));
  if (!items.length) return <p class="summary">{text}</p>;
  return (
    <div class="summary">
      <p>{lines.filter((line) => !line.startsWith("- ")).join(" ")}</p>
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </div>
  );
}

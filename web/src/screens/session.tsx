// Sessions: a person's conversations with an agent (POST /sessions, GET /sessions) and one session
// (GET /sessions/{id}): its messages, each answered as Ask or turned into a run, followed live by the
// session's stream (GET /sessions/{id}/events; without one, GET /sessions/{id}?after= every 2 s) and
// the latest run's by the run page's own hook, its request decided with the run page's own component.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, get, roleRefusal, send, url } from "../api";
import { Choice, Empty, ErrorText, LoadState, Loading, Status, go, rememberStarted, useAction, useLoad, when } from "../ui";
import { Cited, freshKey as key, words } from "./ask";
import { Decision, describe, linesOf, useRun } from "./run";

type Talk = S["AgentSessionDetail"];
type Message = S["SessionMessage"];
type Act = Message["act"];
type Login = S["SessionView"] | null;
const POLL_MS = 2000;
// A stream refused (a 429 for the person's pace, a restart): opened again this long after, polling meanwhile.
const RELISTEN_MS = 10_000;
const TEXT_CHARS = 2000; // shared/sessions/domain/sessions.py's TEXT_CHARS: the api refuses more
const SHOWN_EVENTS = 8; // the run's latest lines shown here; the whole timeline is on its page
const STREAMS = typeof EventSource !== "undefined";

const ACTS: [Act, string][] = [
  ["ask", "Ask: answered from the pages you can reach, nothing changed"],
  ["run", "Run: the agent acts on it (you approve what it changes)"],
  ["steer", "Steer the run: its answer, or a rejection with your words that it plans again with"],
];

/** `now` with `more` merged in by place (a message settled later replaces the one received). */
function merged(now: Message[], more: Message[]): Message[] {
  const byPlace = new Map(now.map((m) => [m.place, m]));
  for (const m of more) byPlace.set(m.place, m);
  return [...byPlace.values()].sort((a, b) => a.place - b.place);
}

/** The run the session follows: the latest a message started or steered to, else the session's. */
function followed(talk: Talk | null, messages: Message[]): string {
  const latest = [...messages].reverse().find((m) => m.run_id && (m.state === "started" || m.state === "steered"));
  return latest?.run_id ?? talk?.run_id ?? "";
}

/** The session and its messages, followed while shown: by its stream (each settled message an event,
 * resumed by the browser with Last-Event-ID), or, with none or while refused, read every POLL_MS; a
 * refused stream is opened again after RELISTEN_MS (an EventSource never retries a refusal itself). */
function useTalk(sessionId: string): { talk: Talk | null; messages: Message[]; error: unknown; live: boolean; add: (m: Message) => void } {
  const [talk, setTalk] = useState<Talk | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  const last = useRef(0);
  const take = (more: Message[]) =>
    setMessages((now) => {
      const all = merged(now, more);
      // Read again after the last message settled with none still being acted on before it
      const open = all.find((m) => m.state === "received");
      last.current = open ? open.place - 1 : (all[all.length - 1]?.place ?? 0);
      return all;
    });
  useEffect(() => {
    let on = true;
    let timer = 0;
    let relisten = 0;
    let source: EventSource | null = null;
    last.current = 0;
    setTalk(null);
    setMessages([]);
    const poll = async () => {
      window.clearTimeout(timer);
      timer = 0;
      try {
        const found = await get<Talk>(url("/sessions/{session_id}", { session_id: sessionId }, { after: String(last.current) }));
        if (!on) return;
        setTalk(found);
        take(found.messages);
        setError(null);
      } catch (reason) {
        if (!on) return;
        setError(reason);
        if (reason instanceof ApiError && [401, 404].includes(reason.status)) return;
      }
      if (on && source === null) timer = window.setTimeout(poll, POLL_MS);
    };
    const listen = () => {
      if (!STREAMS) return;
      source = new EventSource(url("/sessions/{session_id}/events", { session_id: sessionId }), { withCredentials: true });
      source.addEventListener("message", (event) => take([JSON.parse((event as MessageEvent<string>).data) as Message]));
      source.onopen = () => setLive(true);
      source.onerror = () => {
        // It reconnects by itself after its deadline; refused for good (CLOSED), polling takes over.
        setLive(false);
        if (source?.readyState === EventSource.CLOSED) {
          source = null;
          if (timer === 0) timer = window.setTimeout(poll, POLL_MS);
          window.clearTimeout(relisten);
          relisten = window.setTimeout(() => on && source === null && listen(), RELISTEN_MS);
        }
      };
    };
    void poll().then(() => on && listen());
    return () => {
      on = false;
      window.clearTimeout(timer);
      window.clearTimeout(relisten);
      source?.close();
    };
  }, [sessionId]);
  return { talk, messages, error, live, add: (m) => take([m]) };
}

function Said({ message }: { message: Message }) {
  const run = message.run_id ? (
    <a href={`#/runs/${encodeURIComponent(message.run_id)}`}>run {message.run_id}</a>
  ) : null;
  switch (message.state) {
    case "answered":
      return (
        <>
          <p class="summary">{words(message)}</p>
          <Cited cited={message.cited} />
        </>
      );
    case "started":
      return <p class="state">Started {run}; it shows below as it goes.</p>;
    case "steered":
      return (
        <p class="state">
          {message.answer} ({run})
        </p>
      );
    case "failed":
      return <p class="error">Not done: {message.reason}</p>;
    default:
      return <p class="state">Being answered…</p>;
  }
}

const ACT_WORDS: Record<Act, string> = { ask: "Asked", run: "Run", steer: "Steered" };

/** The run the session follows, as it goes: its state, its latest lines and, when it asks, the run
 * page's decision (bound to the request and the change it names). */
function FollowedRun({ runId, login, asking }: { runId: string; login: Login; asking: (now: boolean) => void }) {
  const { run, error, planning, refresh } = useRun(runId);
  const [notice, setNotice] = useState("");
  const waits = run?.status === "waiting_for_human" && !!run.waiting;
  useEffect(() => {
    asking(waits);
    return () => asking(false);
  }, [waits]);
  if (!run) {
    return (
      <section class="card" aria-labelledby="run-title">
        <h2 id="run-title">The run</h2>
        <p role="status">{planning ? "The run is being planned; it shows here in a moment." : "Loading the run…"}</p>
        <ErrorText error={error} />
      </section>
    );
  }
  const lines = linesOf(run.events).slice(-SHOWN_EVENTS);
  return (
    <section class="card" aria-labelledby="run-title" data-run={run.run_id}>
      <h2 id="run-title">
        The run: <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{run.title || run.goal}</a>
      </h2>
      <p class="meta" aria-live="polite" id="run-status" tabIndex={-1}>
        <Status status={run.status} /> · step {Math.min(run.cursor, run.steps)} of {run.steps}
      </p>
      {run.summary && <p class="summary">{run.summary}</p>}
      {notice && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
      <Decision run={run} refresh={refresh} lost={setNotice} session={login} />
      <h3>What it did</h3>
      <ol class="timeline" aria-label="The run's latest events">
        {lines.map(({ event }) => (
          <li key={event.seq}>
            <time dateTime={event.at}>{when(event.at)}</time> {describe(event, login?.member_id ?? "")}
          </li>
        ))}
      </ol>
      <ErrorText error={error} />
    </section>
  );
}

function Compose({ sessionId, steerable, sent }: { sessionId: string; steerable: boolean; sent: (m: Message) => void }) {
  const refusal = roleRefusal("editor", "send a message");
  const [text, setText] = useState("");
  const [act, setAct] = useState<Act>("ask");
  const [problem, setProblem] = useState("");
  const [busy, error, run] = useAction();
  const pending = useRef(key());
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!steerable && act === "steer") setAct("run");
  }, [steerable]);
  const submit = (event: Event) => {
    event.preventDefault();
    const said = text.trim();
    const wrong = !said ? "Write a message first." : said.length > TEXT_CHARS ? `A message has at most ${TEXT_CHARS.toLocaleString()} characters; this one has ${said.length.toLocaleString()}.` : "";
    setProblem(wrong);
    if (wrong) {
      field.current?.focus();
      return;
    }
    void run(async () => {
      try {
        const made = await send<Message>("POST", url("/sessions/{session_id}/messages", { session_id: sessionId }), { text: said, act, request_id: pending.current });
        if (made.run_id && made.state !== "answered") rememberStarted(made.run_id);
        sent(made);
        pending.current = key();
        setText("");
      } catch (reason) {
        // Refused (a 409 names why): recorded as failed under this key, so the next try is a new message
        if (reason instanceof ApiError && reason.status === 409) pending.current = key();
        field.current?.focus();
        throw reason;
      }
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-busy={busy} aria-label="Send a message">
      {refusal && <p class="hint">{refusal}</p>}
      <label>
        Your message
        <textarea
          ref={field}
          rows={3}
          value={text}
          disabled={!!refusal}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-invalid={problem ? "true" : undefined}
          aria-describedby={problem ? "message-problem" : undefined}
        />
      </label>
      {problem && (
        <span class="field-error" id="message-problem" role="alert">
          {problem}
        </span>
      )}
      <fieldset class="options">
        <legend>What should the agent do with it?</legend>
        {ACTS.map(([value, said]) => (
          <label key={value}>
            <input type="radio" name="act" value={value} checked={act === value} disabled={!!refusal || (value === "steer" && !steerable)} onChange={() => setAct(value)} />
            {said}
          </label>
        ))}
        {!steerable && <p class="hint">Steering takes a message while the session's run asks something.</p>}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !!refusal}>
          {busy ? "Sending…" : "Send"}
        </button>
      </div>
      {busy && (
        <p class="state" role="status">
          {act === "ask" ? "Searching the workspace and writing the answer…" : "Sending it to the agent…"}
        </p>
      )}
      <ErrorText error={error} />
    </form>
  );
}

export function SessionScreen({ sessionId, login }: { sessionId: string; login: Login }) {
  const { talk, messages, error, live, add } = useTalk(sessionId);
  const agents = useLoad(() => get<S["AgentList"]>(url("/agents")));
  const runId = followed(talk, messages);
  const [asking, setAsking] = useState(false);
  const latest = useRef<HTMLHeadingElement>(null);
  useEffect(() => latest.current?.focus(), [messages.length]);
  if (!talk) {
    const back = <a href="#/sessions">All sessions</a>;
    return (
      <section>
        <h1>Session</h1>
        {error ? <ErrorText error={error} /> : <Loading what="the session" />}
        <p>{back}</p>
      </section>
    );
  }
  const agent = agents.data?.agents.find((a) => a.agent_id === talk.agent_id)?.name ?? talk.agent_id;
  return (
    <section>
      <p>
        <a href="#/sessions">All sessions</a>
      </p>
      <h1>Session with {agent}</h1>
      <p class="meta" id="session-live">
        Opened {when(talk.created_at)} · {live ? "answers and runs show here as they happen" : "shown again every 2 seconds"}
      </p>
      {talk.origin === "slack" && (
        <p class="hint" data-origin="slack">
          From a Slack thread: each of your messages there is one here, and its answers and approvals come to that thread
          too.
        </p>
      )}
      {messages.length === 0 ? (
        <Empty>No message yet: ask the workspace something, or ask the agent to do it.</Empty>
      ) : (
        <ol class="timeline" aria-label="This session">
          {messages.map((m, n) => (
            <li key={m.place} data-place={m.place} data-state={m.state}>
              <h2 tabIndex={-1} ref={n === messages.length - 1 ? latest : undefined}>
                {m.text}
              </h2>
              <p class="meta">
                {ACT_WORDS[m.act]} · <time dateTime={m.created_at}>{when(m.created_at)}</time>
              </p>
              <Said message={m} />
            </li>
          ))}
        </ol>
      )}
      {runId && <FollowedRun key={runId} runId={runId} login={login} asking={setAsking} />}
      <Compose sessionId={sessionId} steerable={asking} sent={add} />
      <ErrorText error={error} />
    </section>
  );
}

export function SessionsScreen() {
  const refusal = roleRefusal("editor", "open a session");
  const list = useLoad(() => get<S["AgentSessionList"]>(url("/sessions")));
  const agents = useLoad(() => get<S["AgentList"]>(url("/agents")));
  const [agent, setAgent] = useState("default");
  const [busy, error, act] = useAction();
  const names = new Map((agents.data?.agents ?? []).map((a) => [a.agent_id, a.name]));
  const open = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const made = await send<S["AgentSession"]>("POST", url("/sessions"), { agent_id: agent, request_id: key() });
      go(`#/sessions/${encodeURIComponent(made.session_id)}`);
    });
  };
  return (
    <section>
      <h1>Sessions</h1>
      <p>
        Talk with an agent: ask it what the workspace says, have it do something, steer what it is doing and approve its
        changes, all in one place.
      </p>
      <form class="card" onSubmit={open} aria-busy={busy}>
        {refusal && <p class="hint">{refusal}</p>}
        <Choice
          label="Agent"
          value={agent}
          set={setAgent}
          disabled={!!refusal}
          options={(agents.data?.agents ?? [{ agent_id: "default", name: "the default agent" }]).map((a) => [a.agent_id, a.name])}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !!refusal}>
            Open a session
          </button>
        </div>
        <ErrorText error={error} />
      </form>
      <h2>Your sessions</h2>
      <LoadState of={list} what="your sessions" />
      {list.data && list.data.sessions.length === 0 && <Empty>No session yet.</Empty>}
      {list.data && list.data.sessions.length > 0 && (
        <ul>
          {list.data.sessions.map((s) => (
            <li key={s.session_id}>
              <a href={`#/sessions/${encodeURIComponent(s.session_id)}`}>Session with {names.get(s.agent_id) ?? s.agent_id}</a>{" "}
              <span class="meta">
                {s.origin === "slack" ? "from a Slack thread, " : ""}opened {when(s.created_at)} · {s.count} message
                {s.count === 1 ? "" : "s"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// The approvals inbox: every run waiting for a decision the signed-in person may
// make within their role (GET /inbox), each with the whole request, decided in place one by one or
// several at once.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, get, send, url } from "../api";
import { ChangeAsked } from "./code";
import { AskedPage, ChosenButtons, DECISION_MADE, DecidedBy, Empty, ErrorText, Loading, Prompt, STATUS_WORDS, effectsInWords, messageOf, useAction, usePoll, when } from "../ui";

type Item = S["Inbox"]["runs"][number];
type Choice = "approve" | "reject" | "answer";
const REFRESH_MS = 5000;
// After a decision the run goes on; until it asks again or ends (at most MOVING_FOR_MS), the inbox
// asks every MOVING_MS and says where it is, so it never reads "Nothing waits" while the run it
// decided is about to ask the next thing (that lasted until a reload).
const MOVING_MS = 1000;
const MOVING_FOR_MS = 60_000;
const MOVING_READ = 5; // the decided runs followed at once (a bulk decision's first few)
/** A run decided here, followed until it settles: going on, asking again (its card below) or ended. */
type Moving = { runId: string; title: string; done: string; status: string; since: number };
type Timeline = S["RunTimeline"];

/** Where a decided run is now, in words. */
function movingWords(m: Moving): string {
  if (m.status === "waiting_for_human") return `${m.title}: ${m.done}; it asks you again, below.`;
  if (m.status === "running" || m.status === "planning") return `${m.title}: ${m.done}; it goes on (${STATUS_WORDS[m.status]}): what it asks next shows here.`;
  return `${m.title}: ${m.done}; it is now ${(STATUS_WORDS[m.status] ?? m.status).toLowerCase()}.`;
}

/** Whether a decided run may still ask again soon: going on, and decided within MOVING_FOR_MS. */
function stillMoving(m: Moving, now: number): boolean {
  return (m.status === "running" || m.status === "planning") && now - m.since < MOVING_FOR_MS;
}
const DONE: Record<Choice, string> = { approve: "Approved", reject: "Rejected", answer: "Answered" };

/** One decision on one run's request (POST /runs/{id}/{decision}): the run's status once it is
 * recorded, or why it was not done. */
async function decideOne(run: Item, decision: Choice, text: string): Promise<{ refused: string; status: string }> {
  const waiting = run.waiting;
  if (!waiting) return { refused: "it no longer waits", status: "" };
  try {
    const moved = await send<S["RunMoved"]>("POST", url(`/runs/{run_id}/${decision}`, { run_id: run.run_id }), {
      request_id: waiting.request_id,
      text,
    });
    return { refused: "", status: moved?.status ?? "running" };
  } catch (reason) {
    if (reason instanceof ApiError && reason.status === 409) return { refused: `already decided or moved on (${reason.message})`, status: "" };
    return { refused: messageOf(reason), status: "" };
  }
}

/** Whether a request is answered in words (a question, a debate's verdict) rather than approved. */
export function answered(purpose: string): boolean {
  return purpose === "question" || purpose === "verdict";
}

/** The reply to a run's request: a note (to a question, the answer) and its buttons, Answer or
 * Approve, then Reject. `refused` (why this person may not decide) disables them and is said below.
 * `options`: a debate's answers (decision 0128); picking one makes it the verdict, editable. */
export function Reply({ question, text, setText, busy, refused = "", mayReject = false, decide, options = [], group = "verdict" }: {
  question: boolean;
  text: string;
  setText: (text: string) => void;
  busy: boolean;
  refused?: string;
  mayReject?: boolean; // refused approving or answering only: Reject stays enabled
  decide: (decision: Choice) => void;
  options?: string[];
  group?: string;
}) {
  const off = busy || !!refused;
  const why = refused ? "decide-refused" : undefined;
  return (
    <>
      {options.length > 0 && (
        <fieldset class="options">
          <legend>Pick the answer that settles it, or write your own verdict</legend>
          {options.map((option) => (
            <label key={option}>
              <input type="radio" name={group} checked={text === option} disabled={off} onChange={() => setText(option)} />
              {option}
            </label>
          ))}
        </fieldset>
      )}
      <label>
        {options.length > 0 ? "Your verdict" : question ? "Your answer" : "A note (optional)"}
        <textarea value={text} onInput={(e) => setText(e.currentTarget.value)} maxLength={2000} rows={2} />
      </label>
      <div class="actions">
        {question ? (
          <button type="button" class="primary" disabled={off || !text.trim()} aria-describedby={why} onClick={() => decide("answer")}>
            Answer
          </button>
        ) : (
          <button type="button" class="primary" disabled={off} aria-describedby={why} onClick={() => decide("approve")}>
            Approve
          </button>
        )}
        <button type="button" disabled={busy || (!!refused && !mayReject)} aria-describedby={why} onClick={() => decide("reject")}>
          Reject
        </button>
      </div>
      {refused && (
        <p class="hint" id="decide-refused">
          {refused}
        </p>
      )}
    </>
  );
}

function Request({ run, chosen, choose, decided }: {
  run: Item;
  chosen: boolean;
  choose: (on: boolean) => void;
  decided: (words: string, moved?: Moving) => void;
}) {
  const waiting = run.waiting;
  const [text, setText] = useState("");
  const [busy, error, act] = useAction();
  if (!waiting) return null;
  const question = answered(waiting.purpose);
  const title = run.title || run.goal;
  const id = `ask-${run.run_id}`;
  const decide = (decision: Choice) =>
    act(async () => {
      const { refused, status } = await decideOne(run, decision, text);
      const done = DONE[decision].toLowerCase();
      if (refused) decided(`${title}: not done: ${refused}.`);
      else decided(`${title}: ${done}.`, { runId: run.run_id, title, done, status, since: Date.now() });
    });
  return (
    <li class="card request" aria-labelledby={id}>
      <div class="request-head">
        {!question && (
          <input type="checkbox" aria-label={`Choose ${title}`} checked={chosen} onChange={(e) => choose(e.currentTarget.checked)} />
        )}
        <h2 id={id}>
          <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{title}</a>
        </h2>
      </div>
      <p class="hint">
        {waiting.purpose === "verdict" ? "Asks you to settle a debate" : question ? "Asks a question" : "Asks for approval"}
        {run.agent_name ? ` · agent ${run.agent_name}` : ""} · waiting since {when(run.updated_at)}
      </p>
      {run.change ? <ChangeAsked change={run.change} prompt={<Prompt text={waiting.prompt} />} /> : <Prompt text={waiting.prompt} />}
      <AskedPage href={waiting.page_url} />
      {(waiting.effects ?? []).length > 0 && (
        <p class="effects">{effectsInWords(waiting.effects ?? [])}</p>
      )}
      <DecidedBy needs={run.needs} />
      <Reply question={question} text={text} setText={setText} busy={busy} decide={decide} options={waiting.options ?? []} group={`verdict-${run.run_id}`} />
      <ErrorText error={error} />
    </li>
  );
}

export function InboxScreen() {
  const [inbox, setInbox] = useState<S["Inbox"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [said, setSaid] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string[]>([]);
  const [round, setRound] = useState(0);
  const [moving, setMoving] = useState<Moving[]>([]);
  const [busy, bulkError, act] = useAction();
  // After a decision the card decided leaves the page: focus goes to what was done, not to <body>
  //, so a keyboard user goes on from there.
  const notice = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (said.length) notice.current?.focus();
  }, [said]);

  const followed = moving.filter((m) => stillMoving(m, Date.now()));
  usePoll(
    async () => {
      const page = await get<S["Inbox"]>(url("/inbox"));
      const now = await Promise.all(
        followed.map((m) =>
          get<Timeline>(url("/runs/{run_id}", { run_id: m.runId }))
            .then((run) => ({ runId: m.runId, status: String(run.status) }))
            .catch(() => ({ runId: m.runId, status: m.status })),
        ),
      );
      return { page, now };
    },
    ({ page, now }) => {
      setInbox(page);
      setError(null);
      setChosen((old) => old.filter((id) => page.runs.some((r) => r.run_id === id)));
      const asking = new Set(page.runs.map((r) => r.run_id));
      setMoving((old) =>
        old.map((m) => {
          const seen = now.find((n) => n.runId === m.runId);
          const status = asking.has(m.runId) ? "waiting_for_human" : seen?.status ?? m.status;
          return status === m.status ? m : { ...m, status };
        }),
      );
    },
    setError,
    followed.length ? MOVING_MS : REFRESH_MS,
    `${round}:${followed.map((m) => m.runId).join(",")}`,
  );

  const decided = (words: string[], moved: Moving[] = []) => {
    setSaid(words);
    setMoving(moved.slice(0, MOVING_READ));
    window.dispatchEvent(new Event(DECISION_MADE));
    setRound((n) => n + 1);
  };
  const runs = inbox?.runs ?? [];
  const approvals = runs.filter((r) => r.waiting && !answered(r.waiting.purpose));
  const all = approvals.length > 0 && approvals.every((r) => chosen.includes(r.run_id));
  const choose = (runId: string, on: boolean) =>
    setChosen((old) => (on ? [...old.filter((id) => id !== runId), runId] : old.filter((id) => id !== runId)));
  const bulk = (decision: "approve" | "reject") =>
    act(async () => {
      const words: string[] = [];
      const moved: Moving[] = [];
      for (const run of approvals.filter((r) => chosen.includes(r.run_id))) {
        const { refused, status } = await decideOne(run, decision, "");
        const title = run.title || run.goal;
        const done = DONE[decision].toLowerCase();
        words.push(`${title}: ${refused ? `not done: ${refused}` : done}.`);
        if (!refused) moved.push({ runId: run.run_id, title, done, status, since: Date.now() });
      }
      setChosen([]);
      decided(words, moved);
    });

  return (
    <section>
      <h1>Inbox</h1>
      <p>The runs waiting for a decision you may make, within your role: approve, reject or answer each here.</p>
      {said.length > 0 && (
        <ul class="notice" role="status" tabIndex={-1} ref={notice}>
          {said.map((words, n) => (
            <li key={`${n}-${words}`}>{words}</li>
          ))}
        </ul>
      )}
      {moving.length > 0 && (
        <ul class="moving" aria-live="polite">
          {moving.map((m) => (
            <li key={m.runId}>
              <a href={`#/runs/${encodeURIComponent(m.runId)}`}>{movingWords(m)}</a>
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
      {inbox === null && !error && <Loading what="the decisions waiting for you" />}
      {inbox !== null && runs.length === 0 && (
        <Empty>{followed.length ? "Nothing else waits for your decision now." : "Nothing waits for your decision."}</Empty>
      )}
      {approvals.length > 1 && (
        <div class="actions bulk" role="group" aria-label="Chosen requests">
          <label>
            <input type="checkbox" checked={all} onChange={(e) => setChosen(e.currentTarget.checked ? approvals.map((r) => r.run_id) : [])} />
            Select all
          </label>
          <ChosenButtons
            count={chosen.length}
            busy={busy}
            actions={[
              ["Approve chosen", () => void bulk("approve")],
              ["Reject chosen", () => void bulk("reject")],
            ]}
          />
          <ErrorText error={bulkError} />
        </div>
      )}
      {runs.length > 0 && (
        <ul class="requests">
          {runs.map((run) => (
            <Request
              key={`${run.run_id}-${run.waiting?.request_id ?? ""}`}
              run={run}
              chosen={chosen.includes(run.run_id)}
              choose={(on) => choose(run.run_id, on)}
              decided={(words, moved) => decided([words], moved ? [moved] : [])}
            />
          ))}
        </ul>
      )}
      {inbox?.more && (
        <p>
          More runs wait than are shown: <a href="#/runs?status=waiting_for_human">all waiting runs</a>.
        </p>
      )}
    </section>
  );
}

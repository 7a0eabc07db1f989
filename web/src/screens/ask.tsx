// Ask: a question to the workspace's index, answered with the pages it used as links. A conversation
// is a session of the default agent (POST /sessions); each question's answer is streamed as it is
// written (POST /sessions/{id}/answers: accepted, its text in chunks, then whole with its pages), the
// stream resumed after each cut or deadline while the answer is being written, and asked in one block
// (POST /sessions/{id}/messages, the same key: the same question, answered once) only where no
// stream can be had. The api searches only within the asker's reach.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, postStream, roleRefusal, send, url } from "../api";
import { Empty, messageOf, safeUrl } from "../ui";

const QUESTION_CHARS = 2000; // shared/services/ask.py's QUESTION_CHARS: the api refuses more
const SOURCES = "\n\nSources: "; // how the api's answer lists its sources after the text
const STALLS = 6; // resumes in a row with nothing new before giving up: past the two minutes after which
// a resume answers a question whose answering request died (shared/sessions/services/answer_stream.py)

interface Turn {
  question: string;
  answer: { answer: string; cited: Page[] };
  writing: boolean; // its text still coming
}

/** A fresh idempotency key (a question's, a conversation's). */
export function freshKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `k${Date.now()}${Math.random().toString(36).slice(2)}`;
}

/** `question` answered in the session `sessionId`: by its stream (`shown` gets the text so far),
 * resumed with Last-Event-ID after each cut or deadline (a long answer outlives a stream's deadline,
 * and the api refuses to answer it again in one block while it is written) until STALLS resumes in a
 * row bring nothing new; without a stream, in one block. Its answer and pages, as settled. */
async function answered(sessionId: string, question: string, shown: (text: string) => void): Promise<Turn["answer"]> {
  const key = freshKey();
  const body = { text: question, request_id: key };
  let text = "";
  let done: Turn["answer"] | null = null;
  let failed = "";
  let lastId: number | null = null;
  const each = ({ event, data }: { event: string; data: unknown }) => {
    if (event === "chunk") shown((text += (data as { text: string }).text));
    else if (event === "answer") done = data as S["SessionMessage"];
    else if (event === "failed" || event === "refused") failed = (data as { reason: string }).reason;
  };
  let streamed = false;
  for (let stalls = 0; stalls < STALLS && !done && !failed; ) {
    const before = lastId;
    try {
      ({ lastId } = await postStream(url("/sessions/{session_id}/answers", { session_id: sessionId }), body, each, lastId));
      streamed = true;
    } catch (reason) {
      if (reason instanceof ApiError && reason.status !== 0) throw reason; // refused: said as it is
      if (!streamed) break; // no stream here: the one block below
    }
    stalls = lastId === before ? stalls + 1 : 0;
  }
  if (streamed && !done && !failed) throw new ApiError(0, "stream", "The answer stopped coming: ask again in a moment.");
  if (failed) throw new ApiError(409, "failed", failed);
  if (done) return done;
  const whole = await send<S["SessionMessage"]>("POST", url("/sessions/{session_id}/messages", { session_id: sessionId }), { ...body, act: "ask" });
  if (whole.state === "failed") throw new ApiError(409, "failed", whole.reason);
  return whole;
}

/** The answer's words without the sources the api lists after them (shown as links instead). */
export function words(answer: { answer: string; cited: readonly unknown[] }): string {
  const at = answer.answer.lastIndexOf(SOURCES);
  return answer.cited.length && at >= 0 ? answer.answer.slice(0, at) : answer.answer;
}

type Page = { page_id?: string; title?: string; url?: string; quote?: string };

/** The pages an answer used, as links (a page's url only if a web address), each with the words it
 * quotes on hover and in a disclosure; "No page was cited." when none. All of it is untrusted text. */
export function Cited({ cited }: { cited: readonly Page[] }) {
  if (cited.length === 0) return <p class="state">No page was cited.</p>;
  return (
    <>
      <p>Pages it used:</p>
      <ul>
        {cited.map((page) => {
          const href = safeUrl(page.url ?? "");
          return (
            <li key={page.page_id} class="title">
              {href ? (
                <a href={href} target="_blank" rel="noopener noreferrer" title={page.quote || undefined}>
                  {page.title || "Untitled"}
                </a>
              ) : (
                page.title || "Untitled"
              )}
              {page.quote ? (
                <details class="quote">
                  <summary>What it says</summary>
                  <blockquote>{page.quote}</blockquote>
                </details>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}


export function AskScreen() {
  const refusal = roleRefusal("editor", "ask the workspace");
  const [question, setQuestion] = useState("");
  const [turns, setTurns] = useState<Turn[]>([]);
  const [conversation, setConversation] = useState<string | null>(null); // its session's id
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");
  const field = useRef<HTMLTextAreaElement>(null);
  const latest = useRef<HTMLHeadingElement>(null);
  useEffect(() => latest.current?.focus(), [turns.length]);

  const ask = async (event: Event) => {
    event.preventDefault();
    const text = question.trim();
    if (!text) {
      setProblem("Write a question first.");
      field.current?.focus();
      return;
    }
    if (text.length > QUESTION_CHARS) {
      setProblem(`A question has at most ${QUESTION_CHARS.toLocaleString()} characters; this one has ${text.length.toLocaleString()}.`);
      field.current?.focus();
      return;
    }
    setBusy(true);
    setProblem("");
    const at = turns.length;
    const put = (turn: Turn | null) => setTurns((now) => (turn ? [...now.slice(0, at), turn] : now.slice(0, at)));
    try {
      let sessionId = conversation;
      if (!sessionId) {
        sessionId = (await send<S["AgentSession"]>("POST", url("/sessions"), { agent_id: "default", request_id: freshKey() })).session_id;
        setConversation(sessionId);
      }
      put({ question: text, answer: { answer: "", cited: [] }, writing: true });
      const answer = await answered(sessionId, text, (so_far) => put({ question: text, answer: { answer: so_far, cited: [] }, writing: true }));
      put({ question: text, answer, writing: false });
      setQuestion("");
    } catch (reason) {
      put(null);
      setProblem(reason instanceof ApiError && reason.status === 429 ? `${reason.message} Try again in a minute.` : messageOf(reason));
      field.current?.focus();
    } finally {
      setBusy(false);
    }
  };
  const restart = () => {
    setTurns([]);
    setConversation(null);
    setProblem("");
    field.current?.focus();
  };

  return (
    <section>
      <h1>Ask the workspace</h1>
      <p>
        Answers come from the pages and rows the workspace chose to index, with links to the pages they used. Asking
        changes nothing in Notion; each question is one model call, counted in Usage.
      </p>
      {turns.length === 0 ? (
        <Empty>No questions yet in this conversation.</Empty>
      ) : (
        <ol class="timeline" aria-label="This conversation">
          {turns.map((turn, n) => (
            <li key={n}>
              <h2 tabIndex={-1} ref={n === turns.length - 1 ? latest : undefined}>
                {turn.question}
              </h2>
              <p class="summary" aria-busy={turn.writing}>
                {turn.writing ? turn.answer.answer : words(turn.answer)}
              </p>
              {turn.writing ? (
                <p class="state" role="status">
                  Writing the answer…
                </p>
              ) : (
                <Cited cited={turn.answer.cited} />
              )}
            </li>
          ))}
        </ol>
      )}
      <form class="card" onSubmit={ask} aria-busy={busy}>
        {refusal && <p class="hint">{refusal}</p>}
        <label>
          {turns.length ? "Your follow-up" : "Your question"}
          <textarea
            ref={field}
            rows={3}
            cols={60}
            value={question}
            disabled={!!refusal}
            onInput={(e) => setQuestion(e.currentTarget.value)}
            aria-invalid={problem ? "true" : undefined}
            aria-describedby={problem ? "ask-problem ask-reach" : "ask-hint ask-reach"}
          />
        </label>
        <p class="state" id="ask-reach">
          Answers use only pages you can reach: the whole workspace for its owner and for those the owner lets approve
          reads beyond a run's pages; for others, the data sources the owner chose.
        </p>
        {problem ? (
          <span class="field-error" id="ask-problem" role="alert">
            {problem}
          </span>
        ) : (
          <span class="state" id="ask-hint">
            {turns.length ? "A follow-up carries this conversation's latest four questions and answers." : "For example: what did we decide about pricing?"}
          </span>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !!refusal}>
            {busy ? "Asking…" : "Ask"}
          </button>
          {turns.length > 0 && (
            <button type="button" onClick={restart} disabled={busy}>
              New conversation
            </button>
          )}
        </div>
        {busy && (
          <p class="state" role="status">
            Searching the workspace and writing the answer…
          </p>
        )}
      </form>
    </section>
  );
}

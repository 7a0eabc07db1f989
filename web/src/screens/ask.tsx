// Ask: a question to the workspace's index (POST /ask), answered with the pages it used as links. The
// conversation's id (the api makes it; it is the asker's alone) goes with each follow-up, so the api
// carries its latest turns. The api searches only within the asker's reach; the screen says so.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, roleRefusal, send, url } from "../api";
import { Empty, messageOf, safeUrl } from "../ui";

const QUESTION_CHARS = 2000; // shared/services/ask.py's QUESTION_CHARS: the api refuses more
const SOURCES = "\n\nSources: "; // how the api's answer lists its sources after the text

interface Turn {
  question: string;
  answer: S["AskAnswer"];
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
  const [conversation, setConversation] = useState<string | null>(null);
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
    try {
      const body = conversation ? { question: text, conversation_id: conversation } : { question: text };
      const answer = await send<S["AskAnswer"]>("POST", url("/ask"), body);
      setConversation(answer.conversation_id);
      setTurns((now) => [...now, { question: text, answer }]);
      setQuestion("");
    } catch (reason) {
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
              <p class="summary">{words(turn.answer)}</p>
              <Cited cited={turn.answer.cited} />
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

// Pieces every screen uses: loading, error and empty states, data and polling hooks, table headers,
// labelled choices, the chosen-items buttons, money and time in words.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

// An answer of another agent quoted in a request (a debate's ballot): fenced for the models that read
// it (shared/runs/domain/children/patterns.py, fence), shown to a person as a quote under its author.
const FENCED = /<untrusted from="([^"\n]{1,200})">\n?([\s\S]*?)\n?<\/untrusted>/g;

/** A request's words: its text, and each fenced answer as a quote naming who wrote it (never the
 * raw `<untrusted …>` tags). All of it untrusted: rendered as text, never as markup. */
export function Prompt({ text }: { text: string }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const m of text.matchAll(FENCED)) {
    const before = text.slice(last, m.index).trim();
    if (before) parts.push(<p class="prompt" key={`t${last}`}>{before}</p>);
    parts.push(
      <figure class="quoted" key={`q${m.index}`}>
        <figcaption>{m[1]} answered:</figcaption>
        <blockquote class="prompt">{m[2]}</blockquote>
      </figure>,
    );
    last = (m.index ?? 0) + m[0].length;
  }
  const rest = text.slice(last).trim();
  if (rest || parts.length === 0) parts.push(<p class="prompt" key={`t${last}`}>{rest}</p>);
  return <>{parts}</>;
}

/** A link only to a web address: a page's url is Notion's, and what a page holds is untrusted. */
export function safeUrl(href: string): string {
  try {
    const parsed = new URL(href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
  } catch {
    return "";
  }
}

/** The page a request speaks of (its `page_url`, as Notion gave it), to open. */
export function AskedPage({ href }: { href?: string | null }) {
  const safe = safeUrl(href ?? "");
  if (!safe) return null;
  return (
    <p class="asked-page">
      <a href={safe} target="_blank" rel="noopener noreferrer">
        Open the page it speaks of
      </a>
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

/** A field the api names by its dotted path, in words: `schedules.1.weekly.days` is "schedule 2,
 * weekly, days" (raw paths in errors). */
export function fieldWords(field: string): string {
  const words: string[] = [];
  for (const part of field.split(".")) {
    const last = words.pop();
    if (/^\d+$/.test(part) && last !== undefined) words.push(`${last.replace(/s$/, "")} ${Number(part) + 1}`);
    else words.push(...(last === undefined ? [] : [last]), part === "(body)" ? "the request" : part.replace(/_/g, " "));
  }
  return words.join(", ");
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.message.startsWith("invalid field(s):") && error.fields.length) {
      const each = error.fields.map((f) => (f.problem ? `${fieldWords(f.field)}: ${f.problem}` : fieldWords(f.field)));
      return `Not saved: ${each.join("; ")}.`;
    }
    const named = error.fields.map((f) => (f.problem ? `${fieldWords(f.field)}: ${f.problem}` : fieldWords(f.field))).join("; ");
    return named ? `${error.message} (${named})` : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads once (and again on reload or when `key` changes); its result, its error, and whether loading. */
export function useLoad<T>(load: () => Promise<T>, key: string = ""): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    latest
      .current()
      .then((value) => {
        if (live) {
          setData(value);
          setError(null);
        }
      })
      .catch((reason: unknown) => live && setError(reason))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** What a screen shows of a load before its data: the error, else "Loading `what`…" while none came. */
export function LoadState<T>({ of, what }: { of: Loaded<T>; what: string }) {
  return (
    <>
      <ErrorText error={of.error} />
      {of.loading && !of.data && <Loading what={what} />}
    </>
  );
}

/** Loads at once and again `everyMs` after each answer while shown, starting over when `key` changes.
 * Each page goes to `take`, each failure to `fail`; nothing arrives once the screen is left. */
export function usePoll<T>(load: () => Promise<T>, take: (page: T) => void, fail: (reason: unknown) => void, everyMs: number, key: string): void {
  useEffect(() => {
    let live = true;
    let timer = 0;
    const refresh = async () => {
      try {
        const page = await load();
        if (!live) return;
        take(page);
      } catch (reason) {
        if (live) fail(reason);
      }
      if (live) timer = window.setTimeout(refresh, everyMs);
    };
    void refresh();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [key]);
}

/** Runs an action (a button's); its error stays shown until the next attempt. */
export function useAction(): [boolean, unknown, (act: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (act: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await act();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  }, []);
  return [busy, error, run];
}

export function money(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 3 : 2)}`;
}

export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export const STATUS_WORDS: Record<string, string> = {
  planning: "Planning",
  running: "Running",
  waiting_for_human: "Waiting for you",
  paused: "Paused",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  rolled_back: "Rolled back",
};

/** Who may decide a request, by the least role the server's rule needs (`needs`, from the owner's
 * approvers): "an admin or the owner". */
export const DECIDERS: Record<string, string> = { editor: "an editor, an admin or the owner", admin: "an admin or the owner", owner: "the owner" };

/** The role that decides a request, said on its card before anyone clicks: "The
 * owner decides." A debate's verdict is the owner's; anyone at least an editor may reject. */
export function DecidedBy({ needs }: { needs: string | null | undefined }) {
  if (!needs) return null;
  const who = DECIDERS[needs] ?? needs;
  return <p class="hint decides">{`${who.charAt(0).toUpperCase()}${who.slice(1)} decides.`}</p>;
}

/** What approving a request's effects lets happen, in words: never their digests (a
 * person read bare hashes such as "prod:381f3b…"). A production effect's digest starts "prod:". */
export function effectsInWords(effects: readonly string[]): string {
  const n = effects.length;
  const production = effects.filter((e) => e.startsWith("prod:")).length;
  const what = n === 1 ? "the change described above" : `the ${n} changes described above`;
  const where = production === 0 ? "" : production === n ? (n === 1 ? ", to production" : ", all to production") : `, ${production} of them to production`;
  return `Approving lets ${what} happen beyond the run's own pages${where}.`;
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{STATUS_WORDS[status] ?? status}</span>;
}

export function go(hash: string): void {
  window.location.hash = hash;
}

/** Problems of a form's fields, by the field's key: shown beside it (`Invalid`), in words. */
export type Problems = Record<string, string>;

/** The attributes that tie a field to its problem: aria-invalid and aria-describedby. */
export function invalid(problems: Problems, key: string): Record<string, string> {
  return problems[key] ? { "aria-invalid": "true", "aria-describedby": `problem-${key}` } : {};
}

/** The problem of the field `key`, beside it (the field names it as its description). */
export function Invalid({ problems, name }: { problems: Problems; name: string }) {
  const text = problems[name];
  return text ? (
    <span class="field-error" id={`problem-${name}`}>
      {text}
    </span>
  ) : null;
}

/** After a refused form is shown, the focus goes to its first field marked invalid. */
export function focusFirstInvalid(): void {
  window.setTimeout(() => {
    const field = document.querySelector<HTMLElement>('[aria-invalid="true"]');
    field?.focus();
  }, 0);
}

/** What the form says above its button when it was not saved: how many fields need a change. */
export function Refused({ problems, error }: { problems: Problems; error: unknown }) {
  const count = Object.keys(problems).length;
  if (count === 0) return <ErrorText error={error} />;
  return (
    <p class="error" role="alert">
      Not saved: {count === 1 ? "one field needs" : `${count} fields need`} a change (marked beside it).
      {error instanceof ApiError && !error.fields.length ? ` ${error.message}` : ""}
    </p>
  );
}

// Runs this tab started (POST /runs, run again): only these are "being planned" while the api has
// none by their id yet. A link to any other run the api does not know names no run.
const STARTED = "na_started";

export function rememberStarted(runId: string): void {
  try {
    const known: string[] = JSON.parse(sessionStorage.getItem(STARTED) ?? "[]");
    sessionStorage.setItem(STARTED, JSON.stringify([runId, ...known.filter((id) => id !== runId)].slice(0, 20)));
  } catch {
    // storage refused (private mode): the run is then followed as any link
  }
}

export function startedHere(runId: string): boolean {
  try {
    return (JSON.parse(sessionStorage.getItem(STARTED) ?? "[]") as string[]).includes(runId);
  } catch {
    return false;
  }
}

// Tabs of this browser tell each other of a sign-out or a disconnect at once (the others' next
// request would find the session gone anyway: SESSION_ENDED in api.ts).
export const TABS = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("na-session");

export function tellTabs(what: "signed-out" | "disconnected" | "erased"): void {
  TABS?.postMessage(what);
}

// Where a person was when the session ended, or the link they opened signed out: connecting lands there.
export const RETURN_KEY = "na_return";

export function keepReturn(hash: string): void {
  try {
    if (hash.startsWith("#/") && !hash.startsWith("#/onboarding")) sessionStorage.setItem(RETURN_KEY, hash);
  } catch {
    // storage refused: connecting lands on the runs
  }
}

/** A Notion id as compared: without hyphens, lower case (Notion writes ids both ways). */
export const plainId = (id: string): string => id.replace(/-/g, "").toLowerCase();

/** A button whose action happens only once confirmed (deleting an agent, removing a member,
 * cancelling a run took one click): the first press asks `question` in words, focused on "Keep it". */
export function Confirm({ label, question, yes, act, disabled = false, title, describedBy }: {
  label: string;
  question: string;
  yes: string;
  act: () => void;
  disabled?: boolean;
  title?: string;
  describedBy?: string;
}) {
  const [asking, setAsking] = useState(false);
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) keep.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" disabled={disabled} title={title} aria-describedby={describedBy} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span class="question">{question}</span>{" "}
      <button type="button" class="danger" disabled={disabled} onClick={() => { setAsking(false); act(); }}>
        {yes}
      </button>{" "}
      <button type="button" ref={keep} onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}

/** Fired on window when a decision was made (the inbox, a run's page): the nav's count is asked again. */
export const DECISION_MADE = "na:decided";

/** A table's header row: one column header (scope "col") for each of `names`, in order. */
export function Columns({ names }: { names: ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {names.map((name, n) => (
          <th scope="col" key={n}>
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A labelled choice among `options` (value, words); `blank` words a first, empty choice. */
export function Choice<T extends string | undefined>({ label, value, options, set, blank, disabled = false, title }: {
  label: string;
  value: T;
  options: [T, string][];
  set: (value: T) => void;
  blank?: string;
  disabled?: boolean;
  title?: string;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => set(e.currentTarget.value as T)} disabled={disabled} title={title}>
        {blank !== undefined && <option value="">{blank}</option>}
        {options.map(([v, words]) => (
          <option key={v} value={v}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "N chosen", then a button for each of `actions` (words, act), off while `busy` or none is chosen. */
export function ChosenButtons({ count, busy, actions }: { count: number; busy: boolean; actions: [string, () => void][] }) {
  return (
    <>
      <span>{count} chosen</span>
      {actions.map(([words, act]) => (
        <button type="button" key={words} disabled={busy || count === 0} onClick={act}>
          {words}
        </button>
      ))}
    </>
  );
}

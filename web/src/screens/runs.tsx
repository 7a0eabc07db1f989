// Runs: searched by words, filtered by status, trigger, agent and time, cursor-paged, each with its cost; new runs show up live.
import { useEffect, useState } from "preact/hooks";
import { type S, get, send, url } from "../api";
import { ChosenButtons, Choice, Columns, Empty, ErrorText, Loading, STATUS_WORDS, Status, go, money, rememberStarted, useAction, useLoad, usePoll, when } from "../ui";

type Run = S["RunList"]["runs"][number];
const TRIGGERS: Record<string, string> = {
  webhook: "An edit in Notion",
  api: "The api",
  schedule: "The daily schedule",
  manual: "Run again",
};
const REFRESH_MS = 3000;

/** Who or what started a run, in words: the api's (a person's Run now, a revision's comment), else its trigger's kind. */
function startedBy(run: Run): string {
  const said = run.started ?? "";
  return said ? said.charAt(0).toUpperCase() + said.slice(1) : (TRIGGERS[run.trigger ?? ""] ?? "—");
}
const WITHIN: Record<string, string> = { "1": "The last day", "7": "The last 7 days", "30": "The last 30 days" };
const DAY_MS = 24 * 3600 * 1000;
type Filter = "status" | "trigger" | "agent" | "days" | "q";

/** A Notion page's id from its link or id as a person pastes it (the last 32 hex digits, dashes or not); "" for none. */
export function pageIdOf(text: string): string {
  const found = text.replace(/-/g, "").match(/([0-9a-f]{32})(?![0-9a-f])/gi);
  return (found?.[found.length - 1] ?? "").toLowerCase();
}

/** A goal, optionally a page, and a button that starts a run of it (POST /runs), then shows that run; a run
 * that waits for an approval first (its page beyond the starter's reach) says so, and who decides,
 * before the person follows it. */
export function StartRun({ label, button, initial = "" }: { label: string; button: string; initial?: string }) {
  const [goal, setGoal] = useState(initial);
  const [page, setPage] = useState("");
  const [waits, setWaits] = useState<{ runId: string; text: string } | null>(null);
  const [busy, error, run] = useAction();
  const start = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const pageId = pageIdOf(page);
      if (page.trim() && !pageId) throw new Error("That is not a Notion page's link or id: paste the page's link (Share, Copy link).");
      const started = await send<S["RunStarted"]>("POST", url("/runs"), pageId ? { goal, page_id: pageId } : { goal });
      rememberStarted(started.run_id);
      if (started.waits) setWaits({ runId: started.run_id, text: started.waits });
      else go(`#/runs/${encodeURIComponent(started.run_id)}`);
    });
  };
  return (
    <form class="inline" onSubmit={start}>
      <label>
        {label}
        <input value={goal} onInput={(e) => setGoal(e.currentTarget.value)} maxLength={2000} required />
      </label>
      <label>
        On a page (its link or id; optional)
        <input value={page} onInput={(e) => setPage(e.currentTarget.value)} maxLength={300} />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {button}
      </button>
      <ErrorText error={error} />
      {waits && (
        <p class="notice" role="status" id="start-waits">
          It waits for an approval: {waits.text}. <a href={`#/runs/${encodeURIComponent(waits.runId)}`}>Follow the run</a>
        </p>
      )}
    </form>
  );
}

/** Setup left unfinished (nothing chosen to start work), offered again where runs would show. */
function Unfinished() {
  const view = useLoad(() => get<S["SettingsView"]>(url("/settings")));
  const settings = view.data?.settings;
  if (!settings || (settings.data_source_ids ?? []).length + (settings.page_ids ?? []).length > 0) return null;
  return (
    <section class="card notice" aria-labelledby="unfinished-title">
      <h2 id="unfinished-title">Setup is not finished</h2>
      <p>Nothing in Notion starts work yet: choose the databases and pages whose changes start runs.</p>
      <a href="#/onboarding">Finish setting up</a>
    </section>
  );
}

/** The edits of chosen data sources' pages that the trigger rules skipped this week, and why. */
function Skipped() {
  const view = useLoad(() => get<S["SkippedEdits"]>(url("/skipped-edits", {}, { limit: "10" })));
  const edits = view.data?.edits ?? [];
  return (
    <details class="card skipped">
      <summary>Edits the rules skipped this week ({view.data ? edits.length : "…"})</summary>
      <ErrorText error={view.error} />
      {view.data && edits.length === 0 && <p>No edit of a chosen data source was skipped this week.</p>}
      <ul>
        {edits.map((e) => (
          <li key={`${e.page_id}-${e.rule}`}>
            {when(e.at)}: {e.title ? `“${e.title}”` : "a page the agent can no longer read"} ({e.event_type}) — {e.rule}
          </li>
        ))}
      </ul>
    </details>
  );
}

type Bulk = S["BulkDone"];

/** The chosen runs cancelled or retried at once (POST /runs/bulk): what happened to each, in words. */
function BulkActions({ chosen, clear }: { chosen: string[]; clear: () => void }) {
  const [busy, error, act] = useAction();
  const [done, setDone] = useState<Bulk | null>(null);
  const apply = (action: "cancel" | "retry") =>
    act(async () => {
      setDone(await send<Bulk>("POST", url("/runs/bulk"), { action, run_ids: chosen }));
      clear();
    });
  return (
    <div class="actions bulk" role="group" aria-label="Chosen runs">
      <ChosenButtons
        count={chosen.length}
        busy={busy}
        actions={[
          ["Retry chosen", () => void apply("retry")],
          ["Cancel chosen", () => void apply("cancel")],
        ]}
      />
      <ErrorText error={error} />
      {done && (
        <ul class="bulk-results" role="status">
          {done.results.map((r) => (
            <li key={r.run_id} class={r.done ? "" : "error"}>
              {r.run_id}: {r.done ? `${done.action === "retry" ? "retried" : "cancelled"}` : `not done: ${r.reason}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function RunsScreen({ params }: { params: URLSearchParams }) {
  const status = params.get("status") ?? "";
  const trigger = params.get("trigger") ?? "";
  const agent = params.get("agent") ?? "";
  const days = params.get("days") ?? "";
  const q = params.get("q") ?? "";
  const [words, setWords] = useState(q);
  const agents = useLoad(() => get<S["AgentList"]>(url("/agents")));
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [more, moreError, loadMore] = useAction();
  const [chosen, setChosen] = useState<string[]>([]);
  const choose = (runId: string, on: boolean) =>
    setChosen((old) => (on ? [...old.filter((id) => id !== runId), runId] : old.filter((id) => id !== runId)));
  // The time range as the api takes it: since a day, 7 or 30 before the screen was opened.
  const since = days ? new Date(Date.now() - Number(days) * DAY_MS).toISOString() : "";
  const query = { status, trigger, agent, q, since };

  const filters = JSON.stringify([status, trigger, agent, days, q]);
  useEffect(() => {
    setRuns(null);
    setNext(null);
    setError(null);
  }, [filters]);
  // The first page again every few seconds, so a run a page change started appears by itself.
  usePoll(
    () => get<S["RunList"]>(url("/runs", {}, query)),
    (page) => {
      setRuns((shown) => merge(page.runs, shown));
      setNext((old) => old ?? page.next_cursor ?? null);
      setError(null);
    },
    setError,
    REFRESH_MS,
    filters,
  );

  const filter = (name: Filter, value: string) => {
    const next = new URLSearchParams({ status, trigger, agent, days, q, [name]: value });
    for (const [key, v] of [...next]) if (!v) next.delete(key);
    go(`#/runs${next.size ? `?${next}` : ""}`);
  };
  const older = () =>
    loadMore(async () => {
      if (!next) return;
      const page = await get<S["RunList"]>(url("/runs", {}, { ...query, cursor: next }));
      setRuns((shown) => [...(shown ?? []), ...page.runs.filter((r) => !shown?.some((s) => s.run_id === r.run_id))]);
      setNext(page.next_cursor ?? null);
    });

  return (
    <section>
      <h1>Runs</h1>
      <Unfinished />
      <StartRun label="New run's goal" button="Start" />
      <p class="hint" id="patterns-hint">
        To weigh a question, mention the agent in a comment on its page in Notion: “hold a debate, judged by owner” (two model families answer over two rounds,
        then you pick the verdict in the Inbox) or “hold a panel on "costs", on "risks"” (a section per topic, merged by the agent). A mention starts work
        only on a page of a chosen database whose rules tick “A comment mentions the agent”: <a href="#/onboarding">tick it in Onboarding</a>. The docs
        say more: docs/engine.md, “Multi-agent patterns”.
      </p>
      <form
        class="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          filter("q", words.trim());
        }}
      >
        <label>
          Search goals, page titles and people
          <input type="search" value={words} onInput={(e) => setWords(e.currentTarget.value)} maxLength={200} />
        </label>
        <button type="submit">Search</button>
      </form>
      <div class="filters">
        <Choice
          label="Status"
          value={status}
          options={Object.entries(STATUS_WORDS).filter(([value]) => value !== "planning")}
          set={(v) => filter("status", v)}
          blank="Any"
        />
        <Choice label="Started by" value={trigger} options={Object.entries(TRIGGERS)} set={(v) => filter("trigger", v)} blank="Anything" />
        <Choice
          label="Agent"
          value={agent}
          options={(agents.data?.agents ?? []).map((a): [string, string] => [a.agent_id, a.name])}
          set={(v) => filter("agent", v)}
          blank="Any"
        />
        <Choice label="Started within" value={days} options={Object.entries(WITHIN)} set={(v) => filter("days", v)} blank="Any time" />
      </div>
      <Skipped />
      <ErrorText error={error} />
      {runs === null && !error && <Loading what="runs" />}
      {runs !== null && runs.length === 0 && (
        <Empty>
          No runs {status || trigger || agent || days || q ? "match these filters" : "yet"}. A change in a chosen Notion data source
          starts one, or start one above.
        </Empty>
      )}
      {runs !== null && runs.length > 0 && <BulkActions chosen={chosen} clear={() => setChosen([])} />}
      {runs !== null && runs.length > 0 && (
        <table class="stack">
          <caption class="visually-hidden">Runs, newest first</caption>
          <Columns
            names={[
              <input
                type="checkbox"
                aria-label="Choose all shown runs"
                checked={runs.length > 0 && runs.every((r) => chosen.includes(r.run_id))}
                onChange={(e) => setChosen(e.currentTarget.checked ? runs.map((r) => r.run_id) : [])}
              />,
              "Goal",
              "Status",
              "Started by",
              "Took",
              "Cost",
              "Started",
            ]}
          />
          <tbody>
            {runs.map((run) => (
              <tr key={run.run_id}>
                <td data-label="Choose">
                  <input
                    type="checkbox"
                    aria-label={`Choose ${run.title || run.goal}`}
                    checked={chosen.includes(run.run_id)}
                    onChange={(e) => choose(run.run_id, e.currentTarget.checked)}
                  />
                </td>
                <td data-label="Goal">
                  <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{run.title || run.goal}</a>
                </td>
                <td data-label="Status">
                  <Status status={run.status} />
                </td>
                <td data-label="Started by">{startedBy(run)}</td>
                <td data-label="Took">{took(run.duration_ms)}</td>
                <td data-label="Cost">{money(run.cost_usd)}</td>
                <td data-label="Started">{when(run.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={older} disabled={more}>
          {more ? "Loading…" : "Older runs"}
        </button>
      )}
      <ErrorText error={moreError} />
    </section>
  );
}

/** A run's duration in words: "—" while it has not ended. */
export function took(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The newest first page, followed by the older runs already shown that it does not hold. */
function merge(first: Run[], shown: Run[] | null): Run[] {
  const ids = new Set(first.map((run) => run.run_id));
  return [...first, ...(shown ?? []).filter((run) => !ids.has(run.run_id))];
}

// "Kept in step": for each connected tool (Linear, GitLab, Motion), the fields changed on both sides in
// the last days and which side's value the sync kept, newest first, in words. Any role reads it.
import { useState } from "preact/hooks";
import { type S, get, url } from "../api";
import { Columns, Empty, LoadState, useLoad, when } from "../ui";

export type Tool = "linear" | "gitlab" | "motion";
const TITLES: Record<Tool, string> = { linear: "Linear", gitlab: "GitLab", motion: "Motion" };
const PATHS = {
  linear: ["/sync/linear", "/sync/linear/log"],
  gitlab: ["/sync/gitlab", "/sync/gitlab/log"],
  motion: ["/sync/motion", "/sync/motion/log"],
} as const;
const ITEM: Record<Tool, string> = { linear: "issue", gitlab: "issue", motion: "task" };
const FIELD: Record<string, string> = { due: "Due date", archived: "Archival" };
type Entry = S["SyncLogEntry"] | S["GitLabSyncLogEntry"] | S["MotionSyncLogEntry"];
interface Row { tool: Tool; entry: Entry; toolAt: string }

/** The `connected` tools' log entries since `days` ago, newest first (their status is the cards'). */
async function load(days: string, connected: Tool[]): Promise<Row[]> {
  const one = async (tool: Tool): Promise<Row[]> => {
    const log = await get<{ entries: Entry[] }>(url(PATHS[tool][1], {}, { days }));
    return log.entries.map((entry) => ({ tool, entry, toolAt: (entry as unknown as Record<string, string>)[`${tool}_at`] ?? entry.at }));
  };
  const rows = (await Promise.all(connected.map(one))).flat();
  return rows.sort((a, b) => Date.parse(b.entry.at) - Date.parse(a.entry.at));
}

const clock = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** 'Priority of “Fix login”: changed in Notion and in Linear; Linear's (later, 10:42) kept'. */
function said({ tool, entry, toolAt }: Row): string {
  const title = TITLES[tool];
  const field = FIELD[entry.field] ?? entry.field.charAt(0).toUpperCase() + entry.field.slice(1);
  const [kept, other] = entry.winner === "notion" ? [entry.notion_at, toolAt] : [toolAt, entry.notion_at];
  const order = Date.parse(kept) > Date.parse(other) ? "later, " : Date.parse(kept) < Date.parse(other) ? "earlier, " : "";
  const side = entry.winner === "notion" ? "Notion" : title;
  const item = entry.title ? `“${entry.title}”` : `${title} ${ITEM[tool]} ${entry.issue_id}`; // no title: logged before titles were kept
  return `${field} of ${item}: changed in Notion and in ${title}; ${side}'s (${order}${clock(kept)}) kept`;
}

export function SyncLog({ connected }: { connected: Tool[] }) {
  const [days, setDays] = useState("7");
  const rows = useLoad(() => load(days, connected), `${days}:${connected.join(",")}`);
  const span = days === "1" ? "day" : `${days} days`;
  return (
    <section class="card" aria-labelledby="sync-log-title">
      <h2 id="sync-log-title">Kept in step</h2>
      <p>When a field changed both in Notion and in a connected tool, the later change is kept; each choice is listed here.</p>
      <label>
        Days shown
        <select value={days} onChange={(e) => setDays(e.currentTarget.value)}>
          {Array.from({ length: 30 }, (_, n) => String(n + 1)).map((d) => (
            <option key={d} value={d}>
              {d === "1" ? "the last day" : `the last ${d} days`}
            </option>
          ))}
        </select>
      </label>
      <LoadState of={rows} what="the sync log" />
      {rows.data && rows.data.length === 0 && <Empty>No field was changed on both sides in the last {span}.</Empty>}
      {rows.data && rows.data.length > 0 && (
        <table class="stack">
          <caption>Newest first</caption>
          <Columns names={["When", "What was settled"]} />
          <tbody>
            {rows.data.map((row, n) => (
              <tr key={n}>
                <td data-label="When">{when(row.entry.at)}</td>
                <td data-label="What" class="what">{said(row)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

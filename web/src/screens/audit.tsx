// The audit log: who did what, when, from where; filtered, paged, exported as JSON lines. An admin's
// or the owner's; anyone else sees why it is not shown.
import { useState } from "preact/hooks";
import { type S, get, url } from "../api";
import { Columns, Empty, LoadState, useLoad, when } from "../ui";

const SURFACES = ["", "console", "api", "key", "notion", "link", "oauth", "slack", "agent"];

export function AuditScreen({ session }: { session: S["SessionView"] }) {
  const allowed = session.role === "owner" || session.role === "admin";
  const [action, setAction] = useState("");
  const [surface, setSurface] = useState("");
  const [cursor, setCursor] = useState("");
  const query = { action, surface, cursor };
  const page = useLoad(
    () => (allowed ? get<S["AuditPage"]>(url("/audit", {}, query)) : Promise.resolve(null)),
    JSON.stringify(query),
  );
  if (!allowed) {
    return (
      <section>
        <h1>Audit log</h1>
        <p class="hint">Your role ({session.role}) may not read the audit log: an admin or the owner does.</p>
      </section>
    );
  }
  const entries = page.data?.entries ?? [];
  return (
    <section>
      <h1>Audit log</h1>
      <form class="card filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Action holds
          <input value={action} onInput={(e) => { setCursor(""); setAction(e.currentTarget.value); }} maxLength={200} />
        </label>
        <label>
          Surface
          <select value={surface} onChange={(e) => { setCursor(""); setSurface(e.currentTarget.value); }}>
            {SURFACES.map((s) => (
              <option key={s} value={s}>
                {s || "any"}
              </option>
            ))}
          </select>
        </label>
        <a href={url("/audit/export", {}, { action, surface })} download>
          Export as JSON lines
        </a>
      </form>
      <LoadState of={page} what="the audit log" />
      {page.data && entries.length === 0 && <Empty>Nothing recorded matches.</Empty>}
      {entries.length > 0 && (
        <table class="stack">
          <caption>Newest first</caption>
          <Columns names={["When", "Who", "What", "From", "Outcome"]} />
          <tbody>
            {entries.map((e) => (
              <tr key={e.entry_id}>
                <td data-label="When">{when(e.at)}</td>
                <td data-label="Who">{e.email || e.actor} ({e.role})</td>
                <td data-label="What" class="what">
                  {e.action} {Object.values(e.target).join(", ")}
                </td>
                <td data-label="From">{e.surface}</td>
                <td data-label="Outcome">{e.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page.data?.next_cursor && (
        <button type="button" onClick={() => setCursor(page.data?.next_cursor ?? "")}>
          Older entries
        </button>
      )}
    </section>
  );
}

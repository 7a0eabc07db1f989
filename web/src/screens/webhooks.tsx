// Integrations → Webhooks: an admin or the owner registers an endpoint (its URL and event types), sees
// its signing secret once, lists the endpoints with their last deliveries, sends a delivery again and
// deletes an endpoint (shared/outbound). An editor or a viewer sees why not, and no controls.
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Columns, Confirm, Empty, ErrorText, LoadState, useAction, useLoad, when } from "../ui";

const TYPES: [S["EventType"], string][] = [
  ["run.started", "A run started"],
  ["run.waiting_for_approval", "A run waits for an approval"],
  ["run.finished", "A run finished"],
  ["run.failed", "A run failed"],
  ["session.message", "A message in a session"],
  ["sync.conflict", "A sync conflict"],
];

const SENT: Record<S["DeliveryView"]["status"], [string, string]> = {
  pending: ["Pending", "status-waiting_for_human"],
  delivered: ["Delivered", "status-completed"],
  failed: ["Failed", "status-failed"],
  skipped: ["Skipped", ""],
};

/** A one-use request id for a create: the same form sent twice answers the same endpoint. */
const newRequestId = (): string => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** The form that registers an endpoint; `done` gets the api's answer, which alone holds the secret. */
function AddForm({ done }: { done: (made: S["EndpointCreated"]) => void }) {
  const [where, setWhere] = useState("");
  const [types, setTypes] = useState<S["EventType"][]>(["run.finished", "run.failed"]);
  const [requestId, setRequestId] = useState(newRequestId);
  const [busy, error, act] = useAction();
  const add = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      const made = await send<S["EndpointCreated"]>("POST", url("/webhooks/endpoints"), { url: where.trim(), events: types, request_id: requestId });
      setWhere("");
      setRequestId(newRequestId());
      done(made);
    });
  };
  const toggle = (type: S["EventType"], on: boolean) => setTypes(on ? [...types, type] : types.filter((t) => t !== type));
  return (
    <form onSubmit={add} aria-label="Add a webhook endpoint">
      <label>
        Endpoint URL
        <input type="url" value={where} onInput={(e) => setWhere(e.currentTarget.value)} required placeholder="https://example.com/hooks" />
      </label>
      <fieldset>
        <legend>Events it receives</legend>
        {TYPES.map(([type, words]) => (
          <label class="check" key={type}>
            <input type="checkbox" checked={types.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            {words} <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy || types.length === 0}>
        Add endpoint
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function DeliveryRow({ row, busy, again }: { row: S["DeliveryView"]; busy: boolean; again: (id: string) => void }) {
  const [label, tone] = SENT[row.status];
  const answer = row.last_code !== null ? `HTTP ${row.last_code}` : row.last_error || "none yet";
  return (
    <tr>
      <td>
        <code>{row.type}</code>
      </td>
      <td>{when(row.created_at)}</td>
      <td>
        <span class={`status ${tone}`}>{label}</span>
      </td>
      <td>{row.attempts}</td>
      <td>{answer}</td>
      <td>
        <button type="button" disabled={busy} onClick={() => again(row.id)}>
          Send again
        </button>
      </td>
    </tr>
  );
}

function Deliveries({ endpoint, changed }: { endpoint: string; changed: () => void }) {
  const list = useLoad(() => get<S["DeliveryList"]>(url("/webhooks/endpoints/{endpoint_id}/deliveries", { endpoint_id: endpoint }, { limit: "5" })), endpoint);
  const [busy, error, act] = useAction();
  const again = (delivery: string) =>
    act(async () => {
      await send("POST", url("/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/send", { endpoint_id: endpoint, delivery_id: delivery }));
      list.reload();
      changed();
    });
  const rows = list.data?.deliveries ?? [];
  return (
    <>
      <LoadState of={list} what="deliveries" />
      {list.data && rows.length === 0 && <Empty>No deliveries yet.</Empty>}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Last deliveries">
            <Columns names={["Event", "When", "Status", "Attempts", "Last answer", ""]} />
            <tbody>
              {rows.map((row) => (
                <DeliveryRow key={row.id} row={row} busy={busy} again={again} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" onClick={list.reload}>
        Refresh deliveries
      </button>
      <ErrorText error={error} />
    </>
  );
}

function EndpointCard({ row, changed }: { row: S["EndpointView"]; changed: () => void }) {
  const [busy, error, act] = useAction();
  const remove = () =>
    act(async () => {
      await send("DELETE", url("/webhooks/endpoints/{endpoint_id}", { endpoint_id: row.id }));
      changed();
    });
  return (
    <article class="card" aria-label={`Webhook endpoint ${row.url}`}>
      <h3>
        <code>{row.url}</code>{" "}
        <span class={row.enabled ? "status status-completed" : "status status-failed"}>{row.enabled ? "Enabled" : "Disabled"}</span>
      </h3>
      {!row.enabled && <p class="error">Disabled: {row.disabled_why} Send a delivery again to enable it.</p>}
      <p>
        Receives {row.events.map((type) => <code key={type}>{type} </code>)}; {row.failures} failed attempt{row.failures === 1 ? "" : "s"} in a row.
      </p>
      <Deliveries endpoint={row.id} changed={changed} />
      <Confirm
        label="Delete endpoint"
        question={`Delete the endpoint ${row.url}? Its secret is deleted and it receives no more events.`}
        yes="Yes, delete it"
        act={() => void remove()}
        disabled={busy}
      />
      <ErrorText error={error} />
    </article>
  );
}

function Manage() {
  const list = useLoad(() => get<S["EndpointList"]>(url("/webhooks/endpoints")));
  const [made, setMade] = useState<S["EndpointCreated"] | null>(null);
  const added = (answer: S["EndpointCreated"]) => {
    setMade(answer);
    list.reload();
  };
  return (
    <>
      <AddForm done={added} />
      {made && (
        <div class="card" role="status" aria-label="New endpoint's signing secret">
          {made.secret ? (
            <>
              <p>
                The signing secret of <code>{made.url}</code>, shown this once: keep it where your receiver verifies each delivery's
                <code> webhook-signature</code> (Standard Webhooks).
              </p>
              <p>
                <code class="secret">{made.secret}</code>
              </p>
            </>
          ) : (
            <p>This endpoint was already registered; its secret is not shown again (delete it and add it again for a new one).</p>
          )}
          <button type="button" onClick={() => setMade(null)}>
            I have kept it
          </button>
        </div>
      )}
      <LoadState of={list} what="webhook endpoints" />
      {list.data && list.data.endpoints.length === 0 && <Empty>No webhook endpoints yet.</Empty>}
      {list.data?.endpoints.map((row) => <EndpointCard key={row.id} row={row} changed={list.reload} />)}
    </>
  );
}

/** The Webhooks card of Integrations: the whole of it for an admin or the owner, else why not. */
export function Webhooks() {
  const may = roleRefusal("admin", "see or manage webhook endpoints");
  return (
    <section class="card hooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p>Events of your runs, sessions and syncs POSTed to your own endpoints, signed with a secret shown once.</p>
      {may ? <p class="hint">{may}</p> : <Manage />}
    </section>
  );
}

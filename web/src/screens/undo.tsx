// "Undo this run" on a run's page: for its starter, an approver or the owner, once the run
// ended. It lists what an undo restores (GET /runs/{id}/undo), asks (POST), then follows the undo run
// and says what was restored and what was left because a person changed it since, with both values.
// A run that started others offers the choice "With its child runs" (?children=true, {"children": true}).
import { useEffect, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Confirm, ErrorText, STATUS_WORDS, useAction, useLoad } from "../ui";

type Offer = S["UndoOffer"];
type Outcome = S["UndoOutcome"];
const FOLLOW_MS = 2000;
const WORKING = new Set(["running", "waiting_for_human", "paused"]);

function values(of: Record<string, unknown>): string {
  return Object.entries(of)
    .map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");
}

/** One effect's outcome in words; every value is workspace text, rendered as text. */
function OutcomeItem({ outcome, runId }: { outcome: Outcome; runId: string }) {
  const by = outcome.run_id && outcome.run_id !== runId ? ` of child run ${outcome.run_id}` : "";
  const what = `Change ${outcome.effect}${by} (${outcome.tool})`;
  switch (outcome.outcome) {
    case "reverted":
      return <li class="restored">{what}: restored.</li>;
    case "already":
      return <li>{what}: already as it was before the run.</li>;
    case "conflict":
      return (
        <li class="conflict">
          {what}: left as it is, changed since the run.{" "}
          {Object.keys(outcome.written ?? {}).length > 0 && (
            <>
              The run wrote <q>{values(outcome.written ?? {})}</q>; it now holds <q>{values(outcome.current ?? {})}</q>.
            </>
          )}
          {outcome.reason ? ` (${outcome.reason})` : ""}
        </li>
      );
    default:
      return (
        <li>
          {what}: not taken back{outcome.reason ? `: ${outcome.reason}` : ""}.
        </li>
      );
  }
}

/** A titled list of outcomes (none: nothing shown). */
function Outcomes({ heading, kind, outcomes, runId }: { heading: string; kind: string; outcomes: Outcome[]; runId: string }) {
  if (!outcomes.length) return null;
  return (
    <>
      <h3>{heading}</h3>
      <ul class={kind}>
        {outcomes.map((u) => (
          <OutcomeItem key={`${u.run_id} ${u.effect}`} outcome={u} runId={runId} />
        ))}
      </ul>
    </>
  );
}

/** The choice to undo the run with the runs it started (shown only when it started some). */
function WithChildren({ count, family, choose }: { count: number; family: boolean; choose: (on: boolean) => void }) {
  if (count < 1) return null;
  return (
    <p>
      <label>
        <input type="checkbox" checked={family} onChange={(e) => choose((e.target as HTMLInputElement).checked)} /> With
        its child runs ({count} it started, and the runs they started)
      </label>
    </p>
  );
}

export function UndoRun({ runId }: { runId: string }) {
  const [family, setFamily] = useState(false);
  useEffect(() => setFamily(false), [runId]);
  const offer = useLoad<Offer>(
    () => get<Offer>(url("/runs/{run_id}/undo", { run_id: runId }, { children: family ? "true" : "" })),
    `${runId} ${family}`,
  );
  const [busy, error, act] = useAction();
  const data = offer.data;
  const working = !!data?.status && WORKING.has(data.status);
  useEffect(() => {
    if (!working) return;
    const timer = window.setTimeout(offer.reload, FOLLOW_MS);
    return () => window.clearTimeout(timer);
  }, [working, data]);
  // Only its starter, an approver or the owner, within the window; with its child runs, also why not.
  if (!data || (!data.may && !family)) return null;
  const may = roleRefusal("editor", "undo a run");
  const undo = () =>
    act(async () => {
      await send<S["UndoAsked"]>("POST", url("/runs/{run_id}/undo", { run_id: runId }), family ? { children: true } : {});
      offer.reload();
    });
  const choice = <WithChildren count={data.child_runs ?? 0} family={family} choose={setFamily} />;
  if (!data.may) {
    return (
      <section class="card undo" aria-label="Undo this run">
        <h2>Undo this run</h2>
        {choice}
        <p class="hint">{data.reason}</p>
      </section>
    );
  }
  const undone = data.undone ?? [];
  const effects = data.effects ?? [];
  const beyond = data.beyond_reach ?? [];
  const cannot = data.cannot ?? [];
  const kinBeyond = data.children_beyond_reach ?? [];
  const restored = undone.filter((u) => u.outcome === "reverted" || u.outcome === "already");
  const conflicts = undone.filter((u) => u.outcome === "conflict");
  const rest = undone.filter((u) => !restored.includes(u) && !conflicts.includes(u));
  return (
    <section class="card undo" aria-label="Undo this run">
      <h2>Undo this run</h2>
      {choice}
      {data.status === null || data.status === undefined ? (
        <>
          <p>An undo takes back, newest first, each of these changes, unless someone changed it since:</p>
          <ul class="will-restore">
            {effects.map((e) => (
              <li key={`${e.run_id} ${e.effect}`}>
                Change {e.effect} ({e.tool}) on page {e.page_id}
                {e.run_id && e.run_id !== runId ? ` by child run ${e.run_id}` : ""}
              </li>
            ))}
          </ul>
          {beyond.length > 0 && (
            <p class="hint">Left out, beyond your reach: changes {beyond.join(", ")}. The owner may undo them.</p>
          )}
          {kinBeyond.length > 0 && (
            <p class="hint">
              Left out, beyond your reach: {kinBeyond.map((k) => `change ${k.effect} of ${k.run_id}`).join(", ")}. The owner
              may undo them.
            </p>
          )}
          {cannot.length > 0 && (
            <ul class="cannot">
              {cannot.map((c) => (
                <li key={c.effect}>
                  Change {c.effect} ({c.tool}) cannot be taken back: {c.reason}
                </li>
              ))}
            </ul>
          )}
          <Confirm
            label="Undo this run"
            question={`Undo these changes${family ? ", its child runs' with its own" : ""}? What a person changed since is left as it is and listed.`}
            yes="Yes, undo them"
            act={() => void undo()}
            disabled={busy || !!may}
            title={may}
          />
        </>
      ) : (
        <>
          <p role="status">
            Undo {STATUS_WORDS[data.status]?.toLowerCase() ?? data.status}
            {data.run_id ? (
              <>
                {" "}
                (<a href={`#/runs/${encodeURIComponent(data.run_id)}`}>its run</a>)
              </>
            ) : null}
            {working ? ": taking the changes back…" : "."}
          </p>
          <Outcomes heading="Restored" kind="restored" outcomes={restored} runId={runId} />
          <Outcomes heading="Left as people changed them" kind="conflicts" outcomes={conflicts} runId={runId} />
          {rest.length > 0 && (
            <ul>
              {rest.map((u) => (
                <OutcomeItem key={`${u.run_id} ${u.effect}`} outcome={u} runId={runId} />
              ))}
            </ul>
          )}
        </>
      )}
      {may && <p class="hint">{may}</p>}
      <ErrorText error={error ?? offer.error} />
    </section>
  );
}

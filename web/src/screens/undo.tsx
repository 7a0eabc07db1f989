// "Undo this run" on a run's page: for its starter, an approver or the owner, once the run
// ended. It lists what an undo restores (GET /runs/{id}/undo), asks (POST), then follows the undo run
// and says what was restored and what was left because a person changed it since, with both values.
import { useEffect } from "preact/hooks";
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
function OutcomeItem({ outcome }: { outcome: Outcome }) {
  const what = `Change ${outcome.effect} (${outcome.tool})`;
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
function Outcomes({ heading, kind, outcomes }: { heading: string; kind: string; outcomes: Outcome[] }) {
  if (!outcomes.length) return null;
  return (
    <>
      <h3>{heading}</h3>
      <ul class={kind}>
        {outcomes.map((u) => (
          <OutcomeItem key={u.effect} outcome={u} />
        ))}
      </ul>
    </>
  );
}

export function UndoRun({ runId }: { runId: string }) {
  const offer = useLoad<Offer>(() => get<Offer>(url("/runs/{run_id}/undo", { run_id: runId })), runId);
  const [busy, error, act] = useAction();
  const data = offer.data;
  const working = !!data?.status && WORKING.has(data.status);
  useEffect(() => {
    if (!working) return;
    const timer = window.setTimeout(offer.reload, FOLLOW_MS);
    return () => window.clearTimeout(timer);
  }, [working, data]);
  if (!data || !data.may) return null; // only its starter, an approver or the owner, within the window
  const may = roleRefusal("editor", "undo a run");
  const undo = () =>
    act(async () => {
      await send<S["UndoAsked"]>("POST", url("/runs/{run_id}/undo", { run_id: runId }), {});
      offer.reload();
    });
  const undone = data.undone ?? [];
  const effects = data.effects ?? [];
  const beyond = data.beyond_reach ?? [];
  const cannot = data.cannot ?? [];
  const restored = undone.filter((u) => u.outcome === "reverted" || u.outcome === "already");
  const conflicts = undone.filter((u) => u.outcome === "conflict");
  const rest = undone.filter((u) => !restored.includes(u) && !conflicts.includes(u));
  return (
    <section class="card undo" aria-label="Undo this run">
      <h2>Undo this run</h2>
      {data.status === null || data.status === undefined ? (
        <>
          <p>An undo takes back, newest first, each of these changes, unless someone changed it since:</p>
          <ul class="will-restore">
            {effects.map((e) => (
              <li key={e.effect}>
                Change {e.effect} ({e.tool}) on page {e.page_id}
              </li>
            ))}
          </ul>
          {beyond.length > 0 && (
            <p class="hint">Left out, beyond your reach: changes {beyond.join(", ")}. The owner may undo them.</p>
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
            question="Undo these changes? What a person changed since is left as it is and listed."
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
          <Outcomes heading="Restored" kind="restored" outcomes={restored} />
          <Outcomes heading="Left as people changed them" kind="conflicts" outcomes={conflicts} />
          {rest.length > 0 && (
            <ul>
              {rest.map((u) => (
                <OutcomeItem key={u.effect} outcome={u} />
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

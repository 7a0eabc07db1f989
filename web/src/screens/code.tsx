// A code run's view on its page: the change file by file (a diff, highlighted, long
// runs of unchanged lines folded behind a button), its checks with their output, its preview and
// production deployments, its merge and the approvals each asked. GET /runs/{run_id}/code.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { highlight } from "../highlight";
import { ErrorText, useAction, useLoad } from "../ui";

const CONTEXT = 3; // unchanged lines shown around a change
type Line = S["DiffLine"];
type Piece = { shown: Line[] } | { folded: Line[]; at: number };

/** The diff's lines in pieces: changes with `CONTEXT` lines around them shown, longer unchanged runs folded. */
export function pieces(lines: Line[]): Piece[] {
  const near = lines.map((_, i) => lines.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some((l) => l.op !== " "));
  const out: Piece[] = [];
  lines.forEach((line, i) => {
    const last = out[out.length - 1];
    const fold = !near[i];
    if (fold && last && "folded" in last) last.folded.push(line);
    else if (!fold && last && "shown" in last) last.shown.push(line);
    else out.push(fold ? { folded: [line], at: i } : { shown: [line] });
  });
  return out;
}

function Row({ line, language }: { line: Line; language: string }) {
  const kind = line.op === "+" ? "add" : line.op === "-" ? "del" : "ctx";
  const said = line.op === "+" ? "added" : line.op === "-" ? "removed" : "";
  return (
    <tr class={kind}>
      <td class="num">{line.old ?? ""}</td>
      <td class="num">{line.new ?? ""}</td>
      <td class="op" aria-label={said || undefined}>
        {line.op}
      </td>
      <td class="code">{highlight(line.text, language)}</td>
    </tr>
  );
}

export function FileItem({ file }: { file: S["FileDiff"] }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  return (
    <li class="file">
      <h4>
        <code>{file.path}</code> <span class="meta">{file.status}, +{file.additions} −{file.deletions}</span>
      </h4>
      {!file.base_known && <p class="hint">Its base was not kept with the request: every line shows as added.</p>}
      <div class="diff-scroll">
        <table class={`diff lang-${file.language || "text"}`}>
          <tbody>
            {pieces(file.lines).map((piece) =>
              "shown" in piece ? (
                piece.shown.map((line) => <Row key={`${line.old}-${line.new}`} line={line} language={file.language} />)
              ) : open.has(piece.at) ? (
                piece.folded.map((line) => <Row key={`${line.old}-${line.new}`} line={line} language={file.language} />)
              ) : (
                <tr key={`fold-${piece.at}`} class="fold">
                  <td colSpan={4}>
                    <button type="button" class="link" onClick={() => setOpen(new Set([...open, piece.at]))}>
                      Show {piece.folded.length} unchanged line{piece.folded.length === 1 ? "" : "s"}
                    </button>
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
      {file.cut && <p class="hint">Longer than shown here: only its first lines are.</p>}
    </li>
  );
}

function Deployments({ view }: { view: S["CodeView"] }) {
  if (!view.deployments.length) return <p class="state empty">No deployment yet.</p>;
  return (
    <ul class="deployments">
      {view.deployments.map((d) => (
        <li key={d.id}>
          <strong>{d.target === "production" ? "Production" : "Preview"}</strong>:{" "}
          <span class={`deploy-state ${d.state.toLowerCase()}`}>{d.state === "ROLLED_BACK" ? "ROLLED BACK (failed its health check)" : d.state}</span>{" "}
          {d.url && (
            <a href={d.url} target="_blank" rel="noopener noreferrer">
              {d.url}
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

function Merge({ view }: { view: S["CodeView"] }) {
  const merge = view.merge as { merged?: boolean; merge_sha?: string; without_asking?: string } | null;
  const health = view.production as { healthy?: boolean; status?: number; rolled_back_to?: string } | null;
  return (
    <>
      <p class="merge">
        {merge?.merged ? `Merged as ${String(merge.merge_sha ?? "").slice(0, 12)}.` : "Not merged."}{" "}
        {merge?.without_asking && <span class="auto">Merged without asking: {merge.without_asking}</span>}
      </p>
      {health && (
        <p class="health">
          Production {health.healthy ? "is healthy" : "failed its health check"}
          {health.status ? ` (it answered ${health.status})` : ""}
          {health.rolled_back_to ? `; rolled back to ${health.rolled_back_to}.` : "."}
        </p>
      )}
    </>
  );
}

/** Roll production back: one run, made once however often this is pressed, whose one effect the
 * owner approves in it (POST /runs/{run_id}/rollback). */
function RollBack({ runId }: { runId: string }) {
  const [asked, setAsked] = useState<S["RollbackAsked"] | null>(null);
  const [busy, error, act] = useAction();
  const may = roleRefusal("editor", "roll production back");
  const press = () =>
    act(async () => {
      setAsked(await send<S["RollbackAsked"]>("POST", url("/runs/{run_id}/rollback", { run_id: runId })));
    });
  return (
    <div class="rollback">
      <button type="button" class="danger" disabled={busy || !!may} title={may} onClick={press}>
        Roll production back
      </button>
      {may && <p class="hint">{may}</p>}
      {asked && (
        <p role="status">
          {asked.made ? "Asked" : "Already asked"}: production goes back from {asked.deployment_id} once the owner approves it in{" "}
          <a href={`#/runs/${encodeURIComponent(asked.run_id)}`}>its run</a>.
        </p>
      )}
      <ErrorText error={error} />
    </div>
  );
}

/** The merge's pending approval decided in place, by the owner only, through the route the inbox
 * uses (POST /runs/{run_id}/approve or /reject with the request's id). */
function Decide({ runId, approval }: { runId: string; approval: S["ApprovalView"] }) {
  const [done, setDone] = useState("");
  const [busy, error, act] = useAction();
  const may = roleRefusal("owner", "decide a merge");
  const decide = (decision: "approve" | "reject") =>
    act(async () => {
      const path = url(`/runs/{run_id}/${decision}`, { run_id: runId });
      await send<S["RunMoved"]>("POST", path, { request_id: approval.request_id, text: "" });
      setDone(decision === "approve" ? "Merge approved." : "Merge rejected.");
    });
  if (done) return <p role="status">{done}</p>;
  return (
    <div class="decide">
      <button type="button" class="primary" disabled={busy || !!may} title={may} onClick={() => decide("approve")}>
        Approve the merge
      </button>{" "}
      <button type="button" class="danger" disabled={busy || !!may} title={may} onClick={() => decide("reject")}>
        Reject the merge
      </button>
      {may && <p class="hint">{may}</p>}
      <ErrorText error={error} />
    </div>
  );
}

/** A code change a request asks to approve, as the code view shows a change: what
 * it does in words, each pushed file's diff, and the request as code wrote it behind a summary. */
export function ChangeAsked({ change, prompt }: { change: S["ApprovalChange"]; prompt: ComponentChildren }) {
  return (
    <>
      <p class="change-words">{change.words}</p>
      {change.files.length > 0 && (
        <ul class="files">
          {change.files.map((file) => (
            <FileItem key={file.path} file={file} />
          ))}
        </ul>
      )}
      <details>
        <summary>The request as code wrote it</summary>
        {prompt}
      </details>
    </>
  );
}

/** The run's code view; nothing at all for a run that touched no repository. */
export function CodeSection({ runId, round }: { runId: string; round: string }) {
  const view = useLoad(() => get<S["CodeView"]>(url("/runs/{run_id}/code", { run_id: runId })), `${runId} ${round}`);
  const data = view.data;
  if (view.error) return <ErrorText error={view.error} />;
  if (!data || !data.repository) return null;
  const pr = data.pull_request as { number?: number; url?: string } | null;
  return (
    <section class="code-view" aria-labelledby="code-title">
      <h2 id="code-title">Code: {data.repository}</h2>
      {pr?.url && (
        <p>
          <a href={pr.url} target="_blank" rel="noopener noreferrer">
            Pull request #{pr.number}
          </a>
        </p>
      )}
      <h3>The change</h3>
      <ul class="files">
        {data.files.map((file) => (
          <FileItem key={file.path} file={file} />
        ))}
      </ul>
      <h3>Checks{data.checks_state ? `: ${data.checks_state}` : ""}</h3>
      {data.checks.length === 0 ? (
        <p class="state empty">No check reported yet.</p>
      ) : (
        <ul class="checks">
          {data.checks.map((check) => (
            <li key={check.name} class={`check ${check.state}`}>
              {check.name}: {check.state}
              {check.output && <pre class="check-output">{check.output}</pre>}
            </li>
          ))}
        </ul>
      )}
      <h3>Deployments</h3>
      <Deployments view={data} />
      <Merge view={data} />
      {data.deployments.some((d) => d.target === "production" && d.state !== "ROLLED_BACK") && <RollBack runId={runId} />}
      <h3>Approvals</h3>
      {data.approvals.length === 0 ? (
        <p class="state empty">Nothing was asked.</p>
      ) : (
        <ul class="approvals">
          {data.approvals.map((a) => (
            <li key={a.request_id}>
              Step {a.step}, {a.tool}: {a.decision ? `${a.decision}d${a.by ? ` by ${a.by}` : ""}` : "waiting for the owner"}
              {!a.decision && a.tool === "merge_pull_request" && <Decide runId={runId} approval={a} />}
              <details>
                <summary>What was asked</summary>
                <p class="text">{a.prompt}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

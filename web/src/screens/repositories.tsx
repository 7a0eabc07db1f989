// Repository policies (issue 68, point 4): per repository the owner allowed, the paths a run may
// write, the largest file, the tests' command, the preview's smoke paths and auto-merge, off by default. Every member reads them; only the owner
// saves (PUT /repositories/{owner}/{name}/policy, which the api refuses to anyone else).
import { useEffect, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { problemsOf } from "../settings_form";
import { Empty, LoadState, Refused, useAction, useLoad } from "../ui";

type Policy = S["CodePolicy"];

function PolicyForm({ repository, policy }: { repository: string; policy: Policy }) {
  const [paths, setPaths] = useState((policy.allowed_paths ?? ["*"]).join("\n"));
  const [largest, setLargest] = useState(String(policy.max_file_bytes ?? 200000));
  const [auto, setAuto] = useState(policy.auto_merge === true);
  const [tests, setTests] = useState(policy.test_command ?? "");
  const [smoke, setSmoke] = useState((policy.smoke_paths ?? ["/"]).join("\n"));
  const [saved, setSaved] = useState("");
  const [busy, error, act] = useAction();
  const may = roleRefusal("owner", "change a repository's policy");
  const id = repository.replace(/[^A-Za-z0-9]/g, "-");
  const [owner = "", name = ""] = repository.split("/");
  const save = (event: Event) => {
    event.preventDefault();
    setSaved("");
    void act(async () => {
      const body: Policy = {
        ...policy,
        allowed_paths: paths.split("\n").map((p) => p.trim()).filter(Boolean),
        max_file_bytes: Number(largest),
        auto_merge: auto,
        test_command: tests.trim(),
        smoke_paths: smoke.split("\n").map((p) => p.trim()).filter(Boolean),
      };
      const answer = await send<S["RepositoryPolicy"]>("PUT", url("/repositories/{owner}/{name}/policy", { owner, name }), body);
      setSaved(answer.policy.auto_merge ? "Saved: auto-merge is on." : "Saved: every merge asks the owner.");
    });
  };
  return (
    <form class="card policy" aria-labelledby={`${id}-title`} onSubmit={save}>
      <h2 id={`${id}-title`}>{repository}</h2>
      <label for={`${id}-paths`}>Paths a run may write, one pattern a line (* also crosses /)</label>
      <textarea id={`${id}-paths`} rows={4} value={paths} disabled={!!may} onInput={(e) => setPaths(e.currentTarget.value)} />
      <label for={`${id}-largest`}>Largest file, in bytes</label>
      <input id={`${id}-largest`} type="number" min={1} value={largest} disabled={!!may} onInput={(e) => setLargest(e.currentTarget.value)} />
      <label for={`${id}-tests`}>The tests' command, when the repository's AGENTS.md or CONTRIBUTING.md does not say</label>
      <input id={`${id}-tests`} type="text" maxLength={200} placeholder="make test" value={tests} disabled={!!may} onInput={(e) => setTests(e.currentTarget.value)} />
      <label for={`${id}-smoke`}>Smoke paths: what the ready preview must answer before the merge is asked for, one path a line starting with /</label>
      <textarea id={`${id}-smoke`} rows={3} value={smoke} disabled={!!may} onInput={(e) => setSmoke(e.currentTarget.value)} />
      <p class="hint">Workflow files (.github/workflows) and dependency files (manifests, lock files) are pushed only after an approval that names them.</p>
      <label class="check">
        <input type="checkbox" checked={auto} disabled={!!may} onChange={(e) => setAuto(e.currentTarget.checked)} />
        Auto-merge: a change that passes every check inside the allowed paths may merge without asking
      </label>
      {may && <p class="hint">{may}</p>}
      <button type="submit" class="primary" disabled={busy || !!may} title={may}>
        {busy ? "Saving…" : `Save the policy of ${repository}`}
      </button>
      {saved && <p role="status">{saved}</p>}
      <Refused problems={problemsOf(error)} error={error} />
    </form>
  );
}

export function RepositoriesScreen() {
  const view = useLoad(() => get<S["RepositoryPolicies"]>(url("/repositories/policies")));
  const [shown, setShown] = useState<S["RepositoryPolicy"][]>([]);
  useEffect(() => setShown(view.data?.repositories ?? []), [view.data]);
  return (
    <section>
      <h1>Repositories</h1>
      <LoadState of={view} what="the repositories' policies" />
      {view.data && shown.length === 0 && <Empty>No repository is allowed yet: add one in the GitHub integration's settings.</Empty>}
      {shown.map((r) => (
        <PolicyForm key={r.repository} repository={r.repository} policy={r.policy} />
      ))}
    </section>
  );
}

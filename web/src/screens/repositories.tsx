// Repository policies: per repository the owner allowed, its forge (GitHub, or a
// GitLab project: decision 0126), the paths a run may write, the largest file, the tests' command, the
// preview's smoke paths, the reviewers whose comments ask a run for a revision and how long it waits
// for one (nobody listed, it waits for no one and says so), and auto-merge, off by default. Every member reads them; only the owner saves
// (PUT /repositories/{owner}/{name}/policy, which the api refuses to anyone else), its refusals said
// beside the field they name.
import { useEffect, useState } from "preact/hooks";
import { ApiError, type S, get, roleRefusal, send, url } from "../api";
import { Empty, Invalid, LoadState, type Problems, Refused, invalid, useAction, useLoad } from "../ui";

type Policy = S["CodePolicy"];
type Forge = NonNullable<Policy["forge"]>;

// The form's fields by the api's (the first part of a dotted field), and what to say when the api's
// own words are a schema's ("should match pattern").
const FIELDS: Record<string, [string, string]> = {
  forge: ["forge", "Choose GitHub or GitLab."],
  allowed_paths: ["paths", "Give 1 to 50 patterns, one a line, relative to the repository's root (no leading /, no ..), such as src/*."],
  max_file_bytes: ["largest", "Give a whole number of bytes from 1 to 1000000."],
  test_command: ["tests", "Give one line of at most 200 characters, such as make test."],
  reviewers: ["reviewers", "Give at most 50 GitHub logins, one a line: letters, digits and -, such as rosa."],
  review_wait_s: ["wait", "Give a whole number of minutes from 1 to 10080 (a week)."],
  smoke_paths: ["smoke", "Give at most 10 paths, one a line, each starting with / (letters, digits, . _ ~ - and /), such as /api/health."],
};

/** The api's refusal of a policy by the form's field (prefixed with the form's `id`), in words. */
function policyProblems(error: unknown, id: string): Problems {
  const problems: Problems = {};
  if (!(error instanceof ApiError)) return problems;
  for (const { field, problem } of error.fields) {
    const [key, words] = FIELDS[field.split(".")[0] ?? ""] ?? [];
    if (!key || problems[`${id}-${key}`]) continue;
    const own = problem.replace(/^Value error, /, "");
    problems[`${id}-${key}`] = own && !/should|pattern|Input/.test(own) ? own : (words ?? own);
  }
  return problems;
}

function PolicyForm({ repository, policy }: { repository: string; policy: Policy }) {
  const [paths, setPaths] = useState((policy.allowed_paths ?? ["*"]).join("\n"));
  const [largest, setLargest] = useState(String(policy.max_file_bytes ?? 200000));
  const [auto, setAuto] = useState(policy.auto_merge === true);
  const [tests, setTests] = useState(policy.test_command ?? "");
  const [smoke, setSmoke] = useState((policy.smoke_paths ?? ["/"]).join("\n"));
  const [forge, setForge] = useState<Forge>(policy.forge ?? "github");
  const [reviewers, setReviewers] = useState((policy.reviewers ?? []).join("\n"));
  const [wait, setWait] = useState(String(Math.round((policy.review_wait_s ?? 86400) / 60)));
  const [saved, setSaved] = useState("");
  const [busy, error, act] = useAction();
  const may = roleRefusal("owner", "change a repository's policy");
  const id = repository.replace(/[^A-Za-z0-9]/g, "-");
  const problems = policyProblems(error, id);
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
        reviewers: reviewers.split("\n").map((r) => r.trim().replace(/^@/, "")).filter(Boolean),
        review_wait_s: Math.round(Number(wait) * 60),
        forge,
      };
      const answer = await send<S["RepositoryPolicy"]>("PUT", url("/repositories/{owner}/{name}/policy", { owner, name }), body);
      const host = answer.policy.forge === "gitlab" ? " for GitLab" : "";
      setSaved(`Saved${host}: ${answer.policy.auto_merge ? "auto-merge is on." : "every merge asks the owner."}`);
    });
  };
  return (
    <form class="card policy" aria-labelledby={`${id}-title`} onSubmit={save}>
      <h2 id={`${id}-title`}>{repository}</h2>
      <label for={`${id}-forge`}>Where {repository} lives</label>
      <select id={`${id}-forge`} value={forge} disabled={!!may} onChange={(e) => setForge(e.currentTarget.value as Forge)} {...invalid(problems, `${id}-forge`)}>
        <option value="github">GitHub</option>
        <option value="gitlab">GitLab</option>
      </select>
      <Invalid problems={problems} name={`${id}-forge`} />
      <p class="hint">
        {forge === "gitlab"
          ? `GitLab: a run opens a merge request in the GitLab project ${repository} (its project path) on the instance of your GitLab connection, with its access (connect GitLab on the Integrations screen).`
          : `GitHub: a run opens a pull request in ${repository} with the GitHub token of the Integrations screen.`}
      </p>
      <label for={`${id}-paths`}>Paths a run may write, one pattern a line (* also crosses /)</label>
      <textarea id={`${id}-paths`} rows={4} value={paths} disabled={!!may} onInput={(e) => setPaths(e.currentTarget.value)} {...invalid(problems, `${id}-paths`)} />
      <Invalid problems={problems} name={`${id}-paths`} />
      <label for={`${id}-largest`}>Largest file, in bytes</label>
      <input id={`${id}-largest`} type="number" min={1} value={largest} disabled={!!may} onInput={(e) => setLargest(e.currentTarget.value)} {...invalid(problems, `${id}-largest`)} />
      <Invalid problems={problems} name={`${id}-largest`} />
      <label for={`${id}-tests`}>The tests' command, when the repository's AGENTS.md or CONTRIBUTING.md does not say</label>
      <input id={`${id}-tests`} type="text" maxLength={200} placeholder="make test" value={tests} disabled={!!may} onInput={(e) => setTests(e.currentTarget.value)} {...invalid(problems, `${id}-tests`)} />
      <Invalid problems={problems} name={`${id}-tests`} />
      <label for={`${id}-smoke`}>Smoke paths: what the ready preview must answer before the merge is asked for, one path a line starting with /</label>
      <textarea id={`${id}-smoke`} rows={3} value={smoke} disabled={!!may} onInput={(e) => setSmoke(e.currentTarget.value)} {...invalid(problems, `${id}-smoke`)} />
      <Invalid problems={problems} name={`${id}-smoke`} />
      <label for={`${id}-reviewers`}>Reviewers: the GitHub logins whose comments on a run's pull request ask it for a revision, one a line</label>
      <textarea id={`${id}-reviewers`} rows={2} value={reviewers} disabled={!!may} onInput={(e) => setReviewers(e.currentTarget.value)} aria-describedby={`${id}-reviewers-hint`} {...invalid(problems, `${id}-reviewers`)} />
      <Invalid problems={problems} name={`${id}-reviewers`} />
      <p class="hint" id={`${id}-reviewers-hint`}>
        {reviewers.trim()
          ? "A run waits for their comment after its checks pass, then revises or ships."
          : "Nobody is listed: a run waits for no review and says so in its timeline."}
      </p>
      <label for={`${id}-wait`}>Wait for a reviewer's comment, in minutes after the last push</label>
      <input id={`${id}-wait`} type="number" min={1} max={10080} value={wait} disabled={!!may} onInput={(e) => setWait(e.currentTarget.value)} {...invalid(problems, `${id}-wait`)} />
      <Invalid problems={problems} name={`${id}-wait`} />
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
      <Refused problems={problems} error={error} />
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
      {view.data && shown.length === 0 && (
        <Empty>
          No repository is allowed yet: list one under <a href="#/settings">Settings</a>, “GitHub repositories runs may open pull requests in” (owner/name), with a
          GitHub token under <a href="#/integrations">Integrations</a>.
        </Empty>
      )}
      {shown.map((r) => (
        <PolicyForm key={r.repository} repository={r.repository} policy={r.policy} />
      ))}
    </section>
  );
}

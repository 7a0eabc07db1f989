// Connecting Linear, GitLab or Motion with a key the person pastes: PUT
// /sync/<tool>. The key's field is a password field, emptied as soon as it is sent, so the page keeps
// no copy; the api's refusals (400 naming a field) are said beside that field, and nothing is stored.
import { useState } from "preact/hooks";
import { ApiError, roleRefusal, send, url } from "../api";
import { type Problems, Refused, useAction } from "../ui";

export type Tool = "linear" | "gitlab" | "motion";

// A field: the api's name, its label, the one sentence that explains it, whether it is the secret,
// whether it may be left empty.
type Field = [string, string, string, boolean, boolean];

const FIELDS: Record<Tool, Field[]> = {
  linear: [
    ["api_key", "Linear API key", "A personal API key from Linear's Settings, under API; it is kept in Secret Manager and never shown again.", true, false],
    ["team_id", "Linear team's id", "The id (a UUID) of the Linear team whose issues are kept in step with your Tasks.", false, false],
  ],
  gitlab: [
    ["access_token", "GitLab personal access token", "A token with the api scope of a Maintainer of the project; it is kept in Secret Manager and never shown again.", true, false],
    ["project", "GitLab project's path", "The project whose issues are kept in step: its path (group/project) or its number.", false, false],
    ["base_url", "GitLab's address (self-managed only)", "Leave it empty for gitlab.com; else your instance's https address, such as https://gitlab.example.com.", false, true],
  ],
  motion: [
    ["api_key", "Motion API key", "An API key from Motion's Settings, under API; it is kept in Secret Manager and never shown again.", true, false],
    ["workspace_id", "Motion workspace's id", "The id of the Motion workspace whose tasks are kept in step with your Tasks.", false, false],
  ],
};

const PATHS = { linear: "/sync/linear", gitlab: "/sync/gitlab", motion: "/sync/motion" } as const;

/** The api's refusal by the field it names (keyed `<tool>-<field>`), in words: the field's own
 * problem, else the reason without its leading `field: `. */
function keyProblems(error: unknown, tool: Tool): Problems {
  const problems: Problems = {};
  if (!(error instanceof ApiError)) return problems;
  for (const { field, problem } of error.fields) {
    if (!FIELDS[tool].some(([name]) => name === field)) continue;
    const said = problem || error.message.replace(new RegExp(`^${field}: `), "");
    problems[`${tool}-${field}`] = said.charAt(0).toUpperCase() + said.slice(1);
  }
  return problems;
}

const OTHERS: Record<Tool, string> = { linear: "GitLab or Motion", gitlab: "Linear or Motion", motion: "Linear or GitLab" };

/** The choice a connect makes: tasks made in the other trackers copied to this one
 * too. Off unless ticked: a task made in one tracker reaches Notion, not every other tracker. */
export function CopyChoice({ tool, title, on, set, disabled }: { tool: Tool; title: string; on: boolean; set: (on: boolean) => void; disabled: boolean }) {
  return (
    <label class="check">
      <input type="checkbox" checked={on} onChange={(e) => set(e.currentTarget.checked)} disabled={disabled} />
      Also copy tasks made in {OTHERS[tool]} to {title} (otherwise only tasks made in Notion or in {title} are kept in step here)
    </label>
  );
}

/** The form that connects `tool` with a key; `done` is told once the api accepted it. */
export function KeyForm({ tool, title, done }: { tool: Tool; title: string; done: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [copy, setCopy] = useState(false);
  const [busy, error, act] = useAction();
  const may = roleRefusal("admin", `connect ${title}`);
  const problems = keyProblems(error, tool);
  const submit = (event: Event) => {
    event.preventDefault();
    const body = Object.fromEntries(FIELDS[tool].map(([name]) => [name, (values[name] ?? "").trim()]).filter(([, v]) => v));
    setValues(Object.fromEntries(FIELDS[tool].filter(([, , , secret]) => !secret).map(([name]) => [name, values[name] ?? ""])));
    void act(async () => {
      await send("PUT", url(PATHS[tool]), { ...body, copy_other_tools: copy });
      done();
    });
  };
  return (
    <form onSubmit={submit}>
      {FIELDS[tool].map(([name, label, help, secret, optional]) => {
        const id = `${tool}-${name}`;
        const problem = problems[id];
        return (
          <div key={name}>
            <label>
              {label}
              <input
                id={id}
                type={secret ? "password" : "text"}
                autoComplete="off"
                value={values[name] ?? ""}
                onInput={(e) => setValues({ ...values, [name]: e.currentTarget.value })}
                required={!optional}
                disabled={!!may}
                aria-invalid={problem ? "true" : undefined}
                aria-describedby={problem ? `problem-${id} help-${id}` : `help-${id}`}
              />
            </label>
            {problem && (
              <span class="field-error" id={`problem-${id}`}>
                {problem}
              </span>
            )}
            <small class="hint" id={`help-${id}`}>
              {help}
            </small>
          </div>
        );
      })}
      <CopyChoice tool={tool} title={title} on={copy} set={setCopy} disabled={!!may} />
      <button type="submit" disabled={busy || !!may} title={may}>
        Connect {title} with the key
      </button>
      <Refused problems={problems} error={error} />
    </form>
  );
}

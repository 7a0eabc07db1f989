// An agent's reach in the connected trackers (decisions 0116, 0121, 0122): which Linear team, GitLab
// project and Motion workspace its runs may write to and its tracker rules may start from. Only the
// connected ones are offered; none chosen means the connected ones, each write approved by the owner.
import { type S, get, url } from "../api";
import { ErrorText, useLoad } from "../ui";

export type Choice = { label: string; names: string[] }; // a GitLab project is named by its id and its path

/** The connected Linear team, GitLab project and Motion workspace, each with the names a reach or a rule uses. */
export async function connected(): Promise<Choice[]> {
  const [linear, gitlab, motion] = await Promise.all([
    get<S["LinearStatus"]>(url("/sync/linear")),
    get<S["GitLabStatus"]>(url("/sync/gitlab")),
    get<S["MotionStatus"]>(url("/sync/motion")),
  ]);
  const found: Choice[] = [];
  if (linear.connected && linear.team) found.push({ label: `Linear team ${linear.team.name}`, names: [`linear:${linear.team.id}`] });
  if (gitlab.connected && gitlab.project) {
    const { id, path } = gitlab.project;
    found.push({ label: `GitLab project ${path}`, names: [`gitlab:${id}`, `gitlab:${path}`] });
  }
  if (motion.connected && motion.workspace) {
    found.push({ label: `Motion workspace ${motion.workspace.name}`, names: [`motion:${motion.workspace.id}`] });
  }
  return found;
}

/** The trackers an agent may touch, chosen among the connected ones; ``save`` gets the whole new list
 * (entries for trackers no longer connected are kept as they were). */
export function TrackerReach({ chosen, save, disabled, title }: {
  chosen: string[];
  save: (trackers: string[]) => void;
  disabled: boolean;
  title?: string;
}) {
  const choices = useLoad(connected);
  const offered = choices.data ?? [];
  const toggle = (choice: Choice, on: boolean) => {
    const rest = chosen.filter((name) => !choice.names.includes(name));
    save(on ? [...rest, ...choice.names] : rest);
  };
  return (
    <fieldset class="tracker-reach">
      <legend>Trackers it may touch</legend>
      {choices.data && offered.length === 0 && <p class="hint">No Linear, GitLab or Motion is connected: see Integrations.</p>}
      {offered.map((choice) => (
        <label class="check" key={choice.label}>
          <input
            type="checkbox"
            checked={choice.names.some((name) => chosen.includes(name))}
            disabled={disabled}
            title={title}
            onChange={(e) => toggle(choice, e.currentTarget.checked)}
          />
          {choice.label}
        </label>
      ))}
      {offered.length > 0 && (
        <p class="hint" role="status">
          {chosen.length
            ? `Only these: its runs write nowhere else and its tracker rules start from nothing else.`
            : `None chosen: the connected ones, each write approved by you first.`}
        </p>
      )}
      <ErrorText error={choices.error} />
    </fieldset>
  );
}

// The owner's choices as form fields (time zone, planning hour, quiet hours, channels, budgets, the
// daily plan, code integrations' scope), shared by onboarding and settings; a draft becomes a PATCH body.
import type { S } from "./api";

type Settings = S["TenantSettings"];
type Channel = S["NotificationChannel"];
export type Change = S["SettingsChange"];

export interface Draft {
  timezone: string;
  planning_hour: string;
  quiet_from: string;
  quiet_to: string;
  channels: Channel[];
  notification_email: string;
  slack_channel_id: string;
  day: string;
  month: string;
  run: string;
  daily_plan: boolean;
  digest: boolean;
  react_to_mentions: boolean;
  trigger_page_notes: S["PageNotes"];
  github_repositories: string;
  vercel_projects: string;
}

export const CHANNELS: [Channel, string][] = [
  ["notion_comment", "A comment on the Notion page it is about"],
  ["slack", "Slack"],
  ["discord", "Discord"],
  ["email", "Email"],
];

const ZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
})();

export function draftOf(settings: Settings): Draft {
  const quiet = settings.quiet_hours ?? null;
  return {
    timezone: settings.timezone ?? "UTC",
    planning_hour: String(settings.planning_hour ?? 8),
    quiet_from: quiet ? String(quiet[0]) : "",
    quiet_to: quiet ? String(quiet[1]) : "",
    channels: settings.notification_channels ?? ["notion_comment"],
    notification_email: settings.notification_email ?? "",
    slack_channel_id: settings.slack_channel_id ?? "",
    day: String(settings.max_cost_per_day_usd ?? 5),
    month: String(settings.max_cost_per_month_usd ?? 50),
    run: String(settings.max_cost_per_run_usd ?? 1),
    daily_plan: settings.daily_plan ?? true,
    digest: settings.digest ?? false,
    react_to_mentions: settings.react_to_mentions ?? true,
    trigger_page_notes: settings.trigger_page_notes ?? "start_end",
    github_repositories: (settings.github_repositories ?? []).join(", "),
    vercel_projects: (settings.vercel_projects ?? []).join(", "),
  };
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/** The PATCH body of a draft; numbers as typed, so the api says in words what is out of range. */
export function changeOf(draft: Draft): Change {
  const quiet: [number, number] | null =
    draft.quiet_from !== "" && draft.quiet_to !== "" ? [Number(draft.quiet_from), Number(draft.quiet_to)] : null;
  return {
    timezone: draft.timezone,
    planning_hour: Number(draft.planning_hour),
    quiet_hours: quiet,
    notification_channels: draft.channels,
    notification_email: draft.notification_email.trim() || null,
    slack_channel_id: draft.slack_channel_id.trim() || null,
    max_cost_per_day_usd: Number(draft.day),
    max_cost_per_month_usd: Number(draft.month),
    max_cost_per_run_usd: Number(draft.run),
    daily_plan: draft.daily_plan,
    digest: draft.digest,
    react_to_mentions: draft.react_to_mentions,
    trigger_page_notes: draft.trigger_page_notes,
    github_repositories: list(draft.github_repositories),
    vercel_projects: list(draft.vercel_projects),
  };
}

export function SettingsFields({ draft, set }: { draft: Draft; set: (draft: Draft) => void }) {
  const field = <K extends keyof Draft>(key: K, value: Draft[K]) => set({ ...draft, [key]: value });
  const tick = (channel: Channel, on: boolean) =>
    field("channels", on ? [...draft.channels.filter((c) => c !== channel), channel] : draft.channels.filter((c) => c !== channel));
  return (
    <>
      <fieldset>
        <legend>When</legend>
        <label>
          Time zone
          <select value={draft.timezone} onChange={(e) => field("timezone", e.currentTarget.value)}>
            {(ZONES.includes(draft.timezone) ? ZONES : [draft.timezone, ...ZONES]).map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </label>
        <label>
          Planning hour (0 to 23)
          <input type="number" value={draft.planning_hour} onInput={(e) => field("planning_hour", e.currentTarget.value)} />
        </label>
        <label>
          Quiet from (hour)
          <input type="number" value={draft.quiet_from} onInput={(e) => field("quiet_from", e.currentTarget.value)} />
        </label>
        <label>
          Quiet until (hour)
          <input type="number" value={draft.quiet_to} onInput={(e) => field("quiet_to", e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={draft.daily_plan} onChange={(e) => field("daily_plan", e.currentTarget.checked)} />
          Write a plan page each day at the planning hour
        </label>
        <label class="check">
          <input type="checkbox" checked={draft.digest} onChange={(e) => field("digest", e.currentTarget.checked)} />
          One daily digest instead of a message at each run's end
        </label>
        <label class="check">
          <input
            type="checkbox"
            checked={draft.react_to_mentions}
            onChange={(e) => field("react_to_mentions", e.currentTarget.checked)}
          />
          Start work when a comment mentions the agent
        </label>
      </fieldset>
      <fieldset>
        <legend>Notifications go to the first of these that can carry them</legend>
        {CHANNELS.map(([channel, words]) => (
          <label class="check" key={channel}>
            <input type="checkbox" checked={draft.channels.includes(channel)} onChange={(e) => tick(channel, e.currentTarget.checked)} />
            {words}
          </label>
        ))}
        <label>
          Email address for notifications (optional)
          <input type="email" value={draft.notification_email} onInput={(e) => field("notification_email", e.currentTarget.value)} />
        </label>
        <label>
          Slack channel id (optional, C…)
          <input value={draft.slack_channel_id} onInput={(e) => field("slack_channel_id", e.currentTarget.value)} />
        </label>
        <label>
          Comments on the page that started a run
          <select value={draft.trigger_page_notes} onChange={(e) => field("trigger_page_notes", e.currentTarget.value as S["PageNotes"])}>
            <option value="start_end">When it starts and when it ends</option>
            <option value="every_step">Also after every step</option>
            <option value="none">None</option>
          </select>
        </label>
      </fieldset>
      <fieldset>
        <legend>Budgets (US dollars)</legend>
        <label>
          Per day
          <input type="number" step="0.01" value={draft.day} onInput={(e) => field("day", e.currentTarget.value)} />
        </label>
        <label>
          Per month
          <input type="number" step="0.01" value={draft.month} onInput={(e) => field("month", e.currentTarget.value)} />
        </label>
        <label>
          Per run
          <input type="number" step="0.01" value={draft.run} onInput={(e) => field("run", e.currentTarget.value)} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Code</legend>
        <label>
          GitHub repositories runs may open pull requests in (owner/name, comma separated)
          <input value={draft.github_repositories} onInput={(e) => field("github_repositories", e.currentTarget.value)} />
        </label>
        <label>
          Vercel projects runs may deploy (comma separated)
          <input value={draft.vercel_projects} onInput={(e) => field("vercel_projects", e.currentTarget.value)} />
        </label>
      </fieldset>
    </>
  );
}

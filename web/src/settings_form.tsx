// The owner's choices as form fields (time zone, planning hour, quiet hours, channels, budgets, the
// daily plan, code integrations' scope), shared by onboarding and settings; a draft becomes a PATCH body.
import { ApiError, type S } from "./api";
import { Invalid, type Problems, invalid } from "./ui";

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

/** The browser's time zone when it is one the list offers, else "". */
export function browserZone(): string {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone && ZONES.includes(zone) ? zone : "";
  } catch {
    return "";
  }
}

/** A first setup's draft in the browser's time zone rather than the workspace's default, UTC (issue
 * 78, L15); a workspace already set up keeps the zone it has. */
export function withBrowserZone(draft: Draft, first: boolean): Draft {
  const zone = browserZone();
  return first && draft.timezone === "UTC" && zone ? { ...draft, timezone: zone } : draft;
}

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
    // One of the contract's zones; one the browser knows and the api does not is refused in words.
    timezone: draft.timezone as Change["timezone"],
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

const HOUR = "Give an hour from 0 to 23.";
const isHour = (text: string) => /^\d{1,2}$/.test(text.trim()) && Number(text) <= 23;
const isAmount = (text: string) => text.trim() !== "" && Number.isFinite(Number(text)) && Number(text) >= 0;

/** What the draft cannot be saved as, by field: nothing is dropped or bent into another value. */
export function checkDraft(draft: Draft): Problems {
  const problems: Problems = {};
  if (!isHour(draft.planning_hour)) problems.planning_hour = HOUR;
  const from = draft.quiet_from.trim();
  const to = draft.quiet_to.trim();
  if (from !== "" && !isHour(from)) problems.quiet_from = HOUR;
  if (to !== "" && !isHour(to)) problems.quiet_to = HOUR;
  if (from !== "" && to === "") problems.quiet_to = "Give the hour the quiet hours end, or clear their start too.";
  if (from === "" && to !== "") problems.quiet_from = "Give the hour the quiet hours start, or clear their end too.";
  if (from !== "" && to !== "" && isHour(from) && isHour(to) && Number(from) === Number(to))
    problems.quiet_to = "The quiet hours must end at another hour than they start: clear both for none.";
  for (const key of ["day", "month", "run"] as const) {
    if (!isAmount(draft[key])) problems[key] = "Give an amount in US dollars, 0 or more.";
  }
  if (!problems.run && !problems.day && Number(draft.run) > Number(draft.day))
    problems.run = `A run may spend at most what a day may ($${Number(draft.day)}).`;
  if (!problems.day && !problems.month && Number(draft.day) > Number(draft.month))
    problems.day = `A day may spend at most what a month may ($${Number(draft.month)}).`;
  return problems;
}

// The api's fields (PATCH /settings) by the draft's keys, and what to say of a problem in words.
const FIELDS: Record<string, keyof Draft> = {
  timezone: "timezone",
  planning_hour: "planning_hour",
  quiet_hours: "quiet_to",
  notification_channels: "channels",
  notification_email: "notification_email",
  slack_channel_id: "slack_channel_id",
  max_cost_per_day_usd: "day",
  max_cost_per_month_usd: "month",
  max_cost_per_run_usd: "run",
  github_repositories: "github_repositories",
  vercel_projects: "vercel_projects",
};
const WORDS: Partial<Record<keyof Draft, string>> = {
  slack_channel_id:
    "A Slack channel id starts with C or G and has 9 to 21 capital letters and digits, such as C0123456789 (Slack shows it at the bottom of the channel's details).",
  notification_email: "Give one email address, such as you@example.com.",
  timezone: "Choose a time zone from the list.",
};

/** The api's refusal, by the draft's field it names (in words); what names no field stays out. */
export function problemsOf(error: unknown): Problems {
  const problems: Problems = {};
  if (!(error instanceof ApiError)) return problems;
  for (const { field, problem } of error.fields) {
    const key = FIELDS[field.split(".")[0] ?? ""];
    if (!key || problems[key]) continue;
    const said = error.fields.length === 1 && !/should|pattern|Input/.test(error.message) ? error.message : "";
    problems[key] = WORDS[key] ?? (said || (/should|pattern/.test(problem) ? "This value is not one the agent can use." : problem));
  }
  return problems;
}

export function SettingsFields({ draft, set, problems = {} }: { draft: Draft; set: (draft: Draft) => void; problems?: Problems }) {
  const field = <K extends keyof Draft>(key: K, value: Draft[K]) => set({ ...draft, [key]: value });
  const tick = (channel: Channel, on: boolean) =>
    field("channels", on ? [...draft.channels.filter((c) => c !== channel), channel] : draft.channels.filter((c) => c !== channel));
  return (
    <>
      <fieldset>
        <legend>When</legend>
        <label>
          Time zone
          <select value={draft.timezone} onChange={(e) => field("timezone", e.currentTarget.value)} {...invalid(problems, "timezone")}>
            {(ZONES.includes(draft.timezone) ? ZONES : [draft.timezone, ...ZONES]).map((zone) => (
              <option key={zone} value={zone}>
                {zone}
              </option>
            ))}
          </select>
        </label>
        <Invalid problems={problems} name="timezone" />
        <label>
          Planning hour (0 to 23)
          <input type="number" value={draft.planning_hour} onInput={(e) => field("planning_hour", e.currentTarget.value)} {...invalid(problems, "planning_hour")} />
        </label>
        <Invalid problems={problems} name="planning_hour" />
        <label>
          Quiet from (hour)
          <input type="number" value={draft.quiet_from} onInput={(e) => field("quiet_from", e.currentTarget.value)} {...invalid(problems, "quiet_from")} />
        </label>
        <Invalid problems={problems} name="quiet_from" />
        <label>
          Quiet until (hour)
          <input type="number" value={draft.quiet_to} onInput={(e) => field("quiet_to", e.currentTarget.value)} {...invalid(problems, "quiet_to")} />
        </label>
        <Invalid problems={problems} name="quiet_to" />
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
        <small class="hint">
          On a chosen database's page, a mention starts work only where that database's rules tick “A comment mentions the agent” (Onboarding); a comment that names one of your agents starts it on any page.
        </small>
      </fieldset>
      <fieldset>
        <legend>Notifications go to the first of these that can carry them</legend>
        {CHANNELS.map(([channel, words]) => (
          <label class="check" key={channel}>
            <input type="checkbox" checked={draft.channels.includes(channel)} onChange={(e) => tick(channel, e.currentTarget.checked)} />
            {words}
          </label>
        ))}
        <Invalid problems={problems} name="channels" />
        <label>
          Email address for notifications (optional)
          <input type="email" value={draft.notification_email} onInput={(e) => field("notification_email", e.currentTarget.value)} {...invalid(problems, "notification_email")} />
        </label>
        <Invalid problems={problems} name="notification_email" />
        <label>
          Slack channel id (optional, C…)
          <input value={draft.slack_channel_id} onInput={(e) => field("slack_channel_id", e.currentTarget.value)} {...invalid(problems, "slack_channel_id")} />
        </label>
        <Invalid problems={problems} name="slack_channel_id" />
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
          <input type="number" step="0.01" value={draft.day} onInput={(e) => field("day", e.currentTarget.value)} {...invalid(problems, "day")} />
        </label>
        <Invalid problems={problems} name="day" />
        <label>
          Per month
          <input type="number" step="0.01" value={draft.month} onInput={(e) => field("month", e.currentTarget.value)} {...invalid(problems, "month")} />
        </label>
        <Invalid problems={problems} name="month" />
        <label>
          Per run
          <input type="number" step="0.01" value={draft.run} onInput={(e) => field("run", e.currentTarget.value)} {...invalid(problems, "run")} />
        </label>
        <Invalid problems={problems} name="run" />
      </fieldset>
      <fieldset>
        <legend>Code</legend>
        <label>
          GitHub repositories runs may open pull requests in (owner/name, comma separated)
          <input value={draft.github_repositories} onInput={(e) => field("github_repositories", e.currentTarget.value)} {...invalid(problems, "github_repositories")} />
        </label>
        <Invalid problems={problems} name="github_repositories" />
        <label>
          Vercel projects runs may deploy (comma separated)
          <input value={draft.vercel_projects} onInput={(e) => field("vercel_projects", e.currentTarget.value)} {...invalid(problems, "vercel_projects")} />
        </label>
        <Invalid problems={problems} name="vercel_projects" />
      </fieldset>
    </>
  );
}

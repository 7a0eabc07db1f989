// The builder's meeting rules: "N minutes before a meeting whose title holds …" and "after a meeting
// ends", said in words, added and removed (PATCH /agents/{id} with calendar_triggers), a refusal shown
// beside the field it names; and their dry run over the connected calendars' upcoming meetings
// (POST /agents/{id}/meeting-preview): which meetings would start a run, and when. Nothing is started.
import { useState } from "preact/hooks";
import { ApiError, type S, send, url } from "../api";
import { Choice, ErrorText, Invalid, type Problems, invalid, when } from "../ui";
import { useAgentList } from "./agent_lists";

type Agent = S["AgentView"];
type Rule = S["CalendarRule"];
type Preview = S["MeetingPreview"];
const MAX_RULES = 5;
const ONS: [Rule["on"], string][] = [["before", "Some minutes before a meeting starts"], ["after", "After a meeting ends"]];
// The api's refusal of a rule's field, in words a person reads (it names calendar_triggers.<n>.<field>).
const FIELD_PROBLEMS: Record<string, string> = {
  on: "choose when it starts: before a meeting or after it ends",
  minutes: "write a whole number of minutes, from 1 to 240",
  matching: "write at most 200 characters, on one line",
};

/** A meeting rule in words: "15 minutes before a meeting whose title holds “board”". */
export function meetingRuleWords(rule: Rule): string {
  const what = rule.matching?.trim() ? `a meeting whose title holds “${rule.matching.trim()}”` : "any meeting";
  return rule.on === "before" ? `${rule.minutes ?? 15} minutes before ${what}` : `After ${what} ends`;
}

/** The minutes as typed: a whole number is sent as one, anything else as typed (the api says why). */
function minutesOf(text: string): number | string {
  return /^\d{1,6}$/.test(text.trim()) ? Number(text.trim()) : text.trim();
}

/** The refusal's fields beside the form's: `meeting-<field>` for each field a rule of the list names. */
function beside(reason: unknown): Problems {
  const found: Problems = {};
  for (const f of reason instanceof ApiError ? reason.fields : []) {
    const key = /^calendar_triggers\.\d+\.(on|minutes|matching)$/.exec(f.field)?.[1];
    if (key) found[`meeting-${key}`] = FIELD_PROBLEMS[key] ?? f.problem;
    else if (f.field === "calendar_triggers") found["meeting-rules"] = `at most ${MAX_RULES} meeting rules: remove one first`;
  }
  return found;
}

/** "Meetings": the agent's meeting rules, a form to add one, and "Try these rules" (the dry run). */
export function MeetingRules({ agent, may }: { agent: Agent; may: string }) {
  const list = useAgentList<Rule>(agent, "calendar_triggers", beside);
  const { items: rules, problems, busy, error, save, attempt } = list;
  const [on, setOn] = useState<Rule["on"] | "">("");
  const [minutes, setMinutes] = useState("15");
  const [matching, setMatching] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const draft = (): Rule | null => (on ? ({ on, minutes: on === "before" ? minutesOf(minutes) : 15, matching: matching.trim() } as Rule) : null);
  const cleared = () => {
    setPreview(null);
    setOn("");
    setMatching("");
  };
  const add = (event: Event) => {
    event.preventDefault();
    const rule = draft();
    if (rule) void save([...rules, rule], cleared);
  };
  const tryThem = () =>
    attempt(async () => {
      setPreview(null);
      const rule = draft();
      const body = { rules: rule ? [...rules, rule] : rules, days: 7 };
      setPreview(await send<Preview>("POST", url("/agents/{agent_id}/meeting-preview", { agent_id: agent.agent_id }), body));
    });
  return (
    <section aria-labelledby="meeting-rules">
      <h4 id="meeting-rules">Meetings</h4>
      <p class="hint">
        A meeting rule starts a run of {agent.name} for a meeting of a team member's connected calendar: some minutes before it starts (to
        prepare a brief page) or once it has ended (for its notes and tasks). Each run costs one; calendars are checked every 5 minutes.
        A meeting's title, attendees and description are given to the run as data, never as instructions.
      </p>
      {rules.length === 0 ? (
        <p>No meeting rule: no meeting starts {agent.name}.</p>
      ) : (
        <ul>
          {rules.map((rule, i) => (
            <li key={`${rule.on}-${rule.minutes}-${rule.matching}-${i}`}>
              Rule {i + 1}: {meetingRuleWords(rule)} starts it.{" "}
              <button
                type="button"
                disabled={busy || !!may}
                title={may}
                aria-label={`Remove the meeting rule: ${meetingRuleWords(rule)}`}
                onClick={() => void save(rules.filter((_, j) => j !== i), () => setPreview(null))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <Invalid problems={problems} name="meeting-rules" />
      <form onSubmit={add} noValidate>
        <Choice label="When a meeting starts it" value={on} options={ONS} set={setOn} blank="Choose when…" disabled={!!may} title={may} />
        <Invalid problems={problems} name="meeting-on" />
        {on === "before" && (
          <label>
            Minutes before the meeting starts
            <input inputMode="numeric" value={minutes} onInput={(e) => setMinutes(e.currentTarget.value)} maxLength={6} disabled={!!may} {...invalid(problems, "meeting-minutes")} />
          </label>
        )}
        <Invalid problems={problems} name="meeting-minutes" />
        {on && (
          <label>
            Words the meeting's title holds (empty: every meeting)
            <input value={matching} onInput={(e) => setMatching(e.currentTarget.value)} maxLength={300} disabled={!!may} {...invalid(problems, "meeting-matching")} />
          </label>
        )}
        <Invalid problems={problems} name="meeting-matching" />
        <button type="submit" disabled={busy || !!may || !on} title={may}>
          Add this meeting rule
        </button>{" "}
        <button type="button" disabled={busy || !!may || (!on && rules.length === 0)} title={may} onClick={() => void tryThem()}>
          Try {on ? "these rules, the new one too," : "these rules"} on the coming week's meetings
        </button>
      </form>
      <ErrorText error={error} />
      {preview && <MeetingPreview preview={preview} name={agent.name} />}
    </section>
  );
}

/** The dry run's answer: each run the rules would start, when, for which meeting; nothing started. */
function MeetingPreview({ preview, name }: { preview: Preview; name: string }) {
  const calendars = `${preview.calendars} connected calendar${preview.calendars === 1 ? "" : "s"}`;
  return (
    <div class="dry-run meeting-preview" role="region" aria-label="Meetings it would start for">
      <p role="status">
        Dry run: nothing was started. {preview.meetings} upcoming meeting{preview.meetings === 1 ? "" : "s"} of {calendars} over the next{" "}
        {preview.days} days; {preview.starts.length === 0 ? "none would start a run" : `${preview.starts.length} run${preview.starts.length === 1 ? "" : "s"} would start`}.
      </p>
      {preview.calendars === 0 && <p class="hint">No calendar is connected: each person connects theirs on Integrations.</p>}
      {preview.paused && <p class="hint">{name} is off: these runs start once it is turned on.</p>}
      {preview.starts.length > 0 && (
        <ol>
          {preview.starts.map((s) => (
            <li key={`${s.rule}-${s.at}-${s.title}-${s.calendar}`}>
              <strong>{when(s.at)}</strong>: a run for <span class="text">“{s.title || "(no title)"}”</span> ({when(s.meeting_start)} to{" "}
              {when(s.meeting_end)}, in {s.calendar}'s calendar), by rule {s.rule}: {s.rule_words}.{" "}
              {s.link && s.link.startsWith("https://") && (
                <a href={s.link} target="_blank" rel="noopener noreferrer">
                  Open the meeting
                </a>
              )}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

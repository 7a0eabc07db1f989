// Onboarding: choose what the agent knows from what the integration can see (searchable, paged), which
// starts nothing; then, apart, what starts work: each data source's trigger rules and the pages whose
// edits start runs, none ticked, each saying what it costs; the agent's home in Notion, then the rest
// of the settings; a first run is suggested at the end.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type S, get, roleRefusal, send, url } from "../api";
import { type Draft, SettingsFields, changeOf, checkDraft, draftOf, problemsOf, withBrowserZone } from "../settings_form";
import { Choice, Empty, ErrorText, Invalid, Loading, type Problems, Refused, focusFirstInvalid, invalid, plainId, useAction, useLoad } from "../ui";
import { StartRun } from "./runs";

type Item = S["PickerItem"];
type Rule = S["Rule"];
type RuleKind = Rule["kind"];

const SOURCE_PAGES = 5; // pages of 100 databases read at most: every database a workspace shares, in practice

function Choices({ items, chosen, toggle, home }: { items: Item[]; chosen: Set<string>; toggle: (item: Item, on: boolean) => void; home: Set<string> }) {
  return (
    <ul class="picker">
      {items.map((item) => (
        <li key={item.id}>
          <label class="check">
            <input type="checkbox" checked={chosen.has(item.id)} onChange={(e) => toggle(item, e.currentTarget.checked)} />
            <span class="title">{item.title || "Untitled"}</span> <span class="kind">
              {item.object === "data_source" ? "database" : "page"}
              {home.has(plainId(item.id)) ? " in the agent's home" : ""}
            </span>
          </label>
        </li>
      ))}
    </ul>
  );
}

/** Databases (all of them, first: they are what starts work) and pages (25 at a time), searchable.
 * The api leaves out the agent's own Runs and Daily plans and their rows. */
function Picker({ chosen, toggle, seen, home }: { chosen: Set<string>; toggle: (item: Item, on: boolean) => void; seen: (items: Item[]) => void; home: Set<string> }) {
  const [query, setQuery] = useState("");
  const [asked, setAsked] = useState("");
  const [sources, setSources] = useState<Item[] | null>(null);
  const [items, setItems] = useState<Item[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [busy, error, act] = useAction();
  const load = (words: string, cursor: string) =>
    act(async () => {
      if (!cursor) {
        const found: Item[] = [];
        let after = "";
        for (let n = 0; n < SOURCE_PAGES; n++) {
          const page = await get<S["PickerPage"]>(url("/notion/pages", {}, { query: words, cursor: after, page_size: "100", kind: "data_source" }));
          found.push(...page.results);
          after = page.next_cursor ?? "";
          if (!after) break;
        }
        setSources(found);
        seen(found);
      }
      const page = await get<S["PickerPage"]>(url("/notion/pages", {}, { query: words, cursor, page_size: "25", kind: "page" }));
      setItems((shown) => (cursor ? [...(shown ?? []), ...page.results] : page.results));
      setNext(page.next_cursor ?? null);
      seen(page.results);
    });
  useEffect(() => {
    void load("", "");
  }, []);
  const search = (event: Event) => {
    event.preventDefault();
    setAsked(query);
    void load(query, "");
  };
  const nothing = sources !== null && items !== null && sources.length + items.length === 0;
  return (
    <div>
      <form class="inline" role="search" onSubmit={search}>
        <label>
          Search what the agent can see
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} maxLength={200} />
        </label>
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <ErrorText error={error} />
      {items === null && busy && <Loading what="your pages" />}
      {nothing && (
        <Empty>
          Nothing {asked ? `titled “${asked}”` : ""} is shared with the agent. In Notion, open a page or database,
          choose ··· → Connections, and add Notion Agent.
        </Empty>
      )}
      {sources !== null && sources.length > 0 && (
        <>
          <h3>Databases</h3>
          <Choices items={sources} chosen={chosen} toggle={toggle} home={home} />
        </>
      )}
      {items !== null && items.length > 0 && (
        <>
          <h3>Pages</h3>
          <Choices items={items} chosen={chosen} toggle={toggle} home={home} />
        </>
      )}
      {next && (
        <button type="button" onClick={() => load(asked, next)} disabled={busy}>
          More pages
        </button>
      )}
    </div>
  );
}

export interface RuleDraft {
  page_created: boolean;
  mentioned: boolean;
  property_changed: boolean;
  property: string;
  to: string;
  assigned_to_agent: boolean;
  assignee: string;
  to_bool: boolean; // `to` is a checkbox's "true" or "false", sent as a boolean
}

// A database chosen for what the agent knows starts nothing until a rule is ticked.
export const NO_RULES: RuleDraft = {
  page_created: false,
  mentioned: false,
  property_changed: false,
  property: "",
  to: "",
  assigned_to_agent: false,
  assignee: "",
  to_bool: false,
};

export function rulesOf(draft: RuleDraft): Rule[] {
  const rules: Rule[] = [];
  if (draft.page_created) rules.push({ kind: "page_created" });
  if (draft.mentioned) rules.push({ kind: "mentioned" });
  if (draft.property_changed && draft.property.trim())
    rules.push({
      kind: "property_changed",
      property: draft.property.trim(),
      to: draft.to.trim() ? (draft.to_bool ? draft.to === "true" : draft.to.trim()) : null,
    });
  if (draft.assigned_to_agent && draft.assignee.trim()) rules.push({ kind: "assigned_to_agent", property: draft.assignee.trim() });
  return rules;
}

export function draftOfRules(rules: Rule[]): RuleDraft {
  const draft: RuleDraft = { ...NO_RULES, page_created: false, mentioned: false };
  for (const rule of rules) {
    if (rule.kind === "page_created") draft.page_created = true;
    if (rule.kind === "mentioned") draft.mentioned = true;
    if (rule.kind === "property_changed") Object.assign(draft, { property_changed: true, property: rule.property, to: rule.to == null ? "" : String(rule.to), to_bool: typeof rule.to === "boolean" });
    if (rule.kind === "assigned_to_agent") Object.assign(draft, { assigned_to_agent: true, assignee: rule.property });
  }
  return draft;
}

const NAME_IT = "Name the property whose change starts work, or untick “A property changes”.";
const NAME_ASSIGNEE = "Name the people or checkbox property, or untick “A page is assigned to the agent”.";

/** What a source's rules cannot be saved as (a rule ticked without its property), by field key. */
export function checkRules(source: string, draft: RuleDraft): Problems {
  const problems: Problems = {};
  if (draft.property_changed && !draft.property.trim()) problems[`rule-${source}-property`] = NAME_IT;
  if (draft.assigned_to_agent && !draft.assignee.trim()) problems[`rule-${source}-assignee`] = NAME_ASSIGNEE;
  return problems;
}

/** The api's refusal of `triggers.<source>.<n>...`, beside the field of that source's n-th rule. */
function ruleProblemsOf(error: unknown, rules: Record<string, RuleDraft>): Problems {
  const problems: Problems = {};
  if (!(error instanceof ApiError)) return problems;
  for (const { field } of error.fields) {
    const [top, source, index] = field.split(".");
    if (top !== "triggers" || !source) continue;
    const rule = rulesOf(rules[source] ?? NO_RULES)[Number(index ?? 0)];
    const key = rule?.kind === "assigned_to_agent" ? "assignee" : "property";
    problems[`rule-${source}-${key}`] = error.message;
  }
  return problems;
}

type Property = S["PropertyChoice"];

/** The value a property_changed rule waits for: the property's options, ticked or not, or text. */
function ToField({ property, draft, field }: { property: Property | null; draft: RuleDraft; field: <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => void }) {
  const choose = (values: [string, string][], bool: boolean) => (
    <Choice
      label="Changed to (optional)"
      value={draft.to}
      options={values}
      set={(to) => {
        field("to_bool", bool);
        field("to", to);
      }}
      blank="Any value"
    />
  );
  const options = property?.options ?? [];
  if (options.length > 0) return choose(options.map((o): [string, string] => [o, o]), false);
  if (property?.type === "checkbox") return choose([["true", "Ticked"], ["false", "Not ticked"]], true);
  if (property && !property.compares) return <p class="state">Any change of this {property.type} property starts work.</p>;
  return (
    <label>
      Changed to (optional)
      <input value={draft.to} onInput={(e) => field("to", e.currentTarget.value)} maxLength={200} />
    </label>
  );
}

/** One source's trigger rules; properties and values picked from its schema (typed only when the
 * schema cannot be read). */
export function Rules({ id, title, draft, set, problems }: { id: string; title: string; draft: RuleDraft; set: (draft: RuleDraft) => void; problems: Problems }) {
  const schema = useLoad(() => get<S["PropertyList"]>(url("/notion/data-sources/{data_source_id}/properties", { data_source_id: id })), id);
  const known = schema.data?.properties ?? null;
  const latest = useRef(draft);
  latest.current = draft;
  const field = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => {
    latest.current = { ...latest.current, [key]: value };
    set(latest.current);
  };
  const box = (key: RuleKind, words: string, cost: string) => (
    <label class="check">
      <input type="checkbox" checked={draft[key]} onChange={(e) => field(key, e.currentTarget.checked)} />
      {words} <span class="kind">({cost})</span>
    </label>
  );
  const pick = (key: "property" | "assignee", label: string, offered: Property[]) => (
    <>
      <label>
        {label}
        {known ? (
          <select
            value={draft[key]}
            onChange={(e) => { field(key, e.currentTarget.value); if (key === "property") field("to", ""); }}
            {...invalid(problems, `rule-${id}-${key}`)}
          >
            <option value="">Choose a property…</option>
            {offered.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        ) : (
          <input value={draft[key]} onInput={(e) => field(key, e.currentTarget.value)} maxLength={200} {...invalid(problems, `rule-${id}-${key}`)} />
        )}
      </label>
      <Invalid problems={problems} name={`rule-${id}-${key}`} />
    </>
  );
  const chosen = known?.find((p) => p.name === draft.property) ?? null;
  return (
    <fieldset>
      <legend>What starts work in {title}</legend>
      {schema.error ? <ErrorText error={schema.error} /> : null}
      {box("page_created", "A page is created", "a run for each new page")}
      {box("mentioned", "A comment mentions the agent", "a run for each such comment")}
      {box("property_changed", "A property changes", "a run for each matching edit")}
      {draft.property_changed && (
        <div class="nested">
          {pick("property", "Property name", known ?? [])}
          <ToField property={known ? chosen : null} draft={draft} field={field} />
        </div>
      )}
      {box("assigned_to_agent", "A page is assigned to the agent", "a run for each assignment")}
      {draft.assigned_to_agent && (
        <div class="nested">{pick("assignee", "People or checkbox property", (known ?? []).filter((p) => p.assigns))}</div>
      )}
    </fieldset>
  );
}

export function OnboardingScreen() {
  const current = useLoad(() => get<S["SettingsView"]>(url("/settings")));
  const home = useLoad(() => get<S["HomeView"]>(url("/home")));
  const [chosen, setChosen] = useState<Map<string, Item>>(new Map());
  const [titles, setTitles] = useState<Map<string, Item>>(new Map());
  const [rules, setRules] = useState<Record<string, RuleDraft>>({});
  const [watched, setWatched] = useState<Set<string>>(new Set());
  const [homePage, setHomePage] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [done, setDone] = useState(false);
  const [checked, setChecked] = useState<Problems>({});
  const [busy, error, act] = useAction();
  const may = roleRefusal("admin", "choose what starts work or the agent's home");

  useEffect(() => {
    const view = current.data;
    if (!view || draft) return;
    const settings = view.settings;
    const known = new Map<string, Item>();
    for (const id of settings.data_source_ids ?? []) known.set(id, { id, object: "data_source", title: id });
    for (const id of settings.page_ids ?? []) known.set(id, { id, object: "page", title: id });
    setChosen(known);
    // Stored before pages were chosen apart (null): every chosen page starts work, as it did.
    setWatched(new Set(settings.trigger_page_ids ?? settings.page_ids ?? []));
    setRules(Object.fromEntries(Object.entries(view.effective_triggers).map(([id, list]) => [id, draftOfRules(list)])));
    const first = (settings.data_source_ids ?? []).length + (settings.page_ids ?? []).length === 0;
    setDraft(withBrowserZone(draftOf(settings), first));
  }, [current.data]);
  useEffect(() => {
    if (home.data?.parent_page_id) setHomePage((page) => page || (home.data?.parent_page_id ?? ""));
  }, [home.data]);

  const seen = (items: Item[]) =>
    setTitles((known) => {
      const next = new Map(known);
      for (const item of items) next.set(item.id, item);
      return next;
    });
  const toggle = (item: Item, on: boolean) => {
    setChosen((now) => {
      const next = new Map(now);
      if (on) next.set(item.id, item);
      else next.delete(item.id);
      return next;
    });
    if (on && item.object === "data_source") setRules((now) => ({ [item.id]: { ...NO_RULES }, ...now }));
    if (!on) setWatched((now) => new Set([...now].filter((id) => id !== item.id)));
  };
  const homeSources = new Set(
    Object.values(home.data?.databases ?? {}).flatMap((d) => [d.database_id ?? "", d.data_source_id ?? ""].filter(Boolean).map(plainId)),
  );
  const titleOf = (id: string) => titles.get(id)?.title || chosen.get(id)?.title || id;
  const sources = [...chosen.values()].filter((item) => item.object === "data_source");
  const chosenPages = [...chosen.values()].filter((item) => item.object === "page");
  const pages = [...titles.values()].filter((item) => item.object === "page");

  const problems: Problems = { ...problemsOf(error), ...ruleProblemsOf(error, rules), ...checked };
  const finish = (event: Event) => {
    event.preventDefault();
    if (!draft) return;
    const found: Problems = checkDraft(draft);
    for (const source of sources) Object.assign(found, checkRules(source.id, rules[source.id] ?? NO_RULES));
    setChecked(found);
    if (Object.keys(found).length) {
      focusFirstInvalid();
      return;
    }
    void act(async () => {
      const triggers: Record<string, Rule[]> = {};
      for (const source of sources) triggers[source.id] = rulesOf(rules[source.id] ?? NO_RULES);
      await send<S["SettingsView"]>("PATCH", url("/settings"), {
        ...changeOf(draft),
        data_source_ids: sources.map((s) => s.id),
        page_ids: chosenPages.map((p) => p.id),
        trigger_page_ids: chosenPages.filter((p) => watched.has(p.id)).map((p) => p.id),
        triggers,
      });
      if (homePage && homePage !== home.data?.parent_page_id) {
        await send<S["HomeView"]>("POST", url("/home"), { parent_page_id: homePage });
      }
      setDone(true);
    }).then(focusFirstInvalid);
  };

  if (done) return <FirstRun source={sources[0] ? titleOf(sources[0].id) : ""} />;
  return (
    <section>
      <h1>Set up Notion Agent</h1>
      {may && <p class="hint">{may}</p>}
      <ErrorText error={current.error || home.error} />
      {(!draft || home.loading) && !current.error && <Loading what="your settings" />}
      {draft && (
        <form onSubmit={finish}>
          <h2>1. What the agent knows</h2>
          <p>
            Choose the databases and pages the agent may read and remember, for its answers and its runs.
            Choosing one starts nothing: what starts work is chosen below.
          </p>
          <Picker chosen={new Set(chosen.keys())} toggle={toggle} seen={seen} home={homeSources} />
          {chosen.size > 0 && <p>Chosen: {[...chosen.keys()].map(titleOf).join(", ")}.</p>}
          <h2>2. What starts work</h2>
          <p id="starts-work">
            {sources.some((s) => rulesOf(rules[s.id] ?? NO_RULES).length > 0) || chosenPages.some((p) => watched.has(p.id))
              ? "Each rule ticked below starts a run (which may ask for approval and costs model calls) for every change it matches: untick one to stop it."
              : "Nothing is ticked: each rule you tick starts a run (which may ask for approval and costs model calls) for every change it matches."}
          </p>
          {chosenPages.length > 0 && (
            <fieldset>
              <legend>Pages whose edits start work</legend>
              {chosenPages.map((page) => (
                <label class="check" key={page.id}>
                  <input
                    type="checkbox"
                    checked={watched.has(page.id)}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      setWatched((now) => new Set(on ? [...now, page.id] : [...now].filter((id) => id !== page.id)));
                    }}
                  />
                  Every edit of {titleOf(page.id)} starts work <span class="kind">(a run per edit)</span>
                </label>
              ))}
            </fieldset>
          )}
          {sources.length === 0 ? (
            <Empty>Choose a database above to set what starts work in it.</Empty>
          ) : (
            sources.map((source) => (
              <Rules
                key={source.id}
                id={source.id}
                problems={problems}
                title={titleOf(source.id)}
                draft={rules[source.id] ?? NO_RULES}
                set={(next) => setRules((now) => ({ ...now, [source.id]: next }))}
              />
            ))
          )}
          <h2>3. The agent's home in Notion</h2>
          <p>Its Runs, Daily plans and Tasks databases go under a page you choose.</p>
          <label>
            Page for the agent's home
            <select value={homePage} onChange={(e) => setHomePage(e.currentTarget.value)}>
              <option value="">Not now</option>
              {homePage && !pages.some((p) => p.id === homePage) && <option value={homePage}>{titleOf(homePage)}</option>}
              {pages.map((page) => (
                <option key={page.id} value={page.id}>
                  {page.title || "Untitled"}
                </option>
              ))}
            </select>
          </label>
          <h2>4. Schedule, notifications and budgets</h2>
          <SettingsFields draft={draft} set={setDraft} problems={problems} />
          <button type="submit" class="primary" disabled={busy || !!may} title={may}>
            {busy ? "Saving…" : "Save and finish"}
          </button>
          <Refused problems={problems} error={error} />
        </form>
      )}
    </section>
  );
}

function FirstRun({ source }: { source: string }) {
  const goal = `Summarise what changed in ${source || "my workspace"} this week`;
  return (
    <section>
      <h1>You are set up</h1>
      <p>The changes you chose to start work now start runs; the rest the agent only knows. Try a first run:</p>
      <StartRun label="First run's goal" button="Start this run" initial={goal} />
      <p>
        <a href="#/runs">Go to runs</a>
      </p>
    </section>
  );
}

// Settings: the owner's choices (what starts work is onboarding's), disconnecting the workspace, and
// erasing it (the workspace's name typed to confirm; what was erased and what remains: ./erased.tsx).
import { useEffect, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { type Draft, SettingsFields, changeOf, checkDraft, draftOf, problemsOf } from "../settings_form";
import type { Erasure } from "./erased";
import { ErrorText, LoadState, type Problems, Refused, focusFirstInvalid, plainId, useAction, useLoad } from "../ui";

function Disconnect({ workspace, disconnected }: { workspace: string; disconnected: (words: string) => void }) {
  const [sure, setSure] = useState(false);
  const [busy, error, act] = useAction();
  const may = roleRefusal("owner", "disconnect the workspace");
  // Once disconnected, the session has ended: the console says what was done on the Connect screen at
  // once (a result card here would race the shell's next request, which a 401 answers).
  const disconnect = () =>
    act(async () => {
      const result = await send<S["Disconnected"]>("DELETE", url("/connection"));
      const cancelled = result.runs_cancelled;
      disconnected(`${workspace} is disconnected; ${cancelled} run${cancelled === 1 ? " was" : "s were"} cancelled.`);
    });
  return (
    <section class="card danger" aria-labelledby="disconnect-title">
      <h2 id="disconnect-title">Disconnect {workspace}</h2>
      <p>
        Disconnecting revokes the agent's Notion token, removes the GitHub, Vercel, Slack and Discord tokens,
        ends every session and API key, and cancels the runs that wait for a person or are paused. Runs
        already finished and their pages in Notion stay.
      </p>
      {may && <p class="hint">{may}</p>}
      <label class="check">
        <input type="checkbox" checked={sure} disabled={!!may} onChange={(e) => setSure(e.currentTarget.checked)} />I
        understand what disconnecting cancels
      </label>
      <button type="button" class="danger" disabled={!sure || busy || !!may} title={may} onClick={disconnect}>
        Disconnect the workspace
      </button>
      <ErrorText error={error} />
    </section>
  );
}

/** A name as a person reads it: spaces around it, or doubled inside it, do not count (as the api compares). */
const spoken = (text: string) => text.split(/\s+/).filter(Boolean).join(" ");

function Erase({ workspace, erased }: { workspace: string; erased: (erasure: Erasure) => void }) {
  const [typed, setTyped] = useState("");
  const [busy, error, act] = useAction();
  const may = roleRefusal("owner", "erase the workspace");
  const name = spoken(workspace);
  // Without a name (Notion gave none) the api compares with the workspace's id and says so if it differs.
  const confirmed = name ? spoken(typed) === name : typed.trim() !== "";
  const erase = () =>
    act(async () => {
      const result = await send<S["Erased"]>("POST", url("/workspace/erase"), { confirm: typed });
      erased({ ...result, workspace: name || "The workspace" });
    });
  return (
    <section class="card danger" aria-labelledby="erase-title">
      <h2 id="erase-title">Erase {workspace} and all its data</h2>
      <p>
        Erasing deletes everything the agent keeps of this workspace: runs, agents, settings, team, keys, the audit log and
        the index; it revokes the agent's access at Notion, Linear and GitLab, deletes every token and key you gave it and
        refuses every webhook delivery for it from then on. Your pages in Notion stay. It cannot be undone.
      </p>
      {may && <p class="hint">{may}</p>}
      <label for="erase-confirm">
        Type the workspace's name{name ? <>, <strong>{name}</strong>,</> : ""} to confirm
      </label>
      <input
        id="erase-confirm"
        type="text"
        autocomplete="off"
        spellcheck={false}
        value={typed}
        disabled={!!may || busy}
        onInput={(e) => setTyped(e.currentTarget.value)}
      />
      <button type="button" class="danger" disabled={!confirmed || busy || !!may} title={may} onClick={erase}>
        {busy ? "Erasing…" : "Erase the workspace"}
      </button>
      <ErrorText error={error} />
    </section>
  );
}

/** What the agent knows, by the databases' titles (ids only while their titles load or if unshared);
 * what of it starts work is chosen apart, in the onboarding. */
function startsWork(settings: S["TenantSettings"], known: S["PickerItem"][] | null, unnamed: boolean): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const sources = settings.data_source_ids ?? [];
  const pages = settings.page_ids?.length ?? 0;
  if (!sources.length && !pages) return "The agent knows nothing of the workspace yet.";
  if (unnamed) {
    // Their titles are not this person's to list (an editor's, a viewer's): how many, never "…".
    const parts = [sources.length ? plural(sources.length, "database") : "", pages ? plural(pages, "page") : ""].filter(Boolean);
    return `What the agent knows: ${parts.join(" and ")} the owner or an admin chose.`;
  }
  const titles = new Map((known ?? []).map((item) => [plainId(item.id), item.title || "Untitled"]));
  const named = sources.map((id) => titles.get(plainId(id)) ?? (known ? "a database no longer shared" : "…"));
  const also = pages ? ` and ${plural(pages, "page")}` : "";
  return `What the agent knows: ${named.join(", ") || "no database"}${also}.`;
}

export function SettingsScreen({
  session,
  disconnected,
  erased,
}: {
  session: S["SessionView"];
  disconnected: (words: string) => void;
  erased: (erasure: Erasure) => void;
}) {
  const view = useLoad(() => get<S["SettingsView"]>(url("/settings")));
  const sources = useLoad(() => get<S["PickerPage"]>(url("/notion/pages", {}, { kind: "data_source", page_size: "100" })));
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState(false);
  const [checked, setChecked] = useState<Problems>({});
  const [busy, error, act] = useAction();
  const [confirmed, setConfirmed] = useState<boolean | null>(null);
  const may = roleRefusal("admin", "change the settings");
  useEffect(() => {
    if (view.data) {
      setDraft(draftOf(view.data.settings));
      setConfirmed(view.data.notification_email_confirmed ?? null);
    }
  }, [view.data]);
  const problems = { ...problemsOf(error), ...checked };
  const save = (event: Event) => {
    event.preventDefault();
    if (!draft) return;
    setSaved(false);
    const found = checkDraft(draft);
    setChecked(found);
    if (Object.keys(found).length) {
      focusFirstInvalid();
      return;
    }
    void act(async () => {
      try {
        const answer = await send<S["SettingsView"]>("PATCH", url("/settings"), changeOf(draft));
        setDraft(draftOf(answer.settings));
        setConfirmed(answer.notification_email_confirmed ?? null);
        setSaved(true);
      } catch (reason) {
        focusFirstInvalid();
        throw reason;
      }
    });
  };
  const data = view.data;
  return (
    <section>
      <h1>Settings</h1>
      <LoadState of={view} what="settings" />
      {data && (
        <p>
          {startsWork(data.settings, sources.data?.results ?? null, !!sources.error)}{" "}
          <a href="#/onboarding">Change what it knows, what starts work and the agent's home</a>.
          {data.status !== "active" && <strong> The workspace needs to be connected again ({data.status}).</strong>}
        </p>
      )}
      {draft && (
        <form onSubmit={save}>
          <SettingsFields draft={draft} set={(next) => { setSaved(false); setDraft(next); }} problems={problems} />
          {draft.notification_email.trim() !== "" && confirmed !== null && (
            <p class="state" role="status">
              {confirmed
                ? `Email notifications go to ${draft.notification_email}: confirmed.`
                : `Not confirmed yet: email notifications go to ${draft.notification_email} once its recipient opens the link mailed to it; until then, to your Notion email.`}
            </p>
          )}
          {may && <p class="hint">{may}</p>}
          <button type="submit" class="primary" disabled={busy || !!may} title={may}>
            {busy ? "Saving…" : "Save settings"}
          </button>
          {saved && <p role="status">Saved.</p>}
          <Refused problems={problems} error={error} />
        </form>
      )}
      <Disconnect workspace={session.workspace_name} disconnected={disconnected} />
      <Erase workspace={session.workspace_name} erased={erased} />
    </section>
  );
}

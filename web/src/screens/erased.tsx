// After an erasure (Settings → Erase): what was erased and what remains, before anything else. The
// session ended with the workspace; Connect starts again from nothing.
import type { S } from "../api";

export type Erasure = S["Erased"] & { workspace: string };

const TOOL_NAMES: Record<string, string> = { linear: "Linear", gitlab: "GitLab", motion: "Motion" };

/** What became of one synced tool, in words. */
function toolLine(tool: S["ToolErased"]): string {
  const name = TOOL_NAMES[tool.tool] ?? tool.tool;
  const hook = tool.webhook_deleted ? ` our webhook at ${name} deleted;` : "";
  if (tool.token_revoked === true) return `${name}:${hook} the access you granted revoked at ${name}, and our copy deleted.`;
  if (tool.token_revoked === false) {
    return `${name}:${hook} our copy of its access deleted, but ${name} did not confirm the revoke: remove Notion Agent under ${name}'s authorized applications.`;
  }
  return `${name}:${hook} the key you gave deleted here. It still works at ${name} until you revoke it there.`;
}

export function ErasedScreen({ erasure, done }: { erasure: Erasure; done: () => void }) {
  const records = erasure.documents_deleted;
  return (
    <main id="main" class="connect" tabIndex={-1}>
      <h1>{erasure.workspace} is erased</h1>
      <p class="notice" role="status">
        Everything the agent kept of {erasure.workspace} is deleted ({records} record{records === 1 ? "" : "s"}), and
        every session and API key of it has ended. This cannot be undone.
      </p>
      <section aria-labelledby="erased-title">
        <h2 id="erased-title">What was erased</h2>
        <ul>
          <li>Its runs and their logs, agents, settings, team and invitations, API keys, notifications, the audit log and the index of its pages.</li>
          <li>Notion: the agent's access, revoked at Notion.</li>
          {erasure.tools?.map((tool) => <li key={tool.tool}>{toolLine(tool)}</li>)}
          <li>
            The GitHub, Vercel, Slack and Discord tokens you gave, deleted here (revoke them at each tool if you made them only for
            the agent), and GitHub's webhook secret: a delivery for this workspace is refused from now on, so delete the webhook in
            your repository's settings.
          </li>
        </ul>
      </section>
      <section aria-labelledby="remains-title">
        <h2 id="remains-title">What remains</h2>
        <ul>
          <li>
            The record that this workspace was erased: its id ({erasure.tenant_id}), that its owner asked, and when. Nothing of
            its content.
          </li>
          <li>
            Backups of the service's database hold the workspace until they expire (14 days unless the operator set another
            retention); a restore from one is followed by this erasure again.
          </li>
          <li>
            Your pages in Notion, with what the agent wrote in them: erasing here changes nothing in Notion. Remove Notion Agent
            under Settings → Connections in Notion if it is still listed there.
          </li>
        </ul>
      </section>
      <button type="button" class="primary" onClick={done}>
        Done
      </button>
    </main>
  );
}

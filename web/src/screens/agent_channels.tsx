// The builder's "Where it is asked": the Slack channels whose mentions and /agent commands start this
// agent (PATCH /agents/{id} with slack_channels, a channel given by its link or id, a refusal said
// beside the field), and the mail addresses connected to it (GET /agents/{id}'s addresses).
import { useState } from "preact/hooks";
import { ApiError, type S } from "../api";
import { ErrorText, Invalid, type Problems, invalid } from "../ui";
import { useAgentList } from "./agent_lists";

type Agent = S["AgentView"];

/** A channel's id from what a person pastes: Slack's "Copy link" (…/archives/C0123ABCD) or the id. */
export function channelOf(text: string): string {
  const pasted = text.trim();
  return /\/archives\/([A-Z0-9]+)/i.exec(pasted)?.[1] ?? pasted.replace(/^#/, "");
}

/** The refusal in words beside the channel field: the api's 400 names slack_channels.<n>, its 409
 * says which agent holds the channel already. */
function beside(reason: unknown): Problems {
  if (!(reason instanceof ApiError)) return {};
  if (reason.status === 409) return { "slack-channel": reason.message.replace(/^Slack channels, channel \d+: /, "") };
  const field = reason.fields.find((f) => f.field.startsWith("slack_channels"));
  return field ? { "slack-channel": "is not a Slack channel: paste its link (the channel's name, then Copy link) or its id, C and letters and digits" } : {};
}

export function AgentChannels({ agent, may }: { agent: Agent; may: string }) {
  const list = useAgentList<string>(agent, "slack_channels", beside);
  const { items: channels, problems, busy, error, save } = list;
  const [pasted, setPasted] = useState("");
  const add = (event: Event) => {
    event.preventDefault();
    if (pasted.trim()) void save([...channels, channelOf(pasted)], () => setPasted(""));
  };
  const addresses = agent.addresses ?? [];
  return (
    <section aria-labelledby="agent-channels">
      <h4 id="agent-channels">Slack channels and mail</h4>
      <p class="hint">
        A mention of the app, or its /agent command, in one of these Slack channels starts {agent.name}, with the reach of the person who
        asked; elsewhere in Slack (and in direct messages) the default agent answers. Invite the app to a channel first (/invite
        @Notion Agent). A channel starts one agent at most.
      </p>
      {channels.length === 0 ? (
        <p>No Slack channel starts {agent.name}.</p>
      ) : (
        <ul>
          {channels.map((channel) => (
            <li key={channel}>
              Slack channel <code>{channel}</code> starts it.{" "}
              <button
                type="button"
                disabled={busy || !!may}
                title={may}
                aria-label={`Remove the Slack channel ${channel}`}
                onClick={() => void save(channels.filter((c) => c !== channel))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} noValidate>
        <label>
          Slack channel (its link, from the channel's name then Copy link, or its id)
          <input value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} maxLength={300} disabled={!!may} {...invalid(problems, "slack-channel")} />
        </label>
        <Invalid problems={problems} name="slack-channel" />
        <button type="submit" disabled={busy || !!may || !pasted.trim()} title={may}>
          Add this Slack channel
        </button>
      </form>
      <ErrorText error={error} />
      <p>
        {addresses.length
          ? `Mail to ${addresses.join(" or ")} from a member of the workspace starts ${agent.name}, answered in the mail's thread.`
          : `No mail address starts ${agent.name}: an address is its own Google Workspace mailbox, connected with Google (see Integrations).`}
      </p>
    </section>
  );
}

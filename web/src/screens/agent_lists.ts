// One list of an agent's builder saved whole (PATCH /agents/{id} with that field): its items as the
// api holds them, a refusal's fields said beside the form's, and the action's state.
import { useState } from "preact/hooks";
import { type S, send, url } from "../api";
import { type Problems, useAction } from "../ui";

type Agent = S["AgentView"];
type ListField = "slack_channels" | "calendar_triggers";

export interface AgentList<T> {
  items: T[];
  problems: Problems;
  busy: boolean;
  error: unknown;
  /** Save `next` as the whole list; `done` runs once it is saved. */
  save: (next: T[], done?: () => void) => Promise<void>;
  /** Run `work`; a refusal naming the form's fields is said beside them, any other is the error. */
  attempt: (work: () => Promise<void>) => Promise<void>;
}

export function useAgentList<T>(agent: Agent, field: ListField, beside: (reason: unknown) => Problems): AgentList<T> {
  const [items, setItems] = useState<T[]>((agent[field] ?? []) as T[]);
  const [problems, setProblems] = useState<Problems>({});
  const [busy, error, act] = useAction();
  const attempt = (work: () => Promise<void>) =>
    act(async () => {
      setProblems({});
      try {
        await work();
      } catch (reason) {
        const found = beside(reason);
        setProblems(found);
        if (!Object.keys(found).length) throw reason;
      }
    });
  const save = (next: T[], done?: () => void) =>
    attempt(async () => {
      const saved = await send<Agent>("PATCH", url("/agents/{agent_id}", { agent_id: agent.agent_id }), { [field]: next });
      setItems((saved[field] ?? next) as T[]);
      done?.();
    });
  return { items, problems, busy, error, save, attempt };
}

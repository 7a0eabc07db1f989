// Notifications: what the agent told the owner, where it went, and what could not be delivered.
import { type S, get, url } from "../api";
import { Columns, Empty, LoadState, useLoad, when } from "../ui";

const CHANNELS: Record<string, string> = {
  notion_comment: "A Notion comment",
  slack: "Slack",
  discord: "Discord",
  email: "Email",
  mail_thread: "A reply in the mail's thread",
};

export function NotificationsScreen() {
  const list = useLoad(() => get<S["NotificationList"]>(url("/notifications")));
  const items = list.data?.notifications ?? [];
  return (
    <section>
      <h1>Notifications</h1>
      <p>
        Where they go, and in which order, is in <a href="#/settings">settings</a>.
      </p>
      <LoadState of={list} what="notifications" />
      {list.data && items.length === 0 && <Empty>No notifications yet.</Empty>}
      {items.length > 0 && (
        <table class="stack">
          <caption class="visually-hidden">Notifications, newest first</caption>
          <Columns names={["Subject", "Sent by", "Status", "When"]} />
          <tbody>
            {items.map((n) => (
              <tr key={n.notification_id}>
                <td data-label="Subject">
                  {n.run_id ? <a href={`#/runs/${encodeURIComponent(n.run_id)}`}>{n.subject}</a> : n.subject}
                </td>
                <td data-label="Sent by">{CHANNELS[n.channel] ?? "Nowhere"}</td>
                <td data-label="Status">
                  {n.status}
                  {n.reason ? `: ${n.reason}` : ""}
                </td>
                <td data-label="When">{when(n.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

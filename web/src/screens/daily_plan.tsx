// The daily plan: what the agent's plan page of a day says (GET /daily-plan), read
// from what was kept when it was written: its sections, the runs waiting for a decision (links to
// them), and the page in Notion. Today's by default; another day chosen by its date.
import { useState } from "preact/hooks";
import { ApiError, type S, get, url } from "../api";
import { Empty, ErrorText, Loading, useLoad } from "../ui";

type Item = S["DailyPlan"]["sections"][number]["items"][number];

function Line({ item }: { item: Item }) {
  if (item.run_id) return <a href={`#/runs/${encodeURIComponent(item.run_id)}`}>{item.text}</a>;
  if (item.url) return <a href={item.url} target="_blank" rel="noopener noreferrer">{item.text}</a>;
  return <>{item.text}</>;
}

export function DailyPlanScreen({ day: asked }: { day: string }) {
  const [day, setDay] = useState(asked);
  const plan = useLoad(() => get<S["DailyPlan"]>(url("/daily-plan", {}, day ? { date: day } : {})), day);
  const none = plan.error instanceof ApiError && plan.error.status === 404;
  const shown = plan.data && (!day || plan.data.date === day) ? plan.data : null;
  return (
    <section class="daily-plan">
      <h1>Daily plan</h1>
      <form class="card filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Day
          <input type="date" value={day || shown?.today || ""} onChange={(e) => setDay(e.currentTarget.value)} />
        </label>
        {day && (
          <button type="button" onClick={() => setDay("")}>
            Today
          </button>
        )}
      </form>
      {plan.loading && !plan.data && !plan.error && <Loading what="the day's plan" />}
      {none ? <Empty>{plan.error instanceof ApiError ? plan.error.message : ""}</Empty> : <ErrorText error={plan.error} />}
      {shown && !plan.error && (
        <>
          <p class="hint">
            The plan of {shown.date}
            {shown.date === shown.today ? " (today)" : ""}, as the agent wrote it in Notion ({shown.timezone}).{" "}
            {shown.url && (
              <a href={shown.url} target="_blank" rel="noopener noreferrer">
                Open the page in Notion
              </a>
            )}
          </p>
          {shown.sections.map((s) => (
            <div class="card" key={s.heading}>
              <h2>{s.heading}</h2>
              {s.items.length === 0 ? (
                <p class="hint">Nothing.</p>
              ) : (
                <ul>
                  {s.items.map((item, i) => (
                    <li key={i}>
                      <Line item={item} />
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </>
      )}
    </section>
  );
}

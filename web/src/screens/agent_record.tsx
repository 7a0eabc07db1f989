// An agent's record (GET /agents/{id}/record, decision 0170): how its runs of the last 7 and 30 days
// ended, how long they took and waited for a person, the approvals they asked and had refused, what
// people rated them, and what they cost a run and a week; a chart of its 30 days (SVG, its figures
// also as text).
import { type S, get, url } from "../api";
import { Empty, LoadState, money, useLoad } from "../ui";

type AgentRec = S["AgentRecordView"];
type Window = AgentRec["windows"][number];

/** A duration in seconds as a person reads it: seconds, minutes or hours. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Runs per day (failed ones in red) and the day's cost as a line on its own scale. */
function TrendChart({ agentId, daily }: { agentId: string; daily: AgentRec["daily"] }) {
  const width = 600;
  const height = 120;
  const left = 36;
  const right = 52;
  const top = Math.max(...daily.map((d) => d.runs), 1);
  const dear = Math.max(...daily.map((d) => d.cost_usd), 0.001);
  const bar = (width - left - right) / Math.max(daily.length, 1);
  const y = (n: number) => height - (n / top) * (height - 10);
  const yc = (usd: number) => height - (usd / dear) * (height - 10);
  const line = daily.map((d, i) => `${left + i * bar + bar / 2},${yc(d.cost_usd)}`).join(" ");
  const runs = daily.reduce((sum, d) => sum + d.runs, 0);
  const failed = daily.reduce((sum, d) => sum + d.failed, 0);
  const cost = daily.reduce((sum, d) => sum + d.cost_usd, 0);
  const caption = `record-caption-${agentId}`;
  return (
    <figure class="trend">
      <svg viewBox={`0 0 ${width} ${height + 22}`} role="img" aria-labelledby={caption}>
        <g class="axis" aria-hidden="true">
          <line x1={left - 2} x2={left - 2} y1={0} y2={height} />
          <line x1={left - 2} x2={width - right + 2} y1={height} y2={height} />
          <text x={left - 6} y={14} text-anchor="end">{top}</text>
          <text x={left - 6} y={height} text-anchor="end">0</text>
          <text x={width - right + 6} y={14}>{money(dear)}</text>
          <text x={left} y={height + 18}>{daily[0]?.day.slice(5)}</text>
          <text x={width - right} y={height + 18} text-anchor="end">{daily.at(-1)?.day.slice(5)}</text>
        </g>
        {daily.map((d, i) => (
          <g key={d.day}>
            <rect class="bar" x={left + i * bar + 1} y={y(d.runs)} width={Math.max(bar - 2, 1)} height={height - y(d.runs)}>
              <title>
                {d.day}: {d.runs} run(s), {d.failed} failed, {money(d.cost_usd)}
              </title>
            </rect>
            <rect class="bar over" x={left + i * bar + 1} y={y(d.failed)} width={Math.max(bar - 2, 1)} height={height - y(d.failed)} />
          </g>
        ))}
        <polyline class="cost" points={line} />
      </svg>
      <figcaption id={caption}>
        Its last {daily.length} days (UTC, month-day): {runs} run{runs === 1 ? "" : "s"} ended, {failed} failed (in red),{" "}
        {money(cost)} spent (the line, on the right's scale).
      </figcaption>
    </figure>
  );
}

function Figures({ w }: { w: Window }) {
  return (
    <div class="window" role="group" aria-label={`The last ${w.days} days`}>
      <h4>Last {w.days} days</h4>
      <dl>
        <dt>Runs</dt>
        <dd>
          {w.runs}: {w.finished} finished, {w.failed} failed, {w.cancelled} cancelled
        </dd>
        <dt>Duration</dt>
        <dd>
          p50 {duration(w.duration_p50_s)}, p95 {duration(w.duration_p95_s)}
        </dd>
        <dt>Waiting for a person</dt>
        <dd>{duration(w.waiting_s)} in all</dd>
        <dt>Approvals</dt>
        <dd>
          {w.approvals_asked} asked, {w.approvals_refused} refused
        </dd>
        <dt>Ratings</dt>
        <dd>
          {w.rated_good} good, {w.rated_bad} not right
        </dd>
        <dt>Cost</dt>
        <dd>
          {money(w.cost_per_run_usd)} a run, {money(w.cost_per_week_usd)} a week ({money(w.cost_usd)} in all)
        </dd>
      </dl>
    </div>
  );
}

export function AgentRecord({ agentId }: { agentId: string }) {
  const shown = useLoad(() => get<AgentRec>(url("/agents/{agent_id}/record", { agent_id: agentId })), agentId);
  const record = shown.data;
  if (!record) return <LoadState of={shown} what="its record" />;
  const [week, month] = record.windows;
  return (
    <section class="record" aria-label="Its record">
      <h3>Its record</h3>
      {month && month.runs === 0 ? <Empty>No run of it ended in the last 30 days.</Empty> : null}
      <div class="windows">{record.windows.map((w) => <Figures key={w.days} w={w} />)}</div>
      <TrendChart agentId={agentId} daily={record.daily} />
      {month && Object.keys(month.cost_by).length > 0 && (
        <p>
          Cost by model and purpose (30 days):{" "}
          {Object.entries(month.cost_by)
            .map(([key, usd]) => `${key.replace("/", ", ")} ${money(usd)}`)
            .join("; ")}
          .
        </p>
      )}
      {week && week.reasons.length > 0 && (
        <>
          <p>Why people rated its runs not right this week:</p>
          <ul>
            {week.reasons.map((reason, i) => (
              <li key={i}>{reason}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

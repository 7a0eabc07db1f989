// Usage: spend, and runs started and failed, per day for 30 days, the month against its budget, the
// costliest runs, and what is paused and why. Charts are SVG with their figures also as text.
import { type S, get, url } from "../api";
import { Empty, LoadState, Status, money, useLoad } from "../ui";

const AXIS = 52; // the chart's left margin, for the dollar axis; the dates go below the bars

/** A day chart's axes (hidden from screen readers, the caption says it all): `ticks` (value, words)
 * up the left, and the first, middle and last dates (month-day) below the bars. */
function Axes({ days, width, height, y, ticks }: { days: S["Usage"]["days"]; width: number; height: number; y: (v: number) => number; ticks: [number, string][] }) {
  const bar = (width - AXIS) / Math.max(days.length, 1);
  const dated = [0, Math.floor((days.length - 1) / 2), days.length - 1].filter((i, n, all) => i >= 0 && all.indexOf(i) === n);
  return (
    <g class="axis" aria-hidden="true">
      <line x1={AXIS - 2} x2={AXIS - 2} y1={0} y2={height} />
      <line x1={AXIS - 2} x2={width} y1={height} y2={height} />
      {ticks.map(([value, words]) => (
        <text key={value} x={AXIS - 6} y={Math.max(y(value) + 4, 10)} text-anchor="end">
          {words}
        </text>
      ))}
      {dated.map((i) => (
        <text key={i} x={AXIS + i * bar + bar / 2} y={height + 18} text-anchor={i === 0 ? "start" : i === days.length - 1 ? "end" : "middle"}>
          {days[i]?.date.slice(5)}
        </text>
      ))}
    </g>
  );
}

function DayChart({ days }: { days: S["Usage"]["days"] }) {
  const width = 600;
  const height = 160;
  const top = Math.max(...days.map((d) => Math.max(d.spend_usd, d.budget_usd)), 0.01);
  const bar = (width - AXIS) / Math.max(days.length, 1);
  const y = (usd: number) => height - (usd / top) * (height - 10);
  const budget = days.at(-1)?.budget_usd ?? 0;
  const over = days.filter((d) => d.spend_usd > d.budget_usd).length;
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 24}`} role="img" aria-labelledby="days-caption">
        <Axes days={days} width={width} height={height} y={y} ticks={[0, top / 2, top].map((usd): [number, string] => [usd, money(usd)])} />
        {days.map((d, i) => (
          <rect
            key={d.date}
            class={d.spend_usd > d.budget_usd ? "bar over" : "bar"}
            x={AXIS + i * bar + 1}
            y={y(d.spend_usd)}
            width={Math.max(bar - 2, 1)}
            height={height - y(d.spend_usd)}
          >
            <title>
              {d.date}: {money(d.spend_usd)} of {money(d.budget_usd)}
            </title>
          </rect>
        ))}
        <line class="budget" x1={AXIS} x2={width} y1={y(budget)} y2={y(budget)} />
        <text x={AXIS + 4} y={Math.min(y(budget) + 16, height)} class="label">
          day budget {money(budget)}
        </text>
      </svg>
      <figcaption id="days-caption">
        Spend per day over the last {days.length} days (dates in UTC, month-day) against the day budget of {money(budget)}:{" "}
        {money(days.reduce((sum, d) => sum + d.spend_usd, 0))} in all, {over} day{over === 1 ? "" : "s"} over budget.
      </figcaption>
    </figure>
  );
}

/** Runs started and failed each day, on a count axis, dates below; the figures also as text. */
function RunsChart({ days }: { days: S["Usage"]["days"] }) {
  const width = 600;
  const height = 120;
  const top = Math.max(...days.map((d) => d.runs ?? 0), 1);
  const bar = (width - AXIS) / Math.max(days.length, 1);
  const y = (n: number) => height - (n / top) * (height - 10);
  const runs = days.reduce((sum, d) => sum + (d.runs ?? 0), 0);
  const failed = days.reduce((sum, d) => sum + (d.failed ?? 0), 0);
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height + 24}`} role="img" aria-labelledby="runs-caption">
        <Axes days={days} width={width} height={height} y={y} ticks={[...new Set([0, Math.round(top / 2), top])].map((n): [number, string] => [n, String(n)])} />
        {days.map((d, i) => (
          <g key={d.date}>
            <rect class="bar" x={AXIS + i * bar + 1} y={y(d.runs ?? 0)} width={Math.max(bar - 2, 1)} height={height - y(d.runs ?? 0)}>
              <title>
                {d.date}: {d.runs ?? 0} run(s), {d.failed ?? 0} failed
              </title>
            </rect>
            <rect class="bar over" x={AXIS + i * bar + 1} y={y(d.failed ?? 0)} width={Math.max(bar - 2, 1)} height={height - y(d.failed ?? 0)} />
          </g>
        ))}
      </svg>
      <figcaption id="runs-caption">
        Runs started per day over the last {days.length} days, failed ones in red: {runs} run{runs === 1 ? "" : "s"},{" "}
        {failed} failed (among the workspace's latest 200).
      </figcaption>
    </figure>
  );
}

function Meter({ label, spent, budget }: { label: string; spent: number; budget: number }) {
  return (
    <p>
      {label}: {money(spent)} of {money(budget)}{" "}
      <meter min={0} max={Math.max(budget, 0.0001)} value={spent} aria-label={`${label} against its budget`} />
    </p>
  );
}

export function UsageScreen() {
  const usage = useLoad(() => get<S["Usage"]>(url("/usage")));
  const data = usage.data;
  return (
    <section>
      <h1>Usage</h1>
      <LoadState of={usage} what="usage" />
      {data && (
        <>
          <Meter label={`Today (${data.day.date})`} spent={data.day.spent_usd} budget={data.day.budget_usd} />
          <Meter label={`This month (${data.month.month})`} spent={data.month.spent_usd} budget={data.month.budget_usd} />
          {data.warnings.map((warning) => (
            <p class="notice" role="status" key={warning}>
              {warning}: model calls stop at its end.
            </p>
          ))}
          <p>
            At the last 7 days' pace, this month comes to {money(data.forecast_month_usd)} of its{" "}
            {money(data.month.budget_usd)} budget
            {data.forecast_month_usd > data.month.budget_usd ? ": more than the budget, so calls would stop before its end." : "."}
          </p>
          <p>Each run may spend up to {money(data.run_budget_usd)}.</p>
          <h2>The last 30 days</h2>
          <DayChart days={data.days} />
          <RunsChart days={data.days} />
          <h2>Costliest runs this month</h2>
          {data.costliest_runs.length === 0 ? (
            <Empty>No run has cost anything this month.</Empty>
          ) : (
            <ol class="costliest">
              {data.costliest_runs.map((run) => {
                const top = data.costliest_runs[0]?.cost_usd || 1;
                return (
                  <li key={run.run_id}>
                    <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{run.goal}</a> {money(run.cost_usd)}
                    <svg viewBox="0 0 100 6" class="hbar" aria-hidden="true">
                      <rect x={0} y={0} height={6} width={(run.cost_usd / top) * 100} />
                    </svg>
                  </li>
                );
              })}
            </ol>
          )}
          <h2>Paused</h2>
          {data.paused && (
            <p class="error" role="alert">
              {data.paused}
            </p>
          )}
          {data.paused_runs.length === 0 && !data.paused ? (
            <Empty>Nothing is paused.</Empty>
          ) : (
            <ul>
              {data.paused_runs.map((run) => (
                <li key={run.run_id}>
                  <a href={`#/runs/${encodeURIComponent(run.run_id)}`}>{run.goal}</a> <Status status={run.status} />{" "}
                  {run.reason}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

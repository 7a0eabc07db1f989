// The console's one way to the api: same origin, under /api, with the session cookie. Types come from
// docs/api/openapi.json (npm run types), so a route or a field the api drops fails `tsc`.
import type { components, paths } from "./contract";

export type S = components["schemas"];
export type Path = keyof paths;

const BASE = "/api";
const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let csrfToken = "";
export type Role = "viewer" | "editor" | "admin" | "owner";
const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };
let held: Role = "viewer";

/** The session's CSRF token, sent as X-CSRF-Token with every change the cookie makes, and its role. */
export function useCsrfToken(token: string, role: string = "viewer"): void {
  csrfToken = token;
  held = role in RANK ? (role as Role) : "viewer";
}

/** Why the signed-in person may not `what` ("" when they may): `need` is the route's role= in
 * functions/routes/table.py, which the api holds whatever the screen shows. */
export function roleRefusal(need: Role, what: string): string {
  if (RANK[held] >= RANK[need]) return "";
  const who = need === "owner" ? "the owner" : `an ${need}${need === "admin" ? " or the owner" : " or above"}`;
  return `Your role (${held}) may not ${what}: ${who} does.`;
}

/** A field the api found wrong (dotted: `triggers.<id>.0.property`) and its problem. */
export interface FieldProblem {
  field: string;
  problem: string;
}

/** A refusal or failure of the api, in words a person reads; `fields`: the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** Fired on window when the api answers 401: the session ended (signed out, disconnected, expired). */
export const SESSION_ENDED = "na:session-ended";
export const ENDED_WORDS =
  "Your session ended: you signed out, you are no longer a member of its team, or the workspace was disconnected, here or elsewhere. Connect again to go on.";

/** Fired on window while a request the api refused for the person's pace waits to be sent again
 * (detail: the seconds it waits, its Retry-After; 0 once sent). */
export const PACED = "na:paced";
const PACE_WAIT_MAX_S = 30; // a longer Retry-After (a daily bound) is said as the refusal it is
const PACE_TRIES = 3; // then the refusal is said: the person's tabs together ask past their pace

/** A path of the contract with its {parameters} filled in (each one encoded). */
export function url(path: Path, args: Record<string, string> = {}, query: Record<string, string> = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(args[name] ?? ""));
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "")).toString();
  return BASE + filled + (search ? `?${search}` : "");
}

function words(status: number, body: unknown): ApiError {
  // The api's 401 speaks to scripts ("send an API key as ..."): a person reads why and what to do.
  if (status === 401) return new ApiError(status, "unauthenticated", ENDED_WORDS);
  if (body && typeof body === "object" && "reason" in body) {
    const error = body as S["Error"];
    const fields = (error.fields ?? []).map((f) => ({ field: f.field, problem: f.problem ?? "" }));
    return new ApiError(status, error.error, error.reason, fields);
  }
  if (status >= 500) return new ApiError(status, "server", "The server failed to answer: try again in a moment.");
  return new ApiError(status, "http", `The server answered ${status}.`);
}

export interface Answer<T> {
  status: number;
  body: T | null;
  etag: string;
}

/** One request; a non-2xx answer (other than 304) is thrown as an ApiError in words. A 429 for the
 * person's pace (a Retry-After of at most half a minute) is waited out and sent again, up to
 * PACE_TRIES times (PACED). */
export async function request<T>(
  method: string,
  target: string,
  body?: unknown,
  headers: Record<string, string> = {},
  quiet401 = false,
): Promise<Answer<T>> {
  const sent: Record<string, string> = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (CHANGES.has(method) && csrfToken) sent["X-CSRF-Token"] = csrfToken;
  const once = async (): Promise<Response> => {
    try {
      return await fetch(target, {
        method,
        headers: sent,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "The console cannot reach the server: check your connection.");
    }
  };
  let response = await once();
  for (let tries = 1; tries <= PACE_TRIES && response.status === 429; tries++) {
    // The person's pace (a 429 does nothing): said, waited as the api asks, sent again.
    const wait = Number(response.headers.get("Retry-After") ?? "0");
    if (!(wait > 0 && wait <= PACE_WAIT_MAX_S)) break;
    window.dispatchEvent(new CustomEvent(PACED, { detail: wait }));
    await new Promise((done) => setTimeout(done, wait * 1000));
    window.dispatchEvent(new CustomEvent(PACED, { detail: 0 }));
    response = await once();
  }
  const etag = response.headers.get("ETag") ?? "";
  if (response.status === 304) return { status: 304, body: null, etag };
  const parsed = await bodyOf(response);
  if (!response.ok) {
    if (response.status === 401 && !quiet401) window.dispatchEvent(new Event(SESSION_ENDED));
    throw words(response.status, parsed);
  }
  return { status: response.status, body: parsed as T, etag };
}

/** An answer's body as JSON (null when empty or not JSON). */
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export async function get<T>(target: string): Promise<T> {
  const answer = await request<T>("GET", target);
  return answer.body as T;
}

export async function send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", target: string, body?: unknown): Promise<T> {
  const answer = await request<T>(method, target, body);
  return answer.body as T;
}

/** One event of a stream the api sends (Server-Sent Events): its id (null: the stream's own), kind, data. */
export interface StreamEvent {
  id: number | null;
  event: string;
  data: unknown;
}

/** A POST whose answer is a stream of events (text/event-stream), each given to `each` as it comes;
 * `lastId` resumes after that event. Resolves with the last id received and whether the stream said
 * it ended; a refusal before it streams is thrown as an ApiError; a broken stream resolves unended. */
export async function postStream(
  target: string,
  body: unknown,
  each: (event: StreamEvent) => void,
  lastId: number | null = null,
): Promise<{ lastId: number | null; ended: boolean }> {
  const headers: Record<string, string> = { Accept: "text/event-stream", "Content-Type": "application/json" };
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
  let response: Response;
  try {
    response = await fetch(target, { method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new ApiError(0, "network", "The console cannot reach the server: check your connection.");
  }
  if (!response.ok || !response.body) {
    const parsed = await bodyOf(response);
    if (response.status === 401) window.dispatchEvent(new Event(SESSION_ENDED));
    throw response.ok ? new ApiError(0, "stream", "This browser cannot read the answer as it comes.") : words(response.status, parsed);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf("\n\n");
        const fields = new Map(block.split("\n").filter((line) => line && !line.startsWith(":")).map((line) => {
          const at = line.indexOf(": ");
          return [line.slice(0, at), line.slice(at + 2)] as [string, string];
        }));
        const kind = fields.get("event");
        if (!kind) continue;
        const id = fields.has("id") ? Number(fields.get("id")) : null;
        if (id !== null) lastId = id;
        if (kind === "end") ended = true;
        each({ id, event: kind, data: JSON.parse(fields.get("data") ?? "null") });
      }
    }
  } catch {
    // a stream cut on the way: the caller resumes after lastId
  }
  return { lastId, ended };
}

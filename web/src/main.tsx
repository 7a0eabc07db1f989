// The console's shell: who is signed in (GET /session), the navigation, and the screen the hash names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, ENDED_WORDS, PACED, type S, SESSION_ENDED, get, request, send, url, useCsrfToken } from "./api";
import { AgentsScreen } from "./screens/agents";
import { AskScreen } from "./screens/ask";
import { AuditScreen } from "./screens/audit";
import { ConnectScreen, forgetInvite } from "./screens/connect";
import { DailyPlanScreen } from "./screens/daily_plan";
import { type Erasure, ErasedScreen } from "./screens/erased";
import { GalleryScreen } from "./screens/gallery";
import { InboxScreen } from "./screens/inbox";
import { IntegrationsScreen } from "./screens/integrations";
import { KeysScreen } from "./screens/keys";
import { NotificationsScreen } from "./screens/notifications";
import { OnboardingScreen } from "./screens/onboarding";
import { RepositoriesScreen } from "./screens/repositories";
import { RunScreen } from "./screens/run";
import { RunsScreen } from "./screens/runs";
import { SessionScreen, SessionsScreen } from "./screens/session";
import { SettingsScreen } from "./screens/settings";
import { TeamScreen } from "./screens/team";
import { UsageScreen } from "./screens/usage";
import { DECISION_MADE, ErrorText, Loading, RETURN_KEY, TABS, keepReturn, tellTabs } from "./ui";
import "./style.css";

const NAV: [string, string][] = [
  ["#/runs", "Runs"],
  ["#/inbox", "Inbox"],
  ["#/daily-plan", "Daily plan"],
  ["#/agents", "Agents"],
  ["#/gallery", "Gallery"],
  ["#/ask", "Ask"],
  ["#/sessions", "Sessions"],
  ["#/usage", "Usage"],
  ["#/notifications", "Notifications"],
  ["#/integrations", "Integrations"],
  ["#/keys", "API keys"],
  ["#/settings", "Settings"],
  ["#/repositories", "Repositories"],
  ["#/team", "Team"],
  ["#/audit", "Audit"],
];

/** What oauth-callback put in the fragment (connected, error, reason, onboarding), once. */
function takeOutcome(): URLSearchParams | null {
  const fragment = window.location.hash.slice(1);
  if (!fragment.includes("=") || fragment.startsWith("/")) return null;
  history.replaceState(null, "", window.location.pathname);
  return new URLSearchParams(fragment);
}

const ELSEWHERE: Record<string, string> = {
  "signed-out": "You signed out in another tab. Connect again to go on.",
  disconnected: "The workspace was disconnected in another tab; its sessions ended. Connect again to go on.",
  erased: "The workspace was erased in another tab: everything the agent kept of it is deleted. Connect a workspace to start again.",
};

const TOOL_NAMES: Record<string, string> = { linear: "Linear", gitlab: "GitLab" };

/** What Linear's or GitLab's connect came back with (decision 0125's callback), in words; "" if none. */
function syncOutcome(outcome: URLSearchParams | null): string {
  const google = outcome?.get("google");
  if (google === "mailbox") return "Google is connected: the agent's mailbox is watched, its mail reaches the agent.";
  if (google === "calendar") return "Google is connected: your calendar's meetings are kept for your agents.";
  const server = outcome?.get("mcp");
  if (server) return mcpOutcome(server, outcome);
  const tool = TOOL_NAMES[outcome?.get("sync") ?? ""];
  if (!tool) return "";
  if (outcome?.get("connected") === "true") return `${tool} is connected: its tasks are kept in step with your Tasks.`;
  const error = outcome?.get("error") ?? "";
  return error === "access_denied"
    ? `You declined at ${tool}: nothing was connected.`
    : `${tool} was not connected (${error || "no reason given"}): nothing was stored. Try again.`;
}

/** What an MCP server's OAuth connect came back with (decision 0220's callback), in words. */
function mcpOutcome(server: string, outcome: URLSearchParams | null): string {
  if (outcome?.get("connected") === "true") return `The MCP server ${server} is connected with OAuth: its tools are listed under Integrations.`;
  const error = outcome?.get("error") ?? "";
  return error === "access_denied"
    ? `You declined at the MCP server's authorization page: nothing was connected.`
    : `The MCP server ${server} was not connected (${error || "no reason given"}): nothing was stored. Try again.`;
}

function takeReturn(): string {
  try {
    const hash = sessionStorage.getItem(RETURN_KEY) ?? "";
    sessionStorage.removeItem(RETURN_KEY);
    return hash;
  } catch {
    return "";
  }
}

const WAITING_MS = 15_000;
const WAITING_PAGE = 25;

/** How many runs wait for a decision the person may make (GET /inbox), asked again every WAITING_MS
 * and at once when a decision is made in this tab (DECISION_MADE): the count never lags a decision. */
function useWaiting(signedIn: boolean): number {
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (!signedIn) return;
    let live = true;
    let timer = 0;
    const ask = async () => {
      window.clearTimeout(timer);
      try {
        const inbox = await get<S["Inbox"]>(url("/inbox"));
        if (live) setCount(inbox.more ? Math.max(inbox.runs.length, WAITING_PAGE) : inbox.runs.length);
      } catch {
        // a refusal is the screens' to say (a 401 ends the session for all of them)
      }
      if (live) timer = window.setTimeout(ask, WAITING_MS);
    };
    const decided = () => void ask();
    void ask();
    window.addEventListener(DECISION_MADE, decided);
    return () => {
      live = false;
      window.clearTimeout(timer);
      window.removeEventListener(DECISION_MADE, decided);
    };
  }, [signedIn]);
  return count;
}

const ROLE_MS = 15_000;

/** The role held now, read again (GET /session) every ROLE_MS and when the tab is looked at again: a
 * role changed by an admin elsewhere reaches an open tab — its screens and the api's checks
 * then agree. `changed` gets the session as it now is and the role it had. */
function useRoleWatch(session: S["SessionView"] | null, changed: (now: S["SessionView"], was: string) => void): void {
  const role = session?.role ?? "";
  useEffect(() => {
    if (!session) return;
    let live = true;
    let timer = 0;
    const ask = async () => {
      window.clearTimeout(timer);
      try {
        const now = await get<S["SessionView"]>(url("/session"));
        if (live && now.role !== role) changed(now, role);
      } catch {
        // a 401 ends the session for every screen (SESSION_ENDED); anything else: asked again later
      }
      if (live) timer = window.setTimeout(ask, ROLE_MS);
    };
    const seen = () => document.visibilityState === "visible" && void ask();
    timer = window.setTimeout(ask, ROLE_MS);
    document.addEventListener("visibilitychange", seen);
    window.addEventListener("focus", seen);
    return () => {
      live = false;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", seen);
      window.removeEventListener("focus", seen);
    };
  }, [session?.member_id, role]);
}

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/runs");
  useEffect(() => {
    let screen = (window.location.hash || "#/runs").split("?")[0];
    const changed = () => {
      const now = window.location.hash || "#/runs";
      setHash(now);
      // Another screen (not a filter of this one): the focus goes to its start, not to the body
      if (now.split("?")[0] !== screen) window.setTimeout(() => document.getElementById("main")?.focus(), 0);
      screen = now.split("?")[0];
    };
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function Screen({
  hash,
  session,
  ended,
  erased,
}: {
  hash: string;
  session: S["SessionView"];
  ended: (words: string) => void;
  erased: (erasure: Erasure) => void;
}) {
  const [path, query = ""] = hash.slice(1).split("?");
  const parts = (path ?? "").split("/").filter(Boolean);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case "runs":
      return parts[1] ? <RunScreen runId={decodeURIComponent(parts[1])} session={session} /> : <RunsScreen params={params} />;
    case "inbox":
      return <InboxScreen />;
    case "daily-plan":
      return <DailyPlanScreen day={params.get("date") ?? ""} />;
    case "agents":
      return <AgentsScreen />;
    case "gallery":
      return <GalleryScreen />;
    case "ask":
      return <AskScreen />;
    case "sessions":
      return parts[1] ? <SessionScreen sessionId={decodeURIComponent(parts[1])} login={session} /> : <SessionsScreen />;
    case "usage":
      return <UsageScreen />;
    case "notifications":
      return <NotificationsScreen />;
    case "integrations":
      return <IntegrationsScreen />;
    case "keys":
      return <KeysScreen />;
    case "settings":
      return <SettingsScreen session={session} disconnected={ended} erased={erased} />;
    case "audit":
      return <AuditScreen session={session} />;
    case "repositories":
      return <RepositoriesScreen />;
    case "team":
      return <TeamScreen session={session} />;
    case "onboarding":
      return <OnboardingScreen />;
    default:
      return <RunsScreen params={params} />;
  }
}

function App() {
  const [outcome] = useState(takeOutcome);
  const [session, setSession] = useState<S["SessionView"] | null>(null);
  const [state, setState] = useState<"loading" | "signed-in" | "signed-out" | "error">("loading");
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState("");
  const [erasure, setErasure] = useState<Erasure | null>(null);
  const hash = useHash();
  // At phone width the nav is one "Menu" button that opens it (it took four lines);
  // choosing a screen closes it. At a wider screen the button is hidden and the nav always shown.
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [hash]);

  useEffect(() => {
    request<S["SessionView"]>("GET", url("/session"), undefined, {}, true)
      .then(({ body: view }) => {
        if (!view) throw new ApiError(0, "http", "The server answered without a session.");
        useCsrfToken(view.csrf_token, view.role);
        setSession(view);
        setState("signed-in");
        if (outcome?.get("connected") === "true") forgetInvite(); // signed in with it: spent
        const back = outcome?.get("connected") === "true" || outcome?.get("sync") || outcome?.get("mcp") || outcome?.get("google") ? takeReturn() : "";
        if (back) window.location.hash = back;
        else if (outcome?.get("onboarding")) window.location.hash = "#/onboarding";
      })
      .catch((reason: unknown) => {
        if (reason instanceof ApiError && (reason.status === 401 || reason.status === 404)) {
          setState("signed-out");
        } else {
          setError(reason);
          setState("error");
        }
      });
  }, []);

  const ended = (words = "", why: "" | "signed-out" | "disconnected" | "erased" = "") => {
    useCsrfToken("");
    setSession(null);
    setNotice(words);
    setState("signed-out");
    if (why) tellTabs(why);
  };
  useEffect(() => {
    const lost = () => {
      keepReturn(window.location.hash);
      ended(ENDED_WORDS);
    };
    const told = (event: MessageEvent) => ended(ELSEWHERE[String(event.data)] ?? ENDED_WORDS);
    window.addEventListener(SESSION_ENDED, lost);
    TABS?.addEventListener("message", told);
    return () => {
      window.removeEventListener(SESSION_ENDED, lost);
      TABS?.removeEventListener("message", told);
    };
  }, []);
  // The longest wait of the requests the api refused for the person's pace, while any waits (api.ts: PACED).
  const [paced, setPaced] = useState(0);
  useEffect(() => {
    const waits: number[] = [];
    const told = (event: Event) => {
      const wait = Number((event as CustomEvent).detail) || 0;
      if (wait > 0) waits.push(wait);
      else waits.shift();
      setPaced(waits.length ? Math.max(...waits) : 0);
    };
    window.addEventListener(PACED, told);
    return () => window.removeEventListener(PACED, told);
  }, []);
  const waiting = useWaiting(state === "signed-in");
  const [roleNotice, setRoleNotice] = useState(() => syncOutcome(outcome));
  useRoleWatch(state === "signed-in" ? session : null, (now, was) => {
    useCsrfToken(now.csrf_token, now.role);
    setSession(now);
    setRoleNotice(
      `Your role changed from ${was || "none"} to ${now.role || "none"}: what you may do here changed with it.`,
    );
  });
  const signOut = async () => {
    await send("DELETE", url("/session")).catch(() => undefined);
    ended("You signed out.", "signed-out");
  };

  if (state === "loading") return <main id="main"><Loading what="your session" /></main>;
  if (state === "error") {
    return (
      <main id="main">
        <h1>Notion Agent</h1>
        <ErrorText error={error} />
      </main>
    );
  }
  if (erasure) return <ErasedScreen erasure={erasure} done={() => setErasure(null)} />;
  if (state === "signed-out" || !session) return <ConnectScreen outcome={outcome} notice={notice} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class={menu ? "menu-open" : undefined}>
        <span class="brand">Notion Agent · {session.workspace_name}</span>
        <button type="button" class="menu" aria-expanded={menu} aria-controls="console-nav" onClick={() => setMenu((open) => !open)}>
          Menu{waiting > 0 ? ` · ${waiting >= WAITING_PAGE ? `${WAITING_PAGE}+` : waiting} waiting` : ""}
        </button>
        <nav aria-label="Console" id="console-nav">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={hash.startsWith(href) ? "page" : undefined}>
                  {label}
                </a>
                {href === "#/inbox" && waiting > 0 && (
                  <a
                    class="badge"
                    href="#/inbox"
                    aria-label={`${waiting >= WAITING_PAGE ? `${WAITING_PAGE}+` : waiting} waiting for you`}
                  >
                    {waiting >= WAITING_PAGE ? `${WAITING_PAGE}+` : waiting} waiting
                  </a>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {paced > 0 && (
          <p class="notice" role="status">
            Many requests at once: the console waits {paced} s, as the server asks, then goes on.
          </p>
        )}
        {roleNotice && (
          <p class="notice" role="status">
            {roleNotice}
          </p>
        )}
        <Screen
          hash={hash}
          session={session}
          ended={(words) => ended(words, "disconnected")}
          erased={(done) => {
            setErasure(done);
            window.location.hash = "";
            ended("", "erased");
          }}
        />
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

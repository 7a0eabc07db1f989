// The console's shell: who is signed in (GET /session), the navigation, and the screen the hash names.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, type S, get, send, url, useCsrfToken } from "./api";
import { AuditScreen } from "./screens/audit";
import { ConnectScreen } from "./screens/connect";
import { IntegrationsScreen } from "./screens/integrations";
import { KeysScreen } from "./screens/keys";
import { NotificationsScreen } from "./screens/notifications";
import { OnboardingScreen } from "./screens/onboarding";
import { RunScreen } from "./screens/run";
import { RunsScreen } from "./screens/runs";
import { SettingsScreen } from "./screens/settings";
import { TeamScreen } from "./screens/team";
import { UsageScreen } from "./screens/usage";
import { ErrorText, Loading } from "./ui";
import "./style.css";

const NAV: [string, string][] = [
  ["#/runs", "Runs"],
  ["#/usage", "Usage"],
  ["#/notifications", "Notifications"],
  ["#/integrations", "Integrations"],
  ["#/keys", "API keys"],
  ["#/settings", "Settings"],
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

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || "#/runs");
  useEffect(() => {
    const changed = () => setHash(window.location.hash || "#/runs");
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function Screen({ hash, session, ended }: { hash: string; session: S["SessionView"]; ended: () => void }) {
  const [path, query = ""] = hash.slice(1).split("?");
  const parts = (path ?? "").split("/").filter(Boolean);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case "runs":
      return parts[1] ? <RunScreen runId={decodeURIComponent(parts[1])} /> : <RunsScreen params={params} />;
    case "usage":
      return <UsageScreen />;
    case "notifications":
      return <NotificationsScreen />;
    case "integrations":
      return <IntegrationsScreen />;
    case "keys":
      return <KeysScreen />;
    case "settings":
      return <SettingsScreen session={session} disconnected={ended} />;
    case "audit":
      return <AuditScreen session={session} />;
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
  const hash = useHash();

  useEffect(() => {
    get<S["SessionView"]>(url("/session"))
      .then((view) => {
        useCsrfToken(view.csrf_token);
        setSession(view);
        setState("signed-in");
        if (outcome?.get("onboarding")) window.location.hash = "#/onboarding";
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

  const ended = () => {
    useCsrfToken("");
    setSession(null);
    setState("signed-out");
  };
  const signOut = async () => {
    await send("DELETE", url("/session")).catch(() => undefined);
    ended();
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
  if (state === "signed-out" || !session) return <ConnectScreen outcome={outcome} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header>
        <span class="brand">Notion Agent · {session.workspace_name}</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={hash.startsWith(href) ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen hash={hash} session={session} ended={ended} />
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

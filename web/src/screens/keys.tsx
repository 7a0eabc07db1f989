// API keys for scripts: made with their scopes, the key shown once, deleted.
import { useEffect, useRef, useState } from "preact/hooks";
import { type S, get, roleRefusal, send, url } from "../api";
import { Empty, ErrorText, Loading, useAction, useLoad, when } from "../ui";

type Scope = S["NewApiKey"]["scopes"] extends (infer T)[] | undefined ? T : never;
const SCOPES: [Scope, string][] = [
  ["read", "Read runs, usage and settings"],
  ["runs:start", "Start runs"],
  ["runs:decide", "Answer and reject; approve what stays within a run's own pages"],
  ["runs:control", "Pause, resume and cancel runs"],
];

export function KeysScreen() {
  const list = useLoad(() => get<S["ApiKeyList"]>(url("/api-keys")));
  // A key acts within its maker's role: a scope on runs needs an editor (docs/security.md, "Roles").
  const runsRefusal = roleRefusal("editor", "give a key a scope on runs");
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["read"]);
  const [made, setMade] = useState<S["MadeApiKey"] | null>(null);
  const [busy, error, act] = useAction();
  const [copied, setCopied] = useState(false);
  const [doomed, setDoomed] = useState<string | null>(null); // the key whose Delete waits for a yes
  const confirm = useRef<HTMLButtonElement>(null);
  const shown = useRef<HTMLInputElement>(null);
  useEffect(() => confirm.current?.focus(), [doomed]);
  useEffect(() => shown.current?.focus(), [made?.key_id]);
  const copy = async () => {
    if (!made) return;
    try {
      await navigator.clipboard.writeText(made.key);
    } catch {
      shown.current?.select(); // no clipboard (an insecure origin): selected, for Ctrl+C
      document.execCommand("copy");
    }
    setCopied(true);
  };
  const create = (event: Event) => {
    event.preventDefault();
    void act(async () => {
      setCopied(false);
      setMade(await send<S["MadeApiKey"]>("POST", url("/api-keys"), { name, scopes }));
      setName("");
      list.reload();
    });
  };
  const remove = (key: S["ListedApiKey"]) =>
    act(async () => {
      await send("DELETE", url("/api-keys/{key_id}", { key_id: key.key_id }));
      if (made?.key_id === key.key_id) setMade(null);
      setDoomed(null);
      list.reload();
      document.getElementById("keys-title")?.focus();
    });
  const tick = (scope: Scope, on: boolean) =>
    setScopes((now) => (on ? [...now.filter((s) => s !== scope), scope] : now.filter((s) => s !== scope)));
  const keys = list.data?.api_keys ?? [];
  return (
    <section>
      <h1 id="keys-title" tabIndex={-1}>
        API keys
      </h1>
      <p>Scripts call the api with a key as a Bearer token. A key never changes settings or connections.</p>
      {made && (
        <div class="card made" role="status">
          <h2>Your new key “{made.name}”</h2>
          <p>Copy it now: it is shown this once and cannot be read again.</p>
          <label>
            The key
            <input readOnly value={made.key} class="key" ref={shown} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <div class="actions">
            <button type="button" class="primary" onClick={copy}>
              Copy the key
            </button>
            <button type="button" onClick={() => setMade(null)}>
              I have copied it
            </button>
          </div>
          {copied && <p role="status">Copied to the clipboard.</p>}
        </div>
      )}
      <form class="card" onSubmit={create}>
        <h2>Make a key</h2>
        <label>
          What it is for
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={100} required />
        </label>
        <fieldset>
          <legend>What it may do</legend>
          {runsRefusal && <p class="hint">{runsRefusal}</p>}
          {SCOPES.map(([scope, words]) => {
            const may = scope === "read" ? "" : runsRefusal;
            return (
              <label class="check" key={scope} title={may}>
                <input
                  type="checkbox"
                  checked={scopes.includes(scope)}
                  disabled={!!may}
                  onChange={(e) => tick(scope, e.currentTarget.checked)}
                />
                {words}
              </label>
            );
          })}
        </fieldset>
        <button type="submit" class="primary" disabled={busy}>
          Make the key
        </button>
      </form>
      <ErrorText error={error || list.error} />
      {list.loading && !list.data && <Loading what="keys" />}
      {list.data && keys.length === 0 && <Empty>No API keys.</Empty>}
      {keys.length > 0 && (
        <ul class="keys">
          {keys.map((key) => (
            <li key={key.key_id}>
              <strong>{key.name}</strong> ({key.scopes.join(", ")}), made {when(key.created_at)}{" "}
              {doomed === key.key_id ? (
                <span class="confirm" role="group" aria-label={`Delete the key ${key.name}?`}>
                  Scripts using it stop working.{" "}
                  <button type="button" class="danger" ref={confirm} onClick={() => remove(key)} disabled={busy} aria-label={`Yes, delete the key ${key.name}`}>
                    Yes, delete it
                  </button>{" "}
                  <button type="button" onClick={() => setDoomed(null)} aria-label={`Keep the key ${key.name}`}>
                    Keep it
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setDoomed(key.key_id)} disabled={busy} aria-label={`Delete the key ${key.name}`}>
                  Delete
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

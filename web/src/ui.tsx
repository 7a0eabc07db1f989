// Pieces every screen uses: loading, error and empty states, a data hook, money and time in words.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Loads once (and again on reload or when `key` changes); its result, its error, and whether loading. */
export function useLoad<T>(load: () => Promise<T>, key: string = ""): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    latest
      .current()
      .then((value) => {
        if (live) {
          setData(value);
          setError(null);
        }
      })
      .catch((reason: unknown) => live && setError(reason))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Runs an action (a button's); its error stays shown until the next attempt. */
export function useAction(): [boolean, unknown, (act: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (act: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await act();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  }, []);
  return [busy, error, run];
}

export function money(usd: number): string {
  return `$${usd.toFixed(usd < 1 ? 3 : 2)}`;
}

export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export const STATUS_WORDS: Record<string, string> = {
  planning: "Planning",
  running: "Running",
  waiting_for_human: "Waiting for you",
  paused: "Paused",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status}`}>{STATUS_WORDS[status] ?? status}</span>;
}

export function go(hash: string): void {
  window.location.hash = hash;
}

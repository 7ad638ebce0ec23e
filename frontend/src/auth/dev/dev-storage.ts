/**
 * Keeps the dev sign-in across page reloads (sessionStorage: per tab, gone with the tab).
 * Only the persona and tenancy are stored; tokens live in memory, as the SDK keeps them.
 */
import type { Selection } from "./dev-token-source";

export interface StoredDevSession {
  readonly personaId: string;
  readonly sessionId: string;
  readonly lifetimeSeconds: number;
  readonly selection: Selection;
}

const KEY = "wacht-sam-example.dev-session";

export function loadDevSession(storage: Storage): StoredDevSession | null {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? "null") as StoredDevSession | null;
    return value && typeof value.personaId === "string" && typeof value.sessionId === "string" ? value : null;
  } catch {
    return null;
  }
}

export function saveDevSession(storage: Storage, session: StoredDevSession | null): void {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}

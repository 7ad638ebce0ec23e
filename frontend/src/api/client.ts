/**
 * The one fetch wrapper: the only code in this app that talks to the API.
 *
 * Guarantees (each has a test in client.test.ts):
 * - every request carries `Authorization: Bearer <token>` from the injected `getToken`;
 * - a 401 asks for a fresh token (`skipCache: true`) once and retries once; a second 401
 *   calls `onSignedOut` and resolves to `signed-out`;
 * - 403 resolves to `forbidden` without a retry, with the server's message and, when the app
 *   knows why (the route's requirement against the token's tenancy), an explanation the user can act on;
 * - 404 resolves to `not-found`;
 * - network errors, a failing token source and 5xx resolve to `error` and never sign out.
 */
import { explainForbidden } from "./refusal";
import type { ApiResult } from "./result";

export interface TokenOptions {
  /** Ignore any cached token and fetch a new one (the retry after a 401). */
  readonly skipCache?: boolean;
}

/** Returns a session token, or null when nobody is signed in. */
export type GetToken = (options?: TokenOptions) => Promise<string | null>;

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface ApiClientOptions {
  readonly baseUrl: string;
  readonly getToken: GetToken;
  readonly onSignedOut: () => void;
  readonly fetch?: typeof fetch;
  /** Explains a 403 to `method path` sent with `token`; null when it knows nothing better than the server. */
  readonly explainForbidden?: (method: Method, path: string, token: string) => string | null;
}

export interface ApiClient {
  request<T>(method: Method, path: string, body?: unknown): Promise<ApiResult<T>>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const explain = options.explainForbidden ?? explainForbidden;

  async function send(method: Method, path: string, token: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: "application/json" };
    const init: RequestInit = { method, headers, credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetchImpl(`${baseUrl}${path}`, init);
  }

  async function request<T>(method: Method, path: string, body?: unknown): Promise<ApiResult<T>> {
    try {
      let token = await options.getToken();
      for (let attempt = 0; token !== null; attempt++) {
        const response = await send(method, path, token, body);
        if (response.status === 403) {
          return { kind: "forbidden", message: await messageOf(response), explanation: explain(method, path, token) };
        }
        if (response.status !== 401) return await resultOf<T>(response);
        if (attempt === 1) break;
        token = await options.getToken({ skipCache: true });
      }
    } catch (error) {
      // fetch rejects on network and CORS failures; the token source may be down too.
      // Neither says anything about the session, so neither signs the user out.
      return { kind: "error", status: null, message: describe(error) };
    }
    options.onSignedOut();
    return { kind: "signed-out" };
  }

  return { request };
}

async function resultOf<T>(response: Response): Promise<ApiResult<T>> {
  if (response.ok) {
    if (response.status === 204) return { kind: "ok", status: 204, data: undefined as T };
    try {
      return { kind: "ok", status: response.status, data: (await response.json()) as T };
    } catch {
      return { kind: "error", status: response.status, message: "The API answered with a body that is not JSON." };
    }
  }
  const message = await messageOf(response);
  if (response.status === 404) return { kind: "not-found", message };
  return { kind: "error", status: response.status, message };
}

/** The API's errors are `{"message": "..."}`; anything else falls back to the status line. */
async function messageOf(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
      return (body as { message: string }).message;
    }
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
}

function describe(error: unknown): string {
  const detail = error instanceof Error ? error.message : String(error);
  return `The API could not be reached (${detail}).`;
}

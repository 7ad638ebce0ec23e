/**
 * What one API call can end in, branched on what the UI must do next
 * (the "Error semantics" table of the Wacht guide):
 *
 *   ok          show the data
 *   forbidden   403: show "no access" and why, if the app knows; retrying cannot help
 *   not-found   404: on a tenant resource the active workspace may have changed; refetch the list
 *   signed-out  401 even with a fresh token (or no session at all): back to sign-in
 *   error       network failure, CORS failure, 5xx, other 4xx: show it; never a sign-out
 */
export type ApiResult<T> =
  | { readonly kind: "ok"; readonly status: number; readonly data: T }
  | {
      readonly kind: "forbidden";
      /** The server's message. */
      readonly message: string;
      /** What the user can do about it, when the app knows (api/refusal.ts); null otherwise. */
      readonly explanation: string | null;
    }
  | { readonly kind: "not-found"; readonly message: string }
  | { readonly kind: "signed-out" }
  | { readonly kind: "error"; readonly status: number | null; readonly message: string };

export type Failure = Exclude<ApiResult<never>, { kind: "ok" }>;

export function isOk<T>(result: ApiResult<T>): result is Extract<ApiResult<T>, { kind: "ok" }> {
  return result.kind === "ok";
}

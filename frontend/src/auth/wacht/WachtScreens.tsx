/** What the Wacht adapter shows instead of the app: while the session loads, when it cannot, and after signing out. */
import { NavigateToSignIn } from "@wacht/jsx";
import { useState } from "react";

export function SessionLoading() {
  return (
    <p className="loading" data-testid="session-loading">
      Loading your session…
    </p>
  );
}

/** The session or its first token could not be had; "Try again" asks again. */
export function SessionProblem({ title, message, onRetry }: { title: string; message: string; onRetry: () => void }) {
  return (
    <main className="signin">
      <div className="state state-error" role="alert" data-testid="error-state">
        <strong>{title}</strong>
        <p>{message}</p>
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}

/** A sign-out the app started: in flight, failed, or done (`leaving`: the SDK is already taking the browser elsewhere). */
export type Ending =
  | { readonly reason: string | null; readonly status: "pending" }
  | { readonly reason: string | null; readonly status: "failed"; readonly problem: string }
  | { readonly reason: string | null; readonly status: "done"; readonly leaving: boolean };

/**
 * After a sign-out the reason stays on screen (the hosted sign-in page cannot show it) until the
 * user chooses to sign in again; a sign-out without a reason goes straight to the sign-in page.
 */
export function SignedOutScreen({ ending, onRetry }: { ending: Ending; onRetry: () => void }) {
  const [signingIn, setSigningIn] = useState(false);
  if (ending.status === "done" && !ending.leaving && (signingIn || ending.reason === null)) return <NavigateToSignIn />;
  return (
    <main className="signin" aria-labelledby="signed-out-title">
      <h1 id="signed-out-title">{ending.status === "done" ? "Signed out" : "Signing out"}</h1>
      {ending.reason && (
        <p className="notice" role="status" data-testid="signin-notice">
          {ending.reason}
        </p>
      )}
      {ending.status === "pending" && <p className="loading">Signing out…</p>}
      {ending.status === "failed" && (
        <div className="state state-error" role="alert" data-testid="error-state">
          <strong>Signing out did not finish</strong>
          <p>{ending.problem}</p>
          <button type="button" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {ending.status === "done" && !ending.leaving && (
        <button type="button" className="primary" onClick={() => setSigningIn(true)}>
          Sign in again
        </button>
      )}
    </main>
  );
}

/** The visible outcomes of an API call that did not succeed. */
import type { Failure } from "../api";

/** A 403: what the user can do about it when the app knows (`explanation`), else the server's message. */
export function NoAccess({ message, explanation }: { message: string; explanation: string | null }) {
  return (
    <div className="state state-no-access" role="alert" data-testid="no-access">
      <strong>No access</strong>
      <p data-testid="no-access-reason">{explanation ?? message}</p>
      {explanation && (
        <details className="muted">
          <summary>Server&apos;s answer</summary>
          <p data-testid="no-access-server-message">{message}</p>
        </details>
      )}
    </div>
  );
}

export function ErrorState({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <strong>Something went wrong</strong>
      <p>{message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading() {
  return <p className="loading">Loading…</p>;
}

/** One place that maps a failure to what the user sees; `signed-out` shows nothing (sign-in takes over). */
export function FailureView({ failure, onRetry }: { failure: Failure; onRetry?: () => void }) {
  switch (failure.kind) {
    case "forbidden":
      return <NoAccess message={failure.message} explanation={failure.explanation} />;
    case "not-found":
      return (
        <div className="state state-not-found" role="status" data-testid="not-found">
          <strong>Not found</strong>
          <p>It is not in the active workspace. The list has been refreshed.</p>
        </div>
      );
    case "error":
      return <ErrorState message={failure.message} onRetry={onRetry} />;
    case "signed-out":
      return null;
  }
}

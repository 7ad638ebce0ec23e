/** The visible outcomes of an API call that did not succeed. */
import type { Failure } from "../api";

export function NoAccess({ message }: { message: string }) {
  return (
    <div className="state state-no-access" role="alert" data-testid="no-access">
      <strong>No access</strong>
      <p>{message}</p>
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
      return <NoAccess message={failure.message} />;
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

/** The development sign-in: pick a persona of the local stack's dev identity provider. */
import { useState } from "react";
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from "./dev-token-source";
import type { Persona } from "./dev-idp";

export interface DevSignInProps {
  readonly personas: Persona[] | null;
  readonly problem: string | null;
  readonly notice: string | null;
  readonly onSignIn: (persona: Persona, lifetimeSeconds: number) => void;
}

export function DevSignIn({ personas, problem, notice, onSignIn }: DevSignInProps) {
  const [lifetime, setLifetime] = useState(String(DEFAULT_TOKEN_LIFETIME_SECONDS));
  const lifetimeSeconds = Number.parseInt(lifetime, 10);

  return (
    <main className="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      <p className="muted">
        Development sign-in: tokens come from the local stack's dev identity provider. In production this screen is
        Wacht's sign-in (see the README).
      </p>
      {notice && (
        <p className="notice" role="status" data-testid="signin-notice">
          {notice}
        </p>
      )}
      {problem && (
        <div className="state state-error" role="alert" data-testid="error-state">
          <strong>Cannot reach the dev identity provider</strong>
          <p>{problem}</p>
        </div>
      )}
      {!personas && !problem && <p className="loading">Loading personas…</p>}
      <div className="personas">
        {personas?.map((persona) => (
          <article className="card persona" key={persona.id} data-testid={`persona-${persona.id}`}>
            <h3>{persona.name}</h3>
            <div className="muted">{persona.email}</div>
            <ul>
              {persona.organizations.length === 0 && <li>no organization</li>}
              {persona.organizations.map((o) => (
                <li key={o.id}>
                  {o.name}: {o.permissions.join(", ")}
                  {o.workspaces.map((w) => (
                    <div key={w.id}>
                      {w.name}: {w.permissions.join(", ")}
                    </div>
                  ))}
                </li>
              ))}
            </ul>
            <button
              type="button"
              className="primary"
              disabled={!Number.isInteger(lifetimeSeconds)}
              onClick={() => onSignIn(persona, lifetimeSeconds)}
            >
              Sign in as {persona.name}
            </button>
          </article>
        ))}
      </div>
      <details>
        <summary>Developer options</summary>
        <label>
          Session token lifetime (seconds; negative mints already expired tokens)
          <input type="number" value={lifetime} onChange={(e) => setLifetime(e.target.value)} />
        </label>
      </details>
    </main>
  );
}

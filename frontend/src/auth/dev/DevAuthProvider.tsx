/**
 * The development token source as a React provider: the default in this app, so it runs
 * against `make dev` with no Wacht deployment. Swap it for `../wacht/WachtAuthProvider`
 * in production (README: "Use Wacht's SDK").
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { config } from "../../config";
import { AuthContext, type AuthSession } from "../session";
import { createDevIdp, type Persona } from "./dev-idp";
import { loadDevSession, saveDevSession } from "./dev-storage";
import { DevSignIn } from "./DevSignIn";
import { DevTokenSource } from "./dev-token-source";

export function DevAuthProvider({ children }: { children: ReactNode }) {
  const idp = useMemo(() => createDevIdp(config.devIdpUrl), []);
  const [personas, setPersonas] = useState<Persona[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [source, setSource] = useState<DevTokenSource | null>(null);

  useEffect(() => {
    let live = true;
    idp.personas().then(
      (list) => {
        if (!live) return;
        setPersonas(list);
        const stored = loadDevSession(window.sessionStorage);
        const persona = stored && list.find((p) => p.id === stored.personaId);
        if (stored && persona) {
          setSource(
            new DevTokenSource(idp, persona, { sessionId: stored.sessionId, lifetimeSeconds: stored.lifetimeSeconds }, stored.selection),
          );
        }
      },
      (error: unknown) => live && setProblem(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      live = false;
    };
  }, [idp]);

  useEffect(() => {
    if (!source) return;
    saveDevSession(window.sessionStorage, {
      personaId: source.persona.id,
      sessionId: source.options.sessionId,
      lifetimeSeconds: source.options.lifetimeSeconds,
      selection: source.selection,
    });
  }, [source]);

  const signIn = useCallback(
    (persona: Persona, lifetimeSeconds: number) => {
      setNotice(null);
      setSource(new DevTokenSource(idp, persona, { sessionId: newSessionId(), lifetimeSeconds }));
    },
    [idp],
  );

  const signOut = useCallback((reason?: string) => {
    saveDevSession(window.sessionStorage, null);
    setNotice(reason ?? null);
    setSource(null);
  }, []);

  const session = useMemo<AuthSession | null>(() => {
    if (!source) return null;
    return {
      user: { id: source.persona.user_id, name: source.persona.name },
      organizationId: source.selection.organizationId,
      workspaceId: source.selection.workspaceId,
      permissions: source.permissions,
      organizations: source.persona.organizations,
      getToken: (options) => source.getToken(options),
      signOut,
      switchOrganization: async (id) => setSource(source.withOrganization(id)),
      switchWorkspace: async (id) => setSource(source.withWorkspace(id)),
    };
  }, [source, signOut]);

  if (!session) return <DevSignIn personas={personas} problem={problem} notice={notice} onSignIn={signIn} />;
  return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
}

/** A stand-in session id (`sid`), like Wacht's decimal snowflakes. */
function newSessionId(): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `7217${random[0]}${random[1]}`.slice(0, 18);
}

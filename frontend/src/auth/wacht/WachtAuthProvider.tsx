/**
 * ─────────────────────────────────────────────────────────────────────────────────────────
 *  NOT PART OF THE DEFAULT BUILD.
 *  Wacht's React SDK (`@wacht/jsx`, `@wacht/types`) is not on the npm registry this project's
 *  CI can reach, so nothing imports this file until you opt in (README: "Use Wacht's SDK"):
 *  install the SDK, set VITE_WACHT_PUBLISHABLE_KEY, and import this provider in src/main.tsx
 *  instead of the dev one. `npm run typecheck:wacht` checks it against the SDK surface declared
 *  in sdk-surface.d.ts; `npm test` runs it against a stand-in for the SDK (src/testing/wacht-sdk-stand-in.tsx).
 * ─────────────────────────────────────────────────────────────────────────────────────────
 *
 * The production token source, set up as Wacht's guide for plain React does it: `DeploymentProvider`
 * from `@wacht/jsx` with `publicKey={import.meta.env.VITE_WACHT_PUBLISHABLE_KEY}` and a browser
 * navigation adapter (./navigation), signed-out users sent to the hosted sign-in page
 * (`NavigateToSignIn`), session tokens from `useSession().getToken()`.
 *
 * Where the SDK's own behaviour would hurt the app, this adapter steps in (each has a test):
 * - A failed token fetch stays in the SDK's in-flight map and answers every later `getToken()`
 *   with the same rejection, without a request. The adapter clears the SDK's token cache when a
 *   fetch fails (and rethrows), so "Try again" really fetches again.
 * - After a switch the SDK drops its loaded session and fetches it again; meanwhile
 *   `useSession()` is loading and `SignedIn` renders nothing. The adapter keeps the last known
 *   sign-in and claims across that reload, so a switch never unmounts the app.
 * - The app renders only once the first token's claims are known (a loading state before), so
 *   the tenancy it shows, and keys its screens by, is never a placeholder.
 * - Sign-out ends only this app's sign-in (`signOut(activeSignInId)`; `signOut()` would end every
 *   sign-in of the Wacht session), shows why, and a failed sign-out is shown with "Try again".
 */
import {
  clearTokenCache,
  DeploymentProvider,
  NavigateToSignIn,
  useOrganizationList,
  useSession,
  useWorkspaceList,
} from "@wacht/jsx";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { TokenOptions } from "../../api/client";
import { wachtPublishableKeyFrom } from "../../config";
import { unverifiedClaims, type UnverifiedClaims } from "../claims";
import { AuthContext, type AuthSession, type OrganizationChoice, type Tenant } from "../session";
import { browserNavigationAdapter, navigateInBrowser, type Navigate } from "./navigation";
import { SessionLoading, SessionProblem, SignedOutScreen, type Ending } from "./WachtScreens";

export interface WachtAuthProviderProps {
  readonly children: ReactNode;
  /** Defaults to VITE_WACHT_PUBLISHABLE_KEY; a missing or malformed key throws a message naming it. */
  readonly publishableKey?: string;
  /** How the SDK's hosted pages are reached: the browser's location by default. */
  readonly navigate?: Navigate;
}

export function WachtAuthProvider({ children, publishableKey, navigate = navigateInBrowser }: WachtAuthProviderProps) {
  const publicKey = publishableKey ?? wachtPublishableKeyFrom(import.meta.env);
  // Counts the SDK's navigations, so a sign-out after which the SDK itself leaves the page (to
  // the deployment's after-sign-out page) is not followed by a second navigation of ours.
  const navigations = useRef(0);
  const adapter = useMemo(
    () =>
      browserNavigationAdapter((url, options) => {
        navigations.current += 1;
        navigate(url, options);
      }),
    [navigate],
  );
  return (
    <DeploymentProvider publicKey={publicKey} adapter={adapter}>
      <WachtSession navigations={navigations}>{children}</WachtSession>
    </DeploymentProvider>
  );
}

type SdkSession = ReturnType<typeof useSession>;
type LoadedSdkSession = Extract<SdkSession, { loading: false }>;

/** What the app was last shown for a sign-in: kept while the SDK reloads the session. */
interface Known {
  readonly signInId: string;
  readonly userName: string;
  readonly claims: UnverifiedClaims;
}

function WachtSession({ children, navigations }: { children: ReactNode; navigations: { readonly current: number } }) {
  const sdk = useSession();
  const { organizations } = useOrganizationList();
  const { workspaces } = useWorkspaceList();
  // undefined: not known yet (the SDK is loading); null: nobody is signed in.
  const signInId = sdk.loading ? undefined : activeSignInId(sdk);

  // The SDK's functions as of its last loaded render. While it reloads the session they are gone
  // from useSession(), but the previous ones still work: they hold the session they were made with.
  const live = useRef<LoadedSdkSession | null>(null);
  useLayoutEffect(() => {
    if (!sdk.loading) live.current = activeSignInId(sdk) === null ? null : sdk;
  });

  const [known, setKnown] = useState<Known | null>(null);
  const [firstToken, setFirstToken] = useState<{ attempt: number; problem: string | null }>({ attempt: 0, problem: null });
  const [ending, setEnding] = useState<Ending | null>(null);
  // Bumped when a switch starts: a token fetched under the previous tenancy must not set the claims after it.
  const generation = useRef(0);

  const getToken = useCallback(async (options?: TokenOptions) => {
    const current = live.current;
    const signIn = current?.session.active_signin;
    if (!current || !signIn) return null;
    const asOf = generation.current;
    if (options?.skipCache) clearTokenCache();
    let token: string;
    try {
      token = await current.getToken();
    } catch (error) {
      // The SDK keeps a failed fetch as the answer to every later getToken() (its in-flight
      // entry is removed only after a success). Drop it, so the next call fetches again.
      clearTokenCache();
      throw error;
    }
    // The tenancy and permissions the server will see are the ones in the token: read them
    // (unverified: for display, `has` checks and keying the screens only).
    const claims = unverifiedClaims(token);
    if (claims && asOf === generation.current) {
      const next: Known = { signInId: signIn.id, userName: nameOf(signIn.user), claims };
      setKnown((previous) => (previous && sameKnown(previous, next) ? previous : next));
    }
    return token;
  }, []);

  const switchTenancy = useCallback(
    async (change: (sdk: LoadedSdkSession) => Promise<void>) => {
      const current = live.current;
      if (!current) throw new Error("Not signed in.");
      generation.current += 1;
      await change(current);
      // The SDK dropped its token cache: the next token carries the new tenancy, and its claims
      // are what the header, the `has` checks and the screens' key show.
      await getToken();
    },
    [getToken],
  );

  const signOut = useCallback(
    (reason?: string) => {
      const current = live.current;
      const ended = { reason: reason ?? null };
      const signIn = current?.session.active_signin;
      if (!current || !signIn) {
        setEnding({ ...ended, status: "done", leaving: false });
        return;
      }
      setEnding({ ...ended, status: "pending" });
      const navigationsBefore = navigations.current;
      // This sign-in only: without an id the SDK ends every sign-in of the Wacht session.
      current.signOut(signIn.id).then(
        () => setEnding({ ...ended, status: "done", leaving: navigations.current !== navigationsBefore }),
        (error: unknown) => setEnding({ ...ended, status: "failed", problem: messageOf(error) }),
      );
    },
    [navigations],
  );

  // The first token of a sign-in: the app renders once its claims are known.
  const needsFirstToken = typeof signInId === "string" && known?.signInId !== signInId && ending === null;
  useEffect(() => {
    if (!needsFirstToken) return;
    let current = true;
    getToken().catch((error: unknown) => {
      if (current) setFirstToken((state) => ({ ...state, problem: messageOf(error) }));
    });
    return () => {
      current = false;
    };
  }, [needsFirstToken, signInId, firstToken.attempt, getToken]);

  // Signed out (here or elsewhere): forget the sign-in, so the next one starts from its own first token.
  useEffect(() => {
    if (signInId === null) setKnown(null);
  }, [signInId]);

  const choices = useMemo<OrganizationChoice[]>(
    () => organizationChoices(organizations ?? [], workspaces ?? []),
    [organizations, workspaces],
  );

  const session = useMemo<AuthSession | null>(() => {
    if (!known) return null;
    return {
      user: { id: known.claims.sub ?? "", name: known.userName },
      organizationId: known.claims.organization,
      workspaceId: known.claims.workspace,
      permissions: known.claims.permissions,
      organizations: choices,
      getToken,
      signOut,
      switchOrganization: (id) => switchTenancy((sdk) => sdk.switchOrganization(id)),
      switchWorkspace: (id) => switchTenancy((sdk) => sdk.switchWorkspace(id)),
    };
  }, [known, choices, getToken, signOut, switchTenancy]);

  if (ending) return <SignedOutScreen ending={ending} onRetry={() => signOut(ending.reason ?? undefined)} />;
  if (signInId === undefined) {
    // The SDK is (re)loading the session: after a switch, keep showing the app as it was.
    if (session) return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
    if (sdk.error) {
      return <SessionProblem title="Cannot load your session" message={sdk.error.message} onRetry={() => void sdk.refetch()} />;
    }
    return <SessionLoading />;
  }
  if (signInId === null) return <NavigateToSignIn />;
  if (!session || known?.signInId !== signInId) {
    if (firstToken.problem === null) return <SessionLoading />;
    return (
      <SessionProblem
        title="Cannot get a session token"
        message={firstToken.problem}
        onRetry={() => setFirstToken((state) => ({ attempt: state.attempt + 1, problem: null }))}
      />
    );
  }
  return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
}

/** The active sign-in's id, or null when signed out (the rule of the SDK's `SignedIn`). */
function activeSignInId(sdk: LoadedSdkSession): string | null {
  const { session } = sdk;
  return session.signins?.length && session.active_signin ? session.active_signin.id : null;
}

function sameKnown(a: Known, b: Known): boolean {
  const same = (x: readonly string[], y: readonly string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    a.signInId === b.signInId &&
    a.userName === b.userName &&
    a.claims.sub === b.claims.sub &&
    a.claims.organization === b.claims.organization &&
    a.claims.workspace === b.claims.workspace &&
    same(a.claims.permissions.organization, b.claims.permissions.organization) &&
    same(a.claims.permissions.workspace, b.claims.permissions.workspace)
  );
}

function nameOf(user: { first_name?: string; last_name?: string } | undefined): string {
  return [user?.first_name, user?.last_name].filter(Boolean).join(" ");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function organizationChoices(
  organizations: readonly Tenant[],
  workspaces: readonly (Tenant & { readonly organization: { readonly id: string } })[],
): OrganizationChoice[] {
  return organizations.map((organization) => ({
    id: organization.id,
    name: organization.name,
    workspaces: workspaces
      .filter((workspace) => workspace.organization.id === organization.id)
      .map((workspace) => ({ id: workspace.id, name: workspace.name })),
  }));
}

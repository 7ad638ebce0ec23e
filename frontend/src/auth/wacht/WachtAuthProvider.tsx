/**
 * ─────────────────────────────────────────────────────────────────────────────────────────
 *  NOT PART OF THE DEFAULT BUILD.
 *  Wacht's React SDK (`@wacht/react-router`, `@wacht/jsx`, `@wacht/types`) is not on the npm
 *  registry this project's CI can reach, so nothing imports this file until you opt in
 *  (README: "Use Wacht's SDK"): install the SDK, set VITE_WACHT_PUBLISHABLE_KEY, and import
 *  this provider in src/main.tsx instead of the dev one. `npm run typecheck:wacht` checks it
 *  against the SDK surface declared in sdk-surface.d.ts.
 * ─────────────────────────────────────────────────────────────────────────────────────────
 *
 * The production token source, set up as Wacht's React Router guide does it:
 * `<DeploymentProvider publicKey={import.meta.env.VITE_WACHT_PUBLISHABLE_KEY}>`, signed-out
 * users sent to the hosted sign-in page (`<SignedOut><NavigateToSignIn /></SignedOut>`), and
 * session tokens from `useSession().getToken()`, which caches a token until it expires.
 * `clearTokenCache()` is how the SDK itself drops that cache when the tenancy switches; the
 * 401 retry uses it too, so the retry really carries a new token.
 */
import { clearTokenCache } from "@wacht/jsx";
import {
  DeploymentProvider,
  NavigateToSignIn,
  SignedIn,
  SignedOut,
  useOrganizationList,
  useSession,
  useWorkspaceList,
} from "@wacht/react-router";
import type { Organization, WorkspaceWithOrganization } from "@wacht/types";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import type { TokenOptions } from "../../api/client";
import { wachtPublishableKeyFrom } from "../../config";
import { unverifiedClaims, type UnverifiedClaims } from "../claims";
import { NO_PERMISSIONS } from "../permissions";
import { AuthContext, type AuthSession, type OrganizationChoice } from "../session";

export function WachtAuthProvider({ children }: { children: ReactNode }) {
  // Throws a message naming VITE_WACHT_PUBLISHABLE_KEY when it is missing or not a pk_ key.
  const publishableKey = wachtPublishableKeyFrom(import.meta.env);
  return (
    <DeploymentProvider publicKey={publishableKey}>
      <SignedIn>
        <WachtSession>{children}</WachtSession>
      </SignedIn>
      <SignedOut>
        <NavigateToSignIn />
      </SignedOut>
    </DeploymentProvider>
  );
}

function WachtSession({ children }: { children: ReactNode }) {
  const sdk = useSession();
  const { organizations } = useOrganizationList();
  const { workspaces } = useWorkspaceList();
  // The tenancy and permissions the server will see are the ones in the token; read them
  // (unverified, for display and `has` checks only) from the latest token we obtained.
  const [claims, setClaims] = useState<UnverifiedClaims | null>(null);

  const getToken = useCallback(
    async (options?: TokenOptions) => {
      if (sdk.loading) return null;
      if (options?.skipCache) clearTokenCache();
      const token = await sdk.getToken();
      setClaims(unverifiedClaims(token));
      return token;
    },
    [sdk.loading, sdk.getToken],
  );

  useEffect(() => {
    void getToken().catch(() => undefined);
  }, [getToken, sdk.session]);

  const choices = useMemo<OrganizationChoice[]>(
    () => organizationChoices(organizations ?? [], workspaces ?? []),
    [organizations, workspaces],
  );

  const session = useMemo<AuthSession | null>(() => {
    if (sdk.loading) return null;
    const user = sdk.session.active_signin?.user;
    return {
      user: { id: claims?.sub ?? user?.id ?? "", name: [user?.first_name, user?.last_name].filter(Boolean).join(" ") },
      organizationId: claims?.organization ?? null,
      workspaceId: claims?.workspace ?? null,
      permissions: claims?.permissions ?? NO_PERMISSIONS,
      organizations: choices,
      getToken,
      signOut: () => void sdk.signOut(),
      // The SDK clears its token cache on both switches; fetch the next token right away
      // so the header and the `has` checks show the new tenancy.
      switchOrganization: async (id) => {
        await sdk.switchOrganization(id);
        await getToken();
      },
      switchWorkspace: async (id) => {
        await sdk.switchWorkspace(id);
        await getToken();
      },
    };
  }, [sdk, claims, choices, getToken]);

  if (!session) return null;
  return <AuthContext.Provider value={session}>{children}</AuthContext.Provider>;
}

function organizationChoices(organizations: Organization[], workspaces: WorkspaceWithOrganization[]): OrganizationChoice[] {
  return organizations.map((organization) => ({
    id: organization.id,
    name: organization.name,
    workspaces: workspaces
      .filter((workspace) => workspace.organization.id === organization.id)
      .map((workspace) => ({ id: workspace.id, name: workspace.name })),
  }));
}

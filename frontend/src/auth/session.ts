/**
 * The token-source abstraction the app is written against. Two implementations provide it:
 * the dev sign-in (`dev/DevAuthProvider`) and Wacht's React SDK (`wacht/WachtAuthProvider`).
 * Components read it with `useAuth()` and never know which one is mounted.
 */
import { createContext, useContext } from "react";
import type { GetToken } from "../api/client";
import type { Permissions } from "./permissions";

export interface Tenant {
  readonly id: string;
  readonly name: string;
}

export interface OrganizationChoice extends Tenant {
  readonly workspaces: readonly Tenant[];
}

export interface AuthSession {
  readonly user: { readonly id: string; readonly name: string };
  /**
   * The tenancy the server sees in this session's tokens (null: none active). Never a placeholder:
   * a provider renders its children only once it is known, and keeps it until a switch has a new one.
   */
  readonly organizationId: string | null;
  readonly workspaceId: string | null;
  /** The active tenancy's permissions, for `has` checks that hide buttons. */
  readonly permissions: Permissions;
  readonly organizations: readonly OrganizationChoice[];
  /** Like the SDK's `getToken`: cached until expiry; `{skipCache: true}` forces a new one. */
  readonly getToken: GetToken;
  /** Ends the session; `reason` is shown on the sign-in screen. */
  signOut(reason?: string): void;
  /** Switching drops the cached token, so the next request carries the new ids; a failed switch rejects. */
  switchOrganization(organizationId: string): Promise<void>;
  switchWorkspace(workspaceId: string): Promise<void>;
}

export const AuthContext = createContext<AuthSession | null>(null);

export function useAuth(): AuthSession {
  const session = useContext(AuthContext);
  if (!session) throw new Error("useAuth() needs a signed-in auth provider above it");
  return session;
}

/**
 * The part of Wacht's React SDK that WachtAuthProvider uses, transcribed from the SDK's source
 * (github.com/wacht-platform/react-sdk at 4df7f40: react-router/lib/index.ts and providers.tsx,
 * jsx/lib/hooks/use-session.ts, use-organization.ts, use-workspace.ts, components/control,
 * wacht-types/src/session.ts, organization.ts, user.ts), i.e. @wacht/react-router 1.0.0-beta.35,
 * @wacht/jsx 1.0.0-beta.61, @wacht/types 1.0.0-beta.41. Only `npm run typecheck:wacht` reads it,
 * while the npm registry does not serve those packages; once they install, delete this file and
 * `npm run typecheck:wacht` checks the adapter against the packages' own types.
 */

declare module "@wacht/types" {
  export interface CurrentUser {
    id: string;
    first_name: string;
    last_name: string;
    username: string;
  }
  export interface SignIn {
    id: string;
    user_id: string;
    active_organization_membership_id: string;
    active_workspace_membership_id: string;
    user: CurrentUser;
  }
  export interface Session {
    id: string;
    active_signin: SignIn | null;
    signins?: SignIn[];
  }
  export interface Organization {
    id: string;
    name: string;
  }
  export interface Workspace {
    id: string;
    name: string;
  }
  export interface WorkspaceWithOrganization extends Workspace {
    organization: Organization;
  }
  /** Opaque here: the adapter passes none. */
  export interface DeploymentUISettings {
    app_name?: string;
  }
}

declare module "@wacht/react-router" {
  import type { ReactNode } from "react";
  import type { DeploymentUISettings, Organization, Session, WorkspaceWithOrganization } from "@wacht/types";

  /** The React Router flavour of the provider: wires the SDK's navigation to react-router's `useNavigate`. */
  export function DeploymentProvider(props: {
    children: ReactNode;
    publicKey: string;
    uiOverrides?: Partial<DeploymentUISettings>;
  }): ReactNode;
  export function SignedIn(props: { children: ReactNode }): ReactNode;
  export function SignedOut(props: { children: ReactNode }): ReactNode;
  /** Sends the browser to the deployment's hosted sign-in page on mount. */
  export function NavigateToSignIn(): ReactNode;

  export function useSession():
    | {
        loading: true;
        error: Error | null;
        session: never;
        getToken: never;
        signOut: never;
        switchSignIn: never;
        switchOrganization: never;
        switchWorkspace: never;
        exchangeTicket: never;
        refetch: () => Promise<void>;
      }
    | {
        loading: false;
        error: Error | null;
        session: Session;
        /** A session JWT, cached in memory until it expires (per template; `default` when none given). */
        getToken: (template?: string) => Promise<string>;
        signOut: (signInId?: string) => Promise<void>;
        switchSignIn: (signInId: string) => Promise<void>;
        /** Both switches clear the token cache, so the next token carries the new ids. */
        switchOrganization: (organizationId?: string) => Promise<void>;
        switchWorkspace: (workspaceId: string) => Promise<void>;
        exchangeTicket: (ticket: string) => Promise<void>;
        refetch: () => Promise<void>;
      };

  export function useOrganizationList(): { organizations: Organization[] | undefined; loading: boolean };
  export function useWorkspaceList(): { workspaces: WorkspaceWithOrganization[]; loading: boolean };
}

declare module "@wacht/jsx" {
  /**
   * Drops every cached session token. Exported by @wacht/jsx (a peer dependency of
   * @wacht/react-router, installed beside it as the SDK's README says), not re-exported by
   * @wacht/react-router; the 401 retry needs it to get a token the server has not seen.
   */
  export function clearTokenCache(): void;
}

/**
 * The part of Wacht's React SDK that WachtAuthProvider uses, transcribed from the SDK's source
 * (github.com/wacht-platform/react-sdk at 4df7f40: jsx/lib/context/deployment-provider.tsx,
 * types/platform-adapter.ts, hooks/use-session.ts, use-organization.ts, use-workspace.ts,
 * components/control, wacht-types/src/session.ts, organization.ts, user.ts), i.e. @wacht/jsx
 * 1.0.0-beta.61 and @wacht/types 1.0.0-beta.41. Only `npm run typecheck:wacht` reads it, while the
 * npm registry does not serve those packages; once they install, delete this file and
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

declare module "@wacht/jsx" {
  import type { ReactNode } from "react";
  import type { DeploymentUISettings, Organization, Session, WorkspaceWithOrganization } from "@wacht/types";

  export interface NavigateOptions {
    replace?: boolean;
    state?: any;
  }
  /** The SDK's one seam to the app's routing: it calls `useNavigate()` as a hook and navigates with the result. */
  export interface PlatformAdapter {
    useNavigate(): ((to: string, options?: NavigateOptions) => void) | null;
  }

  /** Loads the deployment named by `publicKey`; `adapter` is required (the router packages pass their own). */
  export function DeploymentProvider(props: {
    children: ReactNode;
    publicKey: string;
    adapter: PlatformAdapter;
    uiOverrides?: Partial<DeploymentUISettings>;
  }): ReactNode;
  /** Renders nothing while the session loads, or has no active sign-in. */
  export function SignedIn(props: { children: ReactNode }): ReactNode;
  export function SignedOut(props: { children: ReactNode }): ReactNode;
  /** Sends the browser to the deployment's hosted sign-in page on mount (`replace`, with `redirect_uri`). */
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
        /**
         * A session JWT, cached in memory until it expires (per template; `default` when none given).
         * Concurrent callers share one fetch; a fetch that fails stays shared, so every later call
         * rejects with it, without a request, until `clearTokenCache()`.
         */
        getToken: (template?: string) => Promise<string>;
        /** With an id: ends that sign-in only. Without: ends every sign-in of the session. */
        signOut: (signInId?: string) => Promise<void>;
        switchSignIn: (signInId: string) => Promise<void>;
        /**
         * Both switches clear the token cache, so the next token carries the new ids, then drop the
         * loaded session and fetch it again: until it lands, `useSession()` is `{loading: true}`.
         */
        switchOrganization: (organizationId?: string) => Promise<void>;
        switchWorkspace: (workspaceId: string) => Promise<void>;
        exchangeTicket: (ticket: string) => Promise<void>;
        refetch: () => Promise<void>;
      };

  export function useOrganizationList(): { organizations: Organization[] | undefined; loading: boolean };
  export function useWorkspaceList(): { workspaces: WorkspaceWithOrganization[]; loading: boolean };

  /** Drops every cached session token and every in-flight token fetch (undocumented, exported). */
  export function clearTokenCache(): void;
}

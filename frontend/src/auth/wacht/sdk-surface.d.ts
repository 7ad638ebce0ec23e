/**
 * The part of `@wacht/jsx` that WachtAuthProvider uses, transcribed from the SDK's source
 * (wacht-platform/react-sdk: jsx/lib/hooks/use-session.ts, use-organization.ts,
 * use-workspace.ts, components/control, context). Used only by `npm run typecheck:wacht`
 * while the real package cannot be installed; once it is, delete this file and
 * tsconfig.wacht.json and let the real types check the adapter.
 */
declare module "@wacht/jsx" {
  import type { ReactNode } from "react";

  export function DeploymentProvider(props: { children: ReactNode; publicKey: string }): ReactNode;
  export function SignedIn(props: { children: ReactNode }): ReactNode;
  export function SignedOut(props: { children: ReactNode }): ReactNode;
  export function SignInForm(): ReactNode;

  export function clearTokenCache(): void;

  interface SignIn {
    id: string;
    user_id: string;
    user: { id: string; first_name: string; last_name: string };
  }
  interface Session {
    id: string;
    active_signin: SignIn | null;
    signins?: SignIn[];
  }

  export function useSession():
    | { loading: true; session: never; getToken: never; signOut: never; switchOrganization: never; switchWorkspace: never }
    | {
        loading: false;
        session: Session;
        getToken: (template?: string) => Promise<string>;
        signOut: (signInId?: string) => Promise<void>;
        switchOrganization: (organizationId?: string) => Promise<void>;
        switchWorkspace: (workspaceId: string) => Promise<void>;
      };

  interface Organization {
    id: string;
    name: string;
  }
  interface WorkspaceWithOrganization {
    id: string;
    name: string;
    organization: Organization;
  }

  export function useOrganizationList(): { organizations: Organization[] | undefined; loading: boolean };
  export function useWorkspaceList(): { workspaces: WorkspaceWithOrganization[]; loading: boolean };
}

/**
 * A stand-in for the part of Wacht's `@wacht/jsx` that WachtAuthProvider uses, for tests only:
 * Vitest resolves `@wacht/jsx` to this file (vite.config.ts), because the SDK is not on the npm
 * registry CI reaches. It talks HTTP to a frontend API (./wacht-frontend-api in tests).
 *
 * Written from the SDK's source (react-sdk 4df7f40: jsx/lib/hooks/use-session.ts, use-client.ts,
 * use-navigation.ts, use-organization.ts, use-workspace.ts, context/deployment-provider.tsx,
 * components/control) and docs as facts, not from its code. Where it matters it behaves the same:
 * - Tokens: one module-wide cache per template, used until `expires`; concurrent callers share one
 *   in-flight fetch, whose entry is removed only once it succeeded, so a failed fetch stays and
 *   answers every later `getToken()` with the same rejection, without a request, until
 *   `clearTokenCache()` (which the SDK exports and calls itself on every session change).
 * - The session is loaded from GET /session once the deployment is. `switchOrganization`,
 *   `switchWorkspace` and `signOut` POST, clear the token cache, then drop the loaded session and
 *   fetch it again (SWR's `mutate(undefined, {revalidate: true})`): until that fetch lands
 *   `useSession()` is `{loading: true}` and `SignedIn` renders nothing. A failed POST rejects first.
 * - `getToken` is made per loaded session and throws "no session" when made without one.
 * - `SignedIn`: a loaded session with sign-ins and an active one.
 * - `NavigateToSignIn` sends the browser, through the adapter's `useNavigate()` (else
 *   `window.location.href`), to the deployment's sign-in page with `redirect_uri`, replacing history.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from "react";

export interface NavigateOptions {
  replace?: boolean;
  state?: unknown;
}
export interface PlatformAdapter {
  useNavigate(): ((to: string, options?: NavigateOptions) => void) | null;
}

interface User {
  id: string;
  first_name: string;
  last_name: string;
}
interface SignIn {
  id: string;
  user: User;
}
interface Session {
  id: string;
  active_signin: SignIn | null;
  signins?: SignIn[];
}
interface Deployment {
  ui_settings: { sign_in_page_url: string };
}
interface Tenant {
  id: string;
  name: string;
}

type Client = (path: string, init?: RequestInit) => Promise<Response>;

/** One SWR-like cached resource: data, error, whether a fetch is in flight. */
interface Snapshot<T> {
  readonly data: T | undefined;
  readonly error: Error | null;
  readonly validating: boolean;
}

class Resource<T> {
  private snapshot: Snapshot<T> = { data: undefined, error: null, validating: false };
  private readonly listeners = new Set<() => void>();
  private latest = 0;

  constructor(private readonly fetcher: () => Promise<T>) {}

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  readonly read = () => this.snapshot;

  /** Fetches again; only the latest fetch's answer is kept. */
  async revalidate(): Promise<void> {
    const ticket = ++this.latest;
    this.set({ ...this.snapshot, validating: true });
    try {
      const data = await this.fetcher();
      if (ticket === this.latest) this.set({ data, error: null, validating: false });
    } catch (error) {
      if (ticket === this.latest) this.set({ ...this.snapshot, error: error as Error, validating: false });
    }
  }

  /** `mutate(undefined, {revalidate: true})`: the data is gone until the new fetch lands. */
  async unloadAndRevalidate(): Promise<void> {
    this.set({ ...this.snapshot, data: undefined });
    await this.revalidate();
  }

  private set(next: Snapshot<T>) {
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }
}

interface DeploymentContextValue {
  readonly loading: boolean;
  readonly deployment: Deployment | null;
  readonly adapter: PlatformAdapter;
  readonly client: Client;
  readonly session: Resource<Session>;
  readonly organizationMemberships: Resource<{ organization: Tenant }[]>;
  readonly workspaceMemberships: Resource<{ workspace: Tenant; organization: Tenant }[]>;
}

const DeploymentContext = createContext<DeploymentContextValue | null>(null);

/** Wacht's answers are `{"data": ...}`; errors `{"errors": [{"message"}]}` become a thrown Error. */
async function dataOf<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message?: string }[] } | null;
  if (!response.ok) throw new Error(body?.errors?.[0]?.message ?? `HTTP ${response.status}: ${response.statusText}`);
  return body?.data as T;
}

export function DeploymentProvider({
  children,
  publicKey,
  adapter,
}: {
  children: ReactNode;
  publicKey: string;
  adapter: PlatformAdapter;
}) {
  const [deployment, setDeployment] = useState<Deployment | null>(null);
  const [loading, setLoading] = useState(true);
  const baseUrl = atob(publicKey.split("_")[2] ?? "");

  const resources = useMemo(() => {
    const client: Client = (path, init) => fetch(`${baseUrl}${path}`, { credentials: "include", ...init });
    return {
      client,
      session: new Resource(async () => dataOf<Session>(await client("/session"))),
      organizationMemberships: new Resource(async () => dataOf<{ organization: Tenant }[]>(await client("/me/organization-memberships"))),
      workspaceMemberships: new Resource(async () =>
        dataOf<{ workspace: Tenant; organization: Tenant }[]>(await client("/me/workspace-memberships")),
      ),
    };
  }, [baseUrl]);

  useEffect(() => {
    let live = true;
    fetch(`${baseUrl}/deployment`, { credentials: "include" })
      .then((response) => dataOf<Deployment>(response))
      .then(
        (loaded) => {
          if (!live) return;
          setDeployment(loaded);
          setLoading(false);
          void resources.session.revalidate();
          void resources.organizationMemberships.revalidate();
          void resources.workspaceMemberships.revalidate();
        },
        () => live && setLoading(false),
      );
    return () => {
      live = false;
    };
  }, [baseUrl, resources]);

  const value = useMemo(() => ({ loading, deployment, adapter, ...resources }), [loading, deployment, adapter, resources]);
  return <DeploymentContext.Provider value={value}>{children}</DeploymentContext.Provider>;
}

function useDeployment(): DeploymentContextValue {
  const context = useContext(DeploymentContext);
  if (!context) throw new Error("useDeployment must be used within a DeploymentProvider");
  return context;
}

function useResource<T>(resource: Resource<T>): Snapshot<T> {
  return useSyncExternalStore(resource.subscribe, resource.read);
}

const tokens = new Map<string, { token: string; expires: number }>();
const inFlight = new Map<string, Promise<{ token: string; expires: number }>>();

export function clearTokenCache(): void {
  tokens.clear();
  inFlight.clear();
}

type Loading = { loading: true; error: Error | null; refetch: () => Promise<void> } & Record<
  "session" | "getToken" | "signOut" | "switchOrganization" | "switchWorkspace",
  never
>;
type Loaded = {
  loading: false;
  error: Error | null;
  session: Session;
  getToken: (template?: string) => Promise<string>;
  signOut: (signInId?: string) => Promise<void>;
  switchOrganization: (organizationId?: string) => Promise<void>;
  switchWorkspace: (workspaceId: string) => Promise<void>;
  refetch: () => Promise<void>;
};

export function useSession(): Loading | Loaded {
  const { loading, client, session: resource } = useDeployment();
  const { data: session, error } = useResource(resource);
  const refetch = useCallback(() => resource.unloadAndRevalidate(), [resource]);

  const getToken = useCallback(
    async (template = "default") => {
      if (!session) throw new Error("no session");
      const cached = tokens.get(template);
      if (cached && cached.expires > Date.now()) return cached.token;
      if (!inFlight.has(template)) {
        inFlight.set(template, client(`/session/token?template=${template}`).then(dataOf<{ token: string; expires: number }>));
      }
      const fetched = await inFlight.get(template)!;
      // Reached only when the fetch succeeded: a rejection above leaves the entry in the map.
      inFlight.delete(template);
      tokens.set(template, fetched);
      return fetched.token;
    },
    [client, session?.active_signin],
  );

  if (loading || !session) {
    return { loading: true, error, refetch } as Loading;
  }

  /** A session change, as the SDK makes it: the call, then an empty token cache, then the reload. */
  const change = (path: string) => async () => {
    await dataOf(await client(path, { method: "POST" }));
    clearTokenCache();
    await resource.unloadAndRevalidate();
  };

  return {
    loading: false,
    error,
    session,
    getToken,
    signOut: (signInId) => change(signInId ? `/session/sign-out?sign_in_id=${signInId}` : "/session/sign-out")(),
    switchOrganization: (organizationId) =>
      change(`/session/switch-organization${organizationId ? `?organization_id=${organizationId}` : ""}`)(),
    switchWorkspace: (workspaceId) => change(`/session/switch-workspace?workspace_id=${workspaceId}`)(),
    refetch,
  };
}

function isSignedIn(session: Session): boolean {
  return Boolean(session.signins?.length && session.active_signin);
}

export function SignedIn({ children }: { children: ReactNode }) {
  const sdk = useSession();
  if (sdk.loading || !isSignedIn(sdk.session)) return null;
  return <>{children}</>;
}

export function NavigateToSignIn() {
  const { deployment, adapter } = useDeployment();
  const navigate = adapter.useNavigate();
  useEffect(() => {
    if (!deployment) return;
    const to = `${deployment.ui_settings.sign_in_page_url}?${new URLSearchParams({ redirect_uri: window.location.href })}`;
    if (navigate) navigate(to, { replace: true });
    else window.location.href = to;
  }, [deployment, navigate]);
  return null;
}

export function useOrganizationList(): { organizations: Tenant[] | undefined; loading: boolean } {
  const { data, validating } = useResource(useDeployment().organizationMemberships);
  const organizations = useMemo(() => data?.map((m) => m.organization), [data]);
  return { organizations, loading: validating && data === undefined };
}

export function useWorkspaceList(): { workspaces: (Tenant & { organization: Tenant })[]; loading: boolean } {
  const { data, validating } = useResource(useDeployment().workspaceMemberships);
  const workspaces = useMemo(() => (data ?? []).map((m) => ({ ...m.workspace, organization: m.organization })), [data]);
  return { workspaces, loading: validating && data === undefined };
}

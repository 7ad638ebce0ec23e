/**
 * A stand-in for a Wacht deployment's frontend API on 127.0.0.1, for the Wacht adapter's tests:
 * the routes `@wacht/jsx` calls (GET /deployment, GET /session, GET /session/token, POST
 * /session/switch-organization | switch-workspace | sign-out, GET /me/organization-memberships,
 * /me/workspace-memberships), answering `{"data": ...}` as Wacht does, or `{"errors": [{message}]}`.
 *
 * Server-side facts it keeps (Wacht's frontend-api, handler/session): `sign-out?sign_in_id=X` deletes
 * that sign-in and leaves none active, the others stay; `sign-out` without it deletes them all.
 * Tests script failures (`failNext`) and hold answers (`holdNext`) to look at the app in between.
 */
import { serve } from "./http-server";
import { fakeJwt } from "./jwt";

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly permissions: readonly string[];
}
export interface OrganizationSeed extends Tenant {
  readonly workspaces: readonly Tenant[];
}
export interface SignInSeed {
  readonly id: string;
  readonly user: { readonly id: string; readonly first_name: string; readonly last_name: string };
  readonly organizations: readonly OrganizationSeed[];
}

interface SignInState extends SignInSeed {
  organizationId: string | null;
  workspaceId: string | null;
}

export interface FrontendApi {
  readonly url: string;
  /** `pk_live_` + base64 of the URL, as Wacht's publishable keys are made. */
  readonly publishableKey: string;
  /** Every request, as `METHOD /path?query`, in arrival order. */
  readonly received: string[];
  /** The ids of the session's sign-ins, and the active one. */
  signIns(): { readonly ids: readonly string[]; readonly active: string | null };
  /** The next request to `path` (no query) is answered `status` with Wacht's error body. */
  failNext(path: string, status: number, message?: string): void;
  /** The next request to `path` waits until the returned function is called. */
  holdNext(path: string): () => void;
  close(): Promise<void>;
}

export const SIGN_IN_PAGE = "https://accounts.example.test/sign-in";

export async function startFrontendApi(signIns: readonly SignInSeed[]): Promise<FrontendApi> {
  const state: SignInState[] = signIns.map((seed) => ({
    ...seed,
    organizationId: seed.organizations[0]?.id ?? null,
    workspaceId: seed.organizations[0]?.workspaces[0]?.id ?? null,
  }));
  let activeId: string | null = state[0]?.id ?? null;
  const failures = new Map<string, { status: number; message: string }[]>();
  const holds = new Map<string, Promise<void>[]>();
  let url = "";

  const active = () => state.find((signIn) => signIn.id === activeId) ?? null;
  const sessionJson = () => {
    const signIn = active();
    const view = (s: SignInState) => ({ id: s.id, user_id: s.user.id, user: { ...s.user, username: s.user.first_name.toLowerCase() } });
    return { id: "72170182881052690", active_signin: signIn && view(signIn), signins: state.map(view) };
  };

  function token(signIn: SignInState, nowSeconds: number): string {
    const organization = signIn.organizations.find((o) => o.id === signIn.organizationId);
    const workspace = organization?.workspaces.find((w) => w.id === signIn.workspaceId);
    return fakeJwt({
      iss: url,
      sub: signIn.user.id,
      sid: "72170182881052690",
      iat: nowSeconds,
      exp: nowSeconds + 60,
      ...(organization && { organization: organization.id }),
      ...(workspace && { workspace: workspace.id }),
      permissions: { organization: organization?.permissions ?? [], workspace: workspace?.permissions ?? [] },
    });
  }

  function answer(method: string, path: string, query: URLSearchParams): { status: number; body: unknown } {
    const signIn = active();
    const ok = (data: unknown) => ({ status: 200, body: { data } });
    const refused = (status: number, message: string) => ({ status, body: { errors: [{ message, code: status }] } });
    if (method === "GET" && path === "/deployment") {
      return ok({
        id: "1",
        mode: "production",
        backend_host: url,
        frontend_host: "accounts.example.test",
        ui_settings: { sign_in_page_url: SIGN_IN_PAGE, after_sign_out_one_page_url: "", after_sign_out_all_page_url: "" },
        b2b_settings: { organizations_enabled: true, workspaces_enabled: true },
        auth_settings: {},
      });
    }
    if (method === "GET" && path === "/session") return ok(sessionJson());
    if (method === "GET" && path === "/session/token") {
      if (!signIn) return refused(401, "No active sign in");
      const now = Math.floor(Date.now() / 1000);
      return ok({ token: token(signIn, now), expires: (now + 60) * 1000 });
    }
    if (method === "POST" && path === "/session/switch-organization") {
      if (!signIn) return refused(400, "No active sign in");
      const organization = signIn.organizations.find((o) => o.id === query.get("organization_id"));
      if (!organization) return refused(400, "Organization not found");
      signIn.organizationId = organization.id;
      signIn.workspaceId = null;
      return ok(sessionJson());
    }
    if (method === "POST" && path === "/session/switch-workspace") {
      if (!signIn) return refused(400, "No active sign in");
      const organization = signIn.organizations.find((o) => o.workspaces.some((w) => w.id === query.get("workspace_id")));
      if (!organization) return refused(400, "Workspace not found");
      signIn.organizationId = organization.id;
      signIn.workspaceId = query.get("workspace_id");
      return ok(sessionJson());
    }
    if (method === "POST" && path === "/session/sign-out") {
      const id = query.get("sign_in_id");
      if (id !== null) {
        const index = state.findIndex((s) => s.id === id);
        if (index < 0) return refused(400, "Sign in not found");
        state.splice(index, 1);
      } else {
        state.splice(0, state.length);
      }
      activeId = null;
      return ok(sessionJson());
    }
    if (method === "GET" && path === "/me/organization-memberships") {
      return ok((signIn?.organizations ?? []).map((o) => ({ id: `m-${o.id}`, organization: { id: o.id, name: o.name } })));
    }
    if (method === "GET" && path === "/me/workspace-memberships") {
      return ok(
        (signIn?.organizations ?? []).flatMap((o) =>
          o.workspaces.map((w) => ({ id: `m-${w.id}`, workspace: { id: w.id, name: w.name }, organization: { id: o.id, name: o.name } })),
        ),
      );
    }
    return refused(404, "Not found");
  }

  const server = await serve(async (request) => {
    const target = new URL(request.path, "http://127.0.0.1");
    await holds.get(target.pathname)?.shift();
    const failure = failures.get(target.pathname)?.shift();
    const { status, body } = failure
      ? { status: failure.status, body: { errors: [{ message: failure.message, code: failure.status }] } }
      : answer(request.method, target.pathname, target.searchParams);
    // CORS headers as a frontend API sends them for an allowed origin.
    const cors = {
      "Access-Control-Allow-Origin": String(request.headers.origin ?? "*"),
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": "GET, POST",
    };
    return { status, json: body, headers: cors };
  });
  url = server.url;

  return {
    url,
    publishableKey: `pk_live_${Buffer.from(url).toString("base64")}`,
    get received() {
      return server.received.map((request) => `${request.method} ${request.path}`);
    },
    signIns: () => ({ ids: state.map((s) => s.id), active: activeId }),
    failNext(path, status, message = `Stand-in failure (${status})`) {
      failures.set(path, [...(failures.get(path) ?? []), { status, message }]);
    },
    holdNext(path) {
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      holds.set(path, [...(holds.get(path) ?? []), held]);
      return release;
    },
    close: () => server.close(),
  };
}

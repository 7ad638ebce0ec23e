// @vitest-environment jsdom
/**
 * The Wacht adapter against a stand-in for Wacht's SDK (src/testing/wacht-sdk-stand-in.tsx; or the
 * real `@wacht/jsx` with WACHT_SDK=installed) talking real HTTP to a stand-in for a deployment's
 * frontend API on 127.0.0.1. Each test drives what a user does and reads what the page shows.
 */
import { useEffect, useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { button, click, render, waitFor, type Rendered } from "../../testing/render";
import { withUnhandledRejections } from "../../testing/unhandled-rejections";
import { SIGN_IN_PAGE, startFrontendApi, type FrontendApi, type SignInSeed } from "../../testing/wacht-frontend-api";
import { unverifiedClaims } from "../claims";
import type { AuthSession } from "../session";

/**
 * Each test is a fresh page load: the SDK keeps module-wide state (its token cache, and with the real
 * SDK its SWR cache), so the SDK, the adapter and the session context are imported anew per test.
 */
let sdk: typeof import("@wacht/jsx");
let adapter: typeof import("./WachtAuthProvider");
let sessionModule: typeof import("../session");

const alice: SignInSeed = {
  id: "9101",
  user: { id: "72170182881052673", first_name: "Alice", last_name: "Admin" },
  organizations: [
    {
      id: "801",
      name: "Acme",
      permissions: ["organization:admin", "members:manage"],
      workspaces: [
        { id: "901", name: "Acme Docs", permissions: ["workspace:admin", "documents:write"] },
        { id: "902", name: "Acme Legal", permissions: ["workspace:member"] },
      ],
    },
    { id: "802", name: "Globex", permissions: ["organization:member"], workspaces: [] },
  ],
};
/** Another account signed in to the same Wacht session (Wacht's multi-session sign-in). */
const otherAccount: SignInSeed = {
  id: "9102",
  user: { id: "72170182881052999", first_name: "Alice", last_name: "Personal" },
  organizations: [],
};

const REASON = "Your session has ended. Please sign in again.";

/** What a component under the adapter saw: its renders, mounts and unmounts, and the session it was given. */
class Witness {
  renders: string[] = [];
  mounts = 0;
  unmounts = 0;
  auth: AuthSession | null = null;
}

function Probe({ witness, sdkWitness }: { witness: Witness; sdkWitness: Witness }) {
  const auth = sessionModule.useAuth();
  const [clicks, setClicks] = useState(0);
  witness.renders.push(`${auth.organizationId}/${auth.workspaceId}`);
  witness.auth = auth;
  useEffect(() => {
    witness.mounts += 1;
    return () => {
      witness.unmounts += 1;
    };
  }, [witness]);
  return (
    <div data-testid="probe">
      <span data-testid="tenancy">{`${auth.organizationId}/${auth.workspaceId}`}</span>
      <button type="button" data-testid="clicks" onClick={() => setClicks((n) => n + 1)}>
        {clicks}
      </button>
      {/* The SDK's own SignedIn, to see when the SDK unloads the session. */}
      <sdk.SignedIn>
        <Mounted witness={sdkWitness} />
      </sdk.SignedIn>
    </div>
  );
}

function Mounted({ witness }: { witness: Witness }) {
  useEffect(() => {
    witness.mounts += 1;
    return () => {
      witness.unmounts += 1;
    };
  }, [witness]);
  return null;
}

let api: FrontendApi;
let page: Rendered | undefined;
let navigations: { url: string; replace: boolean }[];
let witness: Witness;
let sdkWitness: Witness;

beforeEach(async () => {
  vi.resetModules();
  sdk = await import("@wacht/jsx");
  adapter = await import("./WachtAuthProvider");
  sessionModule = await import("../session");
  navigations = [];
  witness = new Witness();
  sdkWitness = new Witness();
});

afterEach(async () => {
  page?.unmount();
  page = undefined;
  await api?.close();
});

function renderAdapter(): Rendered {
  return render(
    <adapter.WachtAuthProvider publishableKey={api.publishableKey} navigate={(url, { replace }) => navigations.push({ url, replace })}>
      <Probe witness={witness} sdkWitness={sdkWitness} />
    </adapter.WachtAuthProvider>,
  );
}

async function open(signIns: SignInSeed[] = [alice, otherAccount]): Promise<Rendered> {
  api = await startFrontendApi(signIns);
  page = renderAdapter();
  return page;
}

/** The sign-out request the page sent, once it has. */
async function signOutRequest(): Promise<string> {
  return waitFor(() => api.received.find((r) => r.startsWith("POST /session/sign-out")) ?? false);
}

async function openSignedIn(): Promise<{ page: Rendered; auth: () => AuthSession }> {
  const opened = await open();
  await waitFor(() => expect(opened.byTestId("tenancy")?.textContent).toBe("801/901"));
  return { page: opened, auth: () => witness.auth! };
}

const tokenFetches = () => api.received.filter((r) => r.startsWith("GET /session/token")).length;

/** The SDK's sign-in redirects so far: it may repeat one while the page has not gone yet, never vary it. */
async function signInRedirect(): Promise<{ url: URL; replace: boolean }> {
  await waitFor(() => expect(navigations.length).toBeGreaterThan(0));
  expect(new Set(navigations.map((n) => JSON.stringify(n))).size).toBe(1);
  return { url: new URL(navigations[0].url), replace: navigations[0].replace };
}

describe("a failed token fetch (issue 19, item 1)", () => {
  it("is shown with Try again, which fetches a token again and opens the app", async () => {
    const opened = await open();
    api.failNext("/session/token", 503, "Token service unavailable");

    await waitFor(() => expect(opened.byTestId("error-state")?.textContent).toContain("Token service unavailable"));
    expect(tokenFetches()).toBe(1);
    expect(opened.byTestId("probe")).toBeNull();

    click(button(opened.container, "Try again"));

    await waitFor(() => expect(opened.byTestId("tenancy")?.textContent).toBe("801/901"));
    expect(tokenFetches()).toBe(2);
  });

  it("does not answer every later getToken with the same failure: the next call fetches again", async () => {
    const { auth } = await openSignedIn();
    const before = tokenFetches();
    api.failNext("/session/token", 503, "Token service unavailable");

    await expect(auth().getToken({ skipCache: true })).rejects.toThrow("Token service unavailable");
    const token = await auth().getToken();

    expect(tokenFetches()).toBe(before + 2);
    expect(unverifiedClaims(token!)?.workspace).toBe("901");
  });
});

describe("a switch (issue 19, item 2)", () => {
  it("keeps the app mounted with its state while the SDK reloads the session, then shows the new tenancy", async () => {
    const { page, auth } = await openSignedIn();
    click(page.byTestId("clicks")!);
    await waitFor(() => expect(page.byTestId("clicks")?.textContent).toBe("1"));
    expect(sdkWitness.mounts).toBe(1);
    const release = api.holdNext("/session");

    const switched = auth().switchWorkspace("902");
    // The SDK has unloaded its session (its SignedIn renders nothing) ...
    await waitFor(() => expect(sdkWitness.unmounts).toBe(1));
    // ... and the app is still there, and can still get tokens: they carry the new workspace.
    expect(page.byTestId("probe")).not.toBeNull();
    expect(unverifiedClaims((await auth().getToken())!)?.workspace).toBe("902");
    release();
    await switched;

    await waitFor(() => expect(page.byTestId("tenancy")?.textContent).toBe("801/902"));
    await waitFor(() => expect(sdkWitness.mounts).toBe(2)); // the SDK has its session back
    expect({ mounts: witness.mounts, unmounts: witness.unmounts }).toEqual({ mounts: 1, unmounts: 0 });
    expect(page.byTestId("clicks")?.textContent).toBe("1");
  });

  it("to another organization carries its permissions to the app", async () => {
    const { page, auth } = await openSignedIn();

    await auth().switchOrganization("802");

    await waitFor(() => expect(page.byTestId("tenancy")?.textContent).toBe("802/null"));
    expect(auth().permissions).toEqual({ organization: ["organization:member"], workspace: [] });
    expect(witness.unmounts).toBe(0);
  });
});

describe("signing in (issue 19, item 3)", () => {
  it("shows a loading state, not the app, until the first token arrives", async () => {
    const release = (api = await startFrontendApi([alice]), api.holdNext("/session/token"));
    page = renderAdapter();

    await waitFor(() => expect(tokenFetches()).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(page.byTestId("session-loading")).not.toBeNull();
    expect(page.byTestId("probe")).toBeNull();
    release();

    await waitFor(() => expect(page!.byTestId("tenancy")?.textContent).toBe("801/901"));
    expect(page.byTestId("session-loading")).toBeNull();
  });

  it("renders the app once, with the first token's tenancy: never a placeholder", async () => {
    const opened = await open();

    await waitFor(() => expect(opened.byTestId("tenancy")?.textContent).toBe("801/901"));
    await waitFor(() => expect(witness.mounts).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(new Set(witness.renders)).toEqual(new Set(["801/901"]));
    expect({ mounts: witness.mounts, unmounts: witness.unmounts }).toEqual({ mounts: 1, unmounts: 0 });
    expect(witness.auth?.user).toEqual({ id: "72170182881052673", name: "Alice Admin" });
    expect(witness.auth?.organizations.map((o) => [o.name, o.workspaces.map((w) => w.name)])).toEqual([
      ["Acme", ["Acme Docs", "Acme Legal"]],
      ["Globex", []],
    ]);
  });

  it("sends a signed-out visitor to the hosted sign-in page, replacing the history entry", async () => {
    await open([]);

    const { url, replace } = await signInRedirect();
    expect(`${url.origin}${url.pathname}`).toBe(SIGN_IN_PAGE);
    expect(url.searchParams.get("redirect_uri")).toBe(window.location.href);
    expect(replace).toBe(true);
  });
});

describe("signing out (issue 19, item 4)", () => {
  it("ends only this sign-in, not the others of the Wacht session, and keeps the reason on screen", async () => {
    const { page, auth } = await openSignedIn();

    auth().signOut(REASON);

    expect(await signOutRequest()).toBe(`POST /session/sign-out?sign_in_id=${alice.id}`);
    await waitFor(() => expect(page.byTestId("signin-notice")?.textContent).toBe(REASON));
    await waitFor(() => button(page.container, "Sign in again"));
    expect(api.signIns()).toEqual({ ids: [otherAccount.id], active: null });
    expect(page.byTestId("probe")).toBeNull();
    expect(navigations).toEqual([]); // the reason stays until the user moves on

    click(button(page.container, "Sign in again"));

    const { url } = await signInRedirect();
    expect(`${url.origin}${url.pathname}`).toBe(SIGN_IN_PAGE);
  });

  it("shows a failed sign-out with Try again, and leaves no promise rejected unhandled", async () => {
    await withUnhandledRejections(async (unhandled) => {
      const { page, auth } = await openSignedIn();
      api.failNext("/session/sign-out", 503, "Wacht is unavailable");

      auth().signOut(REASON);

      await signOutRequest();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      await waitFor(() => expect(page.byTestId("error-state")?.textContent).toContain("Wacht is unavailable"));
      expect(page.byTestId("signin-notice")?.textContent).toBe(REASON);

      click(button(page.container, "Try again"));

      await waitFor(() => button(page.container, "Sign in again"));
      expect(page.byTestId("signin-notice")?.textContent).toBe(REASON);
      expect(api.signIns().ids).toEqual([otherAccount.id]);
    });
  });

  it("without a reason (the Sign out button) goes straight to the hosted sign-in page", async () => {
    const { auth } = await openSignedIn();

    auth().signOut();

    expect(await signOutRequest()).toBe(`POST /session/sign-out?sign_in_id=${alice.id}`);
    const { url } = await signInRedirect();
    expect(`${url.origin}${url.pathname}`).toBe(SIGN_IN_PAGE);
  });
});

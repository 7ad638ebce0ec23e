// @vitest-environment jsdom
/**
 * The whole app on the Wacht adapter (against the SDK stand-in, or the real SDK with
 * WACHT_SDK=installed), calling an API on 127.0.0.1: its screens are keyed by the tenancy, so they
 * must mount once on sign-in and once more per switch, never for a placeholder tenancy or a reload
 * of the SDK's session. Each mount of the Who-am-I screen asks the API for /me once: the API counts.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { serve, type TestServer } from "../testing/http-server";
import { render, waitFor, type Rendered } from "../testing/render";
import { withUnhandledRejections } from "../testing/unhandled-rejections";
import { startFrontendApi, type FrontendApi } from "../testing/wacht-frontend-api";

let frontendApi: FrontendApi;
let api: TestServer;
let page: Rendered | undefined;

beforeEach(async () => {
  frontendApi = await startFrontendApi([
    {
      id: "9101",
      user: { id: "72170182881052673", first_name: "Alice", last_name: "Admin" },
      organizations: [
        {
          id: "801",
          name: "Acme",
          permissions: ["organization:admin"],
          workspaces: [
            { id: "901", name: "Acme Docs", permissions: ["documents:write"] },
            { id: "902", name: "Acme Legal", permissions: [] },
          ],
        },
      ],
    },
  ]);
  // The API answers with the tenancy of the token it was sent, as the authorizer would.
  api = await serve((request) => {
    const token = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString() || "{}") as Record<string, unknown>;
    if (request.path === "/me") {
      return {
        status: 200,
        json: {
          user_id: claims.sub,
          session_id: claims.sid,
          organization_id: claims.organization ?? null,
          workspace_id: claims.workspace ?? null,
          organization_permissions: [],
          workspace_permissions: [],
        },
      };
    }
    return { status: 200, json: { id: claims.sub, first_name: "Alice", last_name: "Admin" } };
  });
  vi.stubEnv("VITE_API_URL", api.url);
  vi.resetModules();
});

afterEach(async () => {
  page?.unmount();
  page = undefined;
  vi.unstubAllEnvs();
  await frontendApi.close();
  await api.close();
});

const meRequests = () => api.received.filter((r) => r.path === "/me").length;
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** The whole app under the Wacht adapter, both imported anew (a fresh page load). */
async function openApp(): Promise<Rendered> {
  const { WachtAuthProvider } = await import("../auth/wacht/WachtAuthProvider");
  const { App } = await import("./App");
  page = render(
    <WachtAuthProvider publishableKey={frontendApi.publishableKey} navigate={() => undefined}>
      <App />
    </WachtAuthProvider>,
  );
  return page;
}

/** Picks `workspaceId` in the switcher's workspace select, as a user does; returns the select. */
function chooseWorkspace(opened: Rendered, workspaceId: string): HTMLSelectElement {
  const workspace = opened.container.querySelectorAll("select")[1] as HTMLSelectElement;
  workspace.value = workspaceId;
  workspace.dispatchEvent(new Event("change", { bubbles: true }));
  return workspace;
}

it("mounts the screens once on sign-in and once more on a workspace switch", async () => {
  const page = await openApp();
  const meCard = () => page.byTestId("me")?.textContent ?? "";

  await waitFor(() => expect(meCard()).toContain("901"));
  await settle();
  expect(meRequests()).toBe(1);

  const workspace = chooseWorkspace(page, "902");

  await waitFor(() => expect(meCard()).toContain("902"));
  await waitFor(() => expect(workspace.disabled).toBe(false)); // the switcher lived through the switch
  await settle();
  expect(meRequests()).toBe(2);
  expect(page.container.querySelectorAll("select")[1]).toBe(workspace);
});

it("shows a failed switch beside the switcher and stays in the workspace it was in", async () => {
  await withUnhandledRejections(async (unhandled) => {
    const page = await openApp();
    await waitFor(() => expect(page.byTestId("me")?.textContent).toContain("901"));
    frontendApi.failNext("/session/switch-workspace", 503, "Wacht is unavailable");

    const workspace = chooseWorkspace(page, "902");

    await waitFor(() => expect(page.byTestId("switch-problem")?.textContent).toBe("Could not switch: Wacht is unavailable"));
    await settle();
    expect(unhandled).toEqual([]);
    expect(workspace.disabled).toBe(false);
    expect(workspace.value).toBe("901");
    expect(page.byTestId("me")?.textContent).toContain("901");
  });
});

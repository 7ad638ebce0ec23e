import { describe, expect, it } from "vitest";
import { NO_PERMISSIONS } from "../auth/permissions";
import { fakeJwt } from "../testing/jwt";
import { explainForbidden, explainRefusal, type SessionTenancy } from "./refusal";
import { requirementOf } from "./requirements";

const ACME = "72170190012345601";
const DOCS = "72170190012345777";

function session(overrides: Partial<SessionTenancy> = {}): SessionTenancy {
  return { organizationId: ACME, workspaceId: DOCS, permissions: NO_PERMISSIONS, ...overrides };
}

describe("explainRefusal", () => {
  it("asks for a workspace when the session has none", () => {
    const noWorkspace = session({ workspaceId: null });
    expect(explainRefusal("GET", requirementOf("GET", "/documents"), noWorkspace)).toBe("Choose a workspace to see its documents");
    expect(explainRefusal("POST", requirementOf("POST", "/documents"), noWorkspace)).toBe("Choose a workspace to change its documents");
  });

  it("asks for an organization when the session has none", () => {
    const none = session({ organizationId: null, workspaceId: null });
    expect(explainRefusal("GET", requirementOf("GET", "/members"), none)).toBe("Choose an organization to see its members");
    expect(explainRefusal("DELETE", requirementOf("DELETE", "/members/1"), none)).toBe("Choose an organization to change its members");
  });

  it("names the missing permission and its scope", () => {
    const reader = session({ permissions: { organization: ["documents:write"], workspace: ["workspace:member"] } });
    expect(explainRefusal("POST", requirementOf("POST", "/documents"), reader)).toBe("You need documents:write in this workspace");
    const member = session({ permissions: { organization: [], workspace: ["members:manage"] } });
    expect(explainRefusal("PUT", requirementOf("PUT", "/members/1"), member)).toBe("You need members:manage in this organization");
  });

  it("knows nothing better when the session meets the requirement as far as the app can tell", () => {
    const writer = session({ permissions: { organization: [], workspace: ["documents:write"] } });
    expect(explainRefusal("POST", requirementOf("POST", "/documents"), writer)).toBeNull();
    expect(explainRefusal("GET", requirementOf("GET", "/documents"), session())).toBeNull();
  });

  it("knows nothing better for a route needing only a session, an unknown route, or no session", () => {
    expect(explainRefusal("GET", requirementOf("GET", "/me"), session({ workspaceId: null }))).toBeNull();
    expect(explainRefusal("GET", requirementOf("GET", "/unknown"), session({ workspaceId: null }))).toBeNull();
    expect(explainRefusal("GET", requirementOf("GET", "/documents"), null)).toBeNull();
  });
});

describe("explainForbidden", () => {
  it("reads the tenancy from the token the request carried", () => {
    const bob = fakeJwt({ sub: "1", organization: ACME, workspace: DOCS, permissions: { organization: [], workspace: ["workspace:member"] } });
    expect(explainForbidden("POST", "/documents", bob)).toBe("You need documents:write in this workspace");
    const dave = fakeJwt({ sub: "2", permissions: { organization: [], workspace: [] } });
    expect(explainForbidden("GET", "/documents?limit=20", dave)).toBe("Choose a workspace to see its documents");
  });

  it("knows nothing better when the token is not a readable JWT", () => {
    expect(explainForbidden("GET", "/documents", "opaque-token")).toBeNull();
    expect(explainForbidden("GET", "/documents", "a.%%%.c")).toBeNull();
  });
});

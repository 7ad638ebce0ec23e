import { afterEach, describe, expect, it } from "vitest";
import { closedPortUrl, serve, type Received, type TestServer } from "../../testing/http-server";
import { fakeJwt } from "../../testing/jwt";
import { createDevIdp, DevIdpError, type Persona } from "./dev-idp";
import { DevTokenSource } from "./dev-token-source";

const alice: Persona = {
  id: "alice",
  name: "Alice Admin",
  user_id: "100",
  email: "alice@example.com",
  organizations: [
    {
      id: "org-acme",
      name: "Acme",
      permissions: ["organization:admin", "members:manage"],
      workspaces: [
        { id: "ws-docs", name: "Acme Docs", permissions: ["workspace:admin", "documents:write"] },
        { id: "ws-legal", name: "Acme Legal", permissions: ["workspace:member"] },
      ],
    },
    { id: "org-globex", name: "Globex", permissions: ["organization:member"], workspaces: [] },
  ],
};
const dave: Persona = { id: "dave", name: "Dave", user_id: "400", email: "dave@example.com", organizations: [] };

let idpServer: TestServer | undefined;
afterEach(async () => {
  await idpServer?.close();
  idpServer = undefined;
});

/** A dev IdP on 127.0.0.1 that mints numbered tokens expiring `lifetime` seconds after `nowSeconds`. */
async function startIdp(nowSeconds: number) {
  let minted = 0;
  idpServer = await serve((request: Received) => {
    if (request.path === "/personas") return { status: 200, json: { personas: [alice, dave] } };
    const claims = JSON.parse(request.body) as Record<string, unknown>;
    minted += 1;
    return { status: 200, json: { token: fakeJwt({ ...claims, n: minted, exp: nowSeconds + Number(claims.expires_in) }) } };
  });
  return idpServer;
}

function mints(server: TestServer) {
  return server.received.filter((r) => r.path === "/tokens").map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

function numberOf(token: string): number {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).n as number;
}

describe("DevTokenSource", () => {
  const start = 1_800_000_000;

  it("mints a token for the persona's first organization and workspace with their permissions", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, { sessionId: "sess-1", lifetimeSeconds: 60 });

    await source.getToken();

    expect(mints(server)).toEqual([
      {
        sub: "100",
        sid: "sess-1",
        organization: "org-acme",
        workspace: "ws-docs",
        permissions: { organization: ["organization:admin", "members:manage"], workspace: ["workspace:admin", "documents:write"] },
        expires_in: 60,
      },
    ]);
  });

  it("mints a token without tenancy for a persona with no organization", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), dave, { sessionId: "s", lifetimeSeconds: 60 });

    await source.getToken();

    expect(mints(server)[0]).toEqual({ sub: "400", sid: "s", permissions: { organization: [], workspace: [] }, expires_in: 60 });
  });

  it("reuses the cached token until it expires by the browser's clock", async () => {
    const server = await startIdp(start);
    let nowMs = start * 1000;
    const source = new DevTokenSource(createDevIdp(server.url), alice, {
      sessionId: "s",
      lifetimeSeconds: 60,
      clock: () => nowMs,
    });

    const first = await source.getToken();
    nowMs += 59_000;
    expect(await source.getToken()).toBe(first);
    nowMs += 1_000;
    const second = await source.getToken();

    expect(numberOf(first)).toBe(1);
    expect(numberOf(second)).toBe(2);
  });

  it("mints a new token when asked to skip the cache", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, {
      sessionId: "s",
      lifetimeSeconds: 60,
      clock: () => start * 1000,
    });

    const first = await source.getToken();
    const fresh = await source.getToken({ skipCache: true });

    expect(numberOf(first)).toBe(1);
    expect(numberOf(fresh)).toBe(2);
    expect(await source.getToken()).toBe(fresh);
  });

  it("shares one mint between concurrent callers", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, { sessionId: "s", lifetimeSeconds: 60 });

    const tokens = await Promise.all([source.getToken(), source.getToken(), source.getToken()]);

    expect(new Set(tokens).size).toBe(1);
    expect(mints(server)).toHaveLength(1);
  });

  it("switching workspace starts from an empty cache and carries the new ids and permissions", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, {
      sessionId: "s",
      lifetimeSeconds: 60,
      clock: () => start * 1000,
    });
    await source.getToken();

    const legal = source.withWorkspace("ws-legal");
    await legal.getToken();

    expect(mints(server)).toHaveLength(2);
    expect(mints(server)[1]).toMatchObject({
      organization: "org-acme",
      workspace: "ws-legal",
      permissions: { organization: ["organization:admin", "members:manage"], workspace: ["workspace:member"] },
    });
    expect(legal.permissions.workspace).toEqual(["workspace:member"]);
  });

  it("switching organization selects its first workspace, or none", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, { sessionId: "s", lifetimeSeconds: 60 });

    const globex = source.withOrganization("org-globex");
    await globex.getToken();

    expect(globex.selection).toEqual({ organizationId: "org-globex", workspaceId: null });
    expect(mints(server)[0]).toEqual({
      sub: "100",
      sid: "s",
      organization: "org-globex",
      permissions: { organization: ["organization:member"], workspace: [] },
      expires_in: 60,
    });
  });

  it("refuses a tenancy the persona is not a member of", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, { sessionId: "s", lifetimeSeconds: 60 });

    expect(() => source.withOrganization("org-initech")).toThrow(/not a member/);
    expect(() => source.withWorkspace("ws-elsewhere")).toThrow(/not a member/);
  });

  it("falls back to the default tenancy when a stored selection is no longer valid", async () => {
    const server = await startIdp(start);
    const source = new DevTokenSource(createDevIdp(server.url), alice, { sessionId: "s", lifetimeSeconds: 60 }, {
      organizationId: "org-gone",
      workspaceId: "ws-gone",
    });

    expect(source.selection).toEqual({ organizationId: "org-acme", workspaceId: "ws-docs" });
  });

  it("reports an unreachable identity provider as an error", async () => {
    const source = new DevTokenSource(createDevIdp(await closedPortUrl()), alice, { sessionId: "s", lifetimeSeconds: 60 });

    await expect(source.getToken()).rejects.toBeInstanceOf(DevIdpError);
  });

  it("does not cache a failed mint", async () => {
    let calls = 0;
    idpServer = await serve(() => {
      calls += 1;
      return calls === 1 ? { status: 500, text: "down" } : { status: 200, json: { token: fakeJwt({ exp: start + 60 }) } };
    });
    const source = new DevTokenSource(createDevIdp(idpServer.url), alice, { sessionId: "s", lifetimeSeconds: 60 });

    await expect(source.getToken()).rejects.toThrow(/HTTP 500/);
    await expect(source.getToken()).resolves.toContain(".");
  });
});

describe("createDevIdp", () => {
  it("lists the personas", async () => {
    const server = await startIdp(0);

    expect((await createDevIdp(`${server.url}/`).personas()).map((p) => p.id)).toEqual(["alice", "dave"]);
  });

  it("rejects a persona list of the wrong shape", async () => {
    idpServer = await serve([{ status: 200, json: { people: [] } }]);
    await expect(createDevIdp(idpServer.url).personas()).rejects.toThrow(/no persona list/);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { serve, type TestServer } from "../testing/http-server";
import { createApiClient } from "./client";
import { apiOf } from "./endpoints";
import { withStaleListRefetch } from "./tenant";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function apiAt(url: string) {
  return apiOf(createApiClient({ baseUrl: url, getToken: async () => "tok", onSignedOut: () => undefined }));
}

describe("apiOf", () => {
  it("maps each call to its route, method and body", async () => {
    server = await serve(() => ({ status: 200, json: {} }));
    const api = apiAt(server.url);

    await api.me();
    await api.whoami();
    await api.listDocuments({ limit: 5, cursor: "abc=" });
    await api.listDocuments();
    await api.createDocument({ title: "T", body: "B" });
    await api.getDocument("d/1");
    await api.deleteDocument("d1");
    await api.listMembers({ limit: 2 });
    await api.setMemberRole("m1", "admin");
    await api.removeMember("m1");

    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /me",
      "GET /whoami",
      "GET /documents?limit=5&cursor=abc%3D",
      "GET /documents",
      "POST /documents",
      "GET /documents/d%2F1",
      "DELETE /documents/d1",
      "GET /members?limit=2",
      "PUT /members/m1",
      "DELETE /members/m1",
    ]);
    expect(JSON.parse(server.received[8].body)).toEqual({ role: "admin" });
  });
});

describe("withStaleListRefetch", () => {
  it("refetches the list when a tenant resource is not found", async () => {
    server = await serve([{ status: 404, json: { message: "not found" } }]);
    const api = apiAt(server.url);
    const refetches: number[] = [];

    const result = await withStaleListRefetch(() => api.getDocument("d1"), () => refetches.push(1));

    expect(result.kind).toBe("not-found");
    expect(refetches).toHaveLength(1);
  });

  it("leaves the list alone on success and on other failures", async () => {
    server = await serve([
      { status: 200, json: { id: "d1" } },
      { status: 403, json: { message: "no" } },
      { status: 500, json: { message: "boom" } },
    ]);
    const api = apiAt(server.url);
    const refetches: number[] = [];

    for (let i = 0; i < 3; i++) await withStaleListRefetch(() => api.getDocument("d1"), () => refetches.push(1));

    expect(refetches).toHaveLength(0);
  });
});

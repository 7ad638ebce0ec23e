import { describe, expect, it } from "vitest";
import { parseRouteRequirements, requirementOf, ROUTE_REQUIREMENTS } from "./requirements";

describe("requirementOf", () => {
  it("finds a route's requirement by method and concrete path, ignoring the query", () => {
    expect(requirementOf("GET", "/documents?limit=20&cursor=abc")).toEqual({ access: "workspace", subject: "documents" });
    expect(requirementOf("POST", "/documents")).toEqual({
      access: "permission",
      scope: "workspace",
      permission: "documents:write",
      subject: "documents",
    });
    expect(requirementOf("DELETE", "/members/7217")).toEqual({
      access: "permission",
      scope: "organization",
      permission: "members:manage",
      subject: "members",
    });
    expect(requirementOf("GET", "/me")).toEqual({ access: "authenticated" });
  });

  it("matches a path parameter to exactly one non-empty segment", () => {
    expect(requirementOf("GET", "/documents/d%2F1")).toEqual({ access: "workspace", subject: "documents" });
    expect(requirementOf("GET", "/documents/")).toBeNull();
    expect(requirementOf("GET", "/documents/a/b")).toBeNull();
  });

  it("knows nothing of a route or method that is not in the table", () => {
    expect(requirementOf("PATCH", "/documents")).toBeNull();
    expect(requirementOf("GET", "/health")).toBeNull();
    expect(requirementOf("GET", "/nowhere")).toBeNull();
  });

  it("is loaded from a table that names every route the app calls", () => {
    expect(ROUTE_REQUIREMENTS.map((r) => `${r.method} ${r.path}`)).toContain("PUT /members/{memberId}");
    expect(ROUTE_REQUIREMENTS).toHaveLength(9);
  });
});

describe("requirementOf with an ANY route", () => {
  const routes = parseRouteRequirements({
    routes: [
      { method: "ANY", path: "/files/{id}", access: "workspace", subject: "files" },
      { method: "DELETE", path: "/files/{id}", access: "permission", scope: "workspace", permission: "files:delete", subject: "files" },
    ],
  });

  it("uses the declared method first and ANY for every other method", () => {
    expect(requirementOf("DELETE", "/files/1", routes)).toMatchObject({ permission: "files:delete" });
    expect(requirementOf("PATCH", "/files/1", routes)).toEqual({ access: "workspace", subject: "files" });
    expect(requirementOf("PATCH", "/files", routes)).toBeNull();
  });
});

describe("parseRouteRequirements", () => {
  it("refuses a table without a routes list", () => {
    expect(() => parseRouteRequirements({})).toThrow("expected {routes: [...]}");
    expect(() => parseRouteRequirements(null)).toThrow("expected {routes: [...]}");
  });

  it.each([
    [{ path: "/x", access: "authenticated" }, "needs a method and a path"],
    [{ method: "GET", path: "x", access: "authenticated" }, "needs a method and a path"],
    [{ method: "GET", path: "/x", access: "admin" }, "bad access"],
    [{ method: "GET", path: "/x", access: "workspace" }, "bad access"],
    [{ method: "GET", path: "/x", access: "permission", scope: "team", permission: "p", subject: "x" }, "bad access"],
    [{ method: "GET", path: "/x", access: "permission", scope: "workspace", permission: "", subject: "x" }, "bad access"],
    [null, "needs a method and a path"],
  ])("refuses a malformed entry %j, naming it", (entry, message) => {
    expect(() => parseRouteRequirements({ routes: [{ method: "GET", path: "/ok", access: "authenticated" }, entry] })).toThrow(
      new RegExp(`route requirements\\[1\\].*${message}`),
    );
  });
});

import { describe, expect, it } from "vitest";
import { fakeJwt } from "../testing/jwt";
import { unverifiedClaims } from "./claims";
import { has } from "./permissions";

describe("unverifiedClaims", () => {
  it("reads tenancy, scoped permissions and expiry", () => {
    const token = fakeJwt({
      sub: "u1",
      organization: "o1",
      workspace: "w1",
      permissions: { organization: ["members:manage"], workspace: ["documents:write"] },
      exp: 1_700_000_000,
      name: "Zoë ✓",
    });

    expect(unverifiedClaims(token)).toEqual({
      sub: "u1",
      organization: "o1",
      workspace: "w1",
      permissions: { organization: ["members:manage"], workspace: ["documents:write"] },
      expiresAtMs: 1_700_000_000_000,
    });
  });

  it("maps legacy numeric ids to strings and missing permissions to none", () => {
    const claims = unverifiedClaims(fakeJwt({ sub: 7, organization: 42 }));

    expect(claims).toMatchObject({ sub: "7", organization: "42", workspace: null, expiresAtMs: null });
    expect(claims?.permissions).toEqual({ organization: [], workspace: [] });
  });

  it("returns null for something that is not a JWT", () => {
    expect(unverifiedClaims("opaque")).toBeNull();
    expect(unverifiedClaims("a.%%%.c")).toBeNull();
  });
});

describe("has", () => {
  const permissions = { organization: ["members:manage"], workspace: ["documents:write"] };

  it("finds a permission in its own scope", () => {
    expect(has(permissions, { organizationPermission: "members:manage" })).toBe(true);
    expect(has(permissions, { workspacePermission: "documents:write" })).toBe(true);
  });

  it("does not look in the other scope", () => {
    expect(has(permissions, { workspacePermission: "members:manage" })).toBe(false);
    expect(has(permissions, { organizationPermission: "documents:write" })).toBe(false);
  });
});

/**
 * Reading a session token's payload in the browser, WITHOUT verifying it. Good for two
 * things only: knowing when a cached token expires, and showing which tenancy it carries.
 * Never for a decision the server has to make.
 */
import { NO_PERMISSIONS, type Permissions } from "./permissions";

export interface UnverifiedClaims {
  readonly sub: string | null;
  readonly organization: string | null;
  readonly workspace: string | null;
  readonly permissions: Permissions;
  /** `exp` in milliseconds since the epoch, or null when absent. */
  readonly expiresAtMs: number | null;
}

export function unverifiedClaims(token: string): UnverifiedClaims | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  let claims: Record<string, unknown>;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    claims = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!claims || typeof claims !== "object") return null;
  const permissions = claims.permissions as { organization?: unknown; workspace?: unknown } | undefined;
  return {
    sub: idOf(claims.sub),
    organization: idOf(claims.organization),
    workspace: idOf(claims.workspace),
    permissions: permissions
      ? { organization: stringsOf(permissions.organization), workspace: stringsOf(permissions.workspace) }
      : NO_PERMISSIONS,
    expiresAtMs: typeof claims.exp === "number" ? claims.exp * 1000 : null,
  };
}

function idOf(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

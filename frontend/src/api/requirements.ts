/**
 * What each route behind the gateway's authorizer requires: the server's route table, as the
 * app knows it (route-requirements.json; a test checks it against the server's). Only used to
 * explain a 403 in words the user can act on; the server stays the authority.
 */
import table from "./route-requirements.json";

export type Scope = "organization" | "workspace";

export type Requirement =
  | { readonly access: "authenticated" }
  | { readonly access: Scope; readonly subject: string }
  | { readonly access: "permission"; readonly scope: Scope; readonly permission: string; readonly subject: string };

export interface RouteRequirement {
  /** An HTTP method, or `ANY` (API Gateway's catch-all for the methods a resource does not declare). */
  readonly method: string;
  /** API Gateway resource path; `{name}` matches one path segment. */
  readonly path: string;
  readonly requirement: Requirement;
}

/** Validates the table's shape; throws naming the first bad entry, so a typo fails the build's tests, not a user. */
export function parseRouteRequirements(raw: unknown): RouteRequirement[] {
  const routes = (raw as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(routes)) throw new Error("route requirements: expected {routes: [...]}");
  return routes.map((entry: unknown, index) => {
    const route = (entry ?? {}) as Record<string, unknown>;
    const where = `route requirements[${index}]`;
    const { method, path, access, scope, permission, subject } = route;
    if (typeof method !== "string" || typeof path !== "string" || !path.startsWith("/")) {
      throw new Error(`${where}: needs a method and a path starting with /`);
    }
    const requirement = requirementFrom(access, scope, permission, subject);
    if (!requirement) throw new Error(`${where} (${method} ${path}): bad access/scope/permission/subject`);
    return { method, path, requirement };
  });
}

function requirementFrom(access: unknown, scope: unknown, permission: unknown, subject: unknown): Requirement | null {
  const named = typeof subject === "string" && subject !== "";
  if (access === "authenticated") return { access };
  if ((access === "organization" || access === "workspace") && named) return { access, subject };
  if (access === "permission" && (scope === "organization" || scope === "workspace") && named) {
    if (typeof permission === "string" && permission !== "") return { access, scope, permission, subject };
  }
  return null;
}

export const ROUTE_REQUIREMENTS: readonly RouteRequirement[] = parseRouteRequirements(table);

/** The requirement of the route `method path` (a concrete path, query allowed), or null if the app knows none. */
export function requirementOf(
  method: string,
  path: string,
  routes: readonly RouteRequirement[] = ROUTE_REQUIREMENTS,
): Requirement | null {
  const segments = path.split(/[?#]/, 1)[0].split("/");
  const onPath = routes.filter((r) => matches(r.path.split("/"), segments));
  // As API Gateway: a method the resource declares wins; ANY serves the others.
  const route = onPath.find((r) => r.method === method) ?? onPath.find((r) => r.method === "ANY");
  return route?.requirement ?? null;
}

function matches(template: string[], segments: string[]): boolean {
  return (
    template.length === segments.length &&
    template.every((part, i) => (/^\{[^}]+\}$/.test(part) ? segments[i] !== "" : part === segments[i]))
  );
}

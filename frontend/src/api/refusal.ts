/**
 * A 403 in words the user can act on. API Gateway refuses with "User is not authorized to
 * access this resource with an explicit deny" whatever the reason; the app knows the route's
 * requirement and the session the request carried, so it can say which of them is missing:
 *
 *   no workspace in the session     "Choose a workspace to see its documents"
 *   no organization in the session  "Choose an organization to see its members"
 *   a permission missing            "You need documents:write in this workspace"
 *
 * When the session seems to meet the requirement (a stale token, a permission revoked, a rule
 * the app does not know), there is nothing better to say: the caller shows the server's message.
 */
import { unverifiedClaims } from "../auth/claims";
import type { Permissions } from "../auth/permissions";
import { requirementOf, type Requirement, type Scope } from "./requirements";

/** The tenancy a request carried: from the token's (unverified) claims. */
export interface SessionTenancy {
  readonly organizationId: string | null;
  readonly workspaceId: string | null;
  readonly permissions: Permissions;
}

export function explainRefusal(method: string, requirement: Requirement | null, session: SessionTenancy | null): string | null {
  if (!requirement || !session || requirement.access === "authenticated") return null;
  const scope: Scope = requirement.access === "permission" ? requirement.scope : requirement.access;
  const activeId = scope === "workspace" ? session.workspaceId : session.organizationId;
  if (activeId === null) {
    const verb = method === "GET" ? "see" : "change";
    return `Choose ${scope === "organization" ? "an" : "a"} ${scope} to ${verb} its ${requirement.subject}`;
  }
  if (requirement.access === "permission" && !session.permissions[scope].includes(requirement.permission)) {
    return `You need ${requirement.permission} in this ${scope}`;
  }
  return null;
}

/** The explanation for a 403 to `method path` sent with `token`, or null when the app knows nothing better. */
export function explainForbidden(method: string, path: string, token: string): string | null {
  const claims = unverifiedClaims(token);
  const session = claims && { organizationId: claims.organization, workspaceId: claims.workspace, permissions: claims.permissions };
  return explainRefusal(method, requirementOf(method, path), session);
}

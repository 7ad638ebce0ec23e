/**
 * `has`-style checks for hiding buttons. Scoped like the server's route table (and the
 * Rust SDK's `RequirePermission`): an organization permission is looked up only in the
 * organization list, a workspace permission only in the workspace list. The server stays
 * the authority; these checks only spare the user a button that would answer "no access".
 */
export interface Permissions {
  readonly organization: readonly string[];
  readonly workspace: readonly string[];
}

export type PermissionCheck =
  | { readonly organizationPermission: string }
  | { readonly workspacePermission: string };

export const NO_PERMISSIONS: Permissions = { organization: [], workspace: [] };

export function has(permissions: Permissions, check: PermissionCheck): boolean {
  if ("organizationPermission" in check) return permissions.organization.includes(check.organizationPermission);
  return permissions.workspace.includes(check.workspacePermission);
}

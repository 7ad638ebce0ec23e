/**
 * Tenant resources (a document, a member) live in the active workspace or organization.
 * A 404 on one usually means the tenancy changed between listing and opening (another tab
 * switched workspace, someone deleted it), so the list the user is looking at is stale:
 * refetch it, under the tenancy the next token carries.
 */
import type { ApiResult } from "./result";

export async function withStaleListRefetch<T>(
  call: () => Promise<ApiResult<T>>,
  refetchList: () => unknown,
): Promise<ApiResult<T>> {
  const result = await call();
  if (result.kind === "not-found") await refetchList();
  return result;
}

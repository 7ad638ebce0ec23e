/** The API's routes as typed functions over the one client. */
import type { ApiClient } from "./client";
import type { ApiResult } from "./result";

export interface Me {
  readonly user_id: string;
  readonly session_id: string;
  readonly organization_id: string | null;
  readonly workspace_id: string | null;
  readonly organization_permissions: string[];
  readonly workspace_permissions: string[];
}

/** The Wacht user object, as `/whoami` relays it from the Backend API. */
export interface WachtUser {
  readonly id?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly primary_email_address?: { readonly email?: string } | string | null;
  readonly [field: string]: unknown;
}

export interface Document {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly created_by: string;
  readonly created_at: string;
}

export interface Member {
  readonly member_id: string;
  readonly role: string;
  readonly [field: string]: unknown;
}

export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

export interface Api {
  me(): Promise<ApiResult<Me>>;
  whoami(): Promise<ApiResult<WachtUser>>;
  listDocuments(page?: { limit?: number; cursor?: string | null }): Promise<ApiResult<Page<Document>>>;
  createDocument(document: { title: string; body: string }): Promise<ApiResult<Document>>;
  getDocument(id: string): Promise<ApiResult<Document>>;
  deleteDocument(id: string): Promise<ApiResult<void>>;
  listMembers(page?: { limit?: number; cursor?: string | null }): Promise<ApiResult<Page<Member>>>;
  setMemberRole(memberId: string, role: string): Promise<ApiResult<Member>>;
  removeMember(memberId: string): Promise<ApiResult<void>>;
}

export function apiOf(client: ApiClient): Api {
  return {
    me: () => client.request("GET", "/me"),
    whoami: () => client.request("GET", "/whoami"),
    listDocuments: (page) => client.request("GET", `/documents${query(page)}`),
    createDocument: (document) => client.request("POST", "/documents", document),
    getDocument: (id) => client.request("GET", `/documents/${encodeURIComponent(id)}`),
    deleteDocument: (id) => client.request("DELETE", `/documents/${encodeURIComponent(id)}`),
    listMembers: (page) => client.request("GET", `/members${query(page)}`),
    setMemberRole: (memberId, role) => client.request("PUT", `/members/${encodeURIComponent(memberId)}`, { role }),
    removeMember: (memberId) => client.request("DELETE", `/members/${encodeURIComponent(memberId)}`),
  };
}

function query(page?: { limit?: number; cursor?: string | null }): string {
  const params = new URLSearchParams();
  if (page?.limit !== undefined) params.set("limit", String(page.limit));
  if (page?.cursor) params.set("cursor", page.cursor);
  const text = params.toString();
  return text ? `?${text}` : "";
}

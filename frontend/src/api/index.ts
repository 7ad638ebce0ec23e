export { createApiClient } from "./client";
export type { ApiClient, ApiClientOptions, GetToken, Method, TokenOptions } from "./client";
export { apiOf } from "./endpoints";
export type { Api, Document, Me, Member, Page, WachtUser } from "./endpoints";
export { isOk } from "./result";
export type { ApiResult, Failure } from "./result";
export { withStaleListRefetch } from "./tenant";

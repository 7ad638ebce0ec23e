/**
 * Build-time settings. Vite inlines `VITE_*` variables into the bundle, so only
 * public values belong here: URLs and the Wacht publishable key, never a secret.
 */
export interface AppConfig {
  /** The API Gateway stage URL (the local gateway under `make dev`). */
  readonly apiUrl: string;
  /** The local stack's development identity provider (dev sign-in only). */
  readonly devIdpUrl: string;
}

const LOCAL_API_URL = "http://127.0.0.1:3000";
const LOCAL_DEV_IDP_URL = "http://127.0.0.1:3001";

export function configFrom(env: Record<string, string | boolean | undefined>): AppConfig {
  return {
    apiUrl: withoutTrailingSlash(text(env.VITE_API_URL) || LOCAL_API_URL),
    devIdpUrl: withoutTrailingSlash(text(env.VITE_DEV_IDP_URL) || LOCAL_DEV_IDP_URL),
  };
}

function text(value: string | boolean | undefined): string {
  return typeof value === "string" ? value.trim() : "";
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

export const config: AppConfig = configFrom(import.meta.env);

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

/**
 * The Wacht publishable key for `<DeploymentProvider publicKey>`, as Wacht's React guides
 * name it: `VITE_WACHT_PUBLISHABLE_KEY` (`pk_test_...` or `pk_live_...`; public, it only
 * encodes the deployment's frontend API host). Only the SDK adapter (auth/wacht) reads it.
 * Throws a message naming the variable, so a missing key is a clear error, not a blank page.
 */
export function wachtPublishableKeyFrom(env: Record<string, string | boolean | undefined>): string {
  const key = text(env.VITE_WACHT_PUBLISHABLE_KEY);
  if (/^pk_(test|live)_[A-Za-z0-9+/=_-]+$/.test(key)) return key;
  if (!key && text(env.VITE_WACHT_PUBLIC_KEY)) {
    // An older revision of Wacht's docs used this name; the SDK's current guide does not.
    throw new Error("Rename VITE_WACHT_PUBLIC_KEY to VITE_WACHT_PUBLISHABLE_KEY (the name Wacht's React guides use).");
  }
  throw new Error(
    key
      ? "VITE_WACHT_PUBLISHABLE_KEY must be your deployment's publishable key (pk_test_... or pk_live_...)."
      : "Set VITE_WACHT_PUBLISHABLE_KEY to your deployment's publishable key (pk_test_... or pk_live_...).",
  );
}

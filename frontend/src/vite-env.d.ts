/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_API_URL?: string;
  readonly VITE_DEV_IDP_URL?: string;
  /** Only for the Wacht SDK adapter (src/auth/wacht): `<DeploymentProvider publicKey>`. Publishable: safe in the bundle. */
  readonly VITE_WACHT_PUBLISHABLE_KEY?: string;
}

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Wacht's SDK is not on the npm registry CI reaches, so the Wacht adapter's tests run against a
// stand-in written from the SDK's source (src/testing/wacht-sdk-stand-in.tsx). With WACHT_SDK=installed
// they run against the real @wacht/jsx in node_modules instead (README: "Use Wacht's SDK"): its ES build
// (its `main` is CommonJS in a "type": "module" package, which Node refuses), transformed by Vite with
// @wacht/types (extensionless imports) and swr (so each test's fresh import gets a fresh SWR cache).
const installedSdk = process.env.WACHT_SDK === "installed";
const sdkEntry = installedSdk ? "./node_modules/@wacht/jsx/dist/index.es.js" : "./src/testing/wacht-sdk-stand-in.tsx";

// No @vitejs/plugin-react: esbuild's automatic JSX runtime is all this app needs,
// and it keeps the dependency tree small (no Babel, no fast refresh).
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: { sourcemap: false },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
    alias: { "@wacht/jsx": fileURLToPath(new URL(sdkEntry, import.meta.url)) },
    server: { deps: { inline: installedSdk ? [/node_modules\/@wacht\//, /node_modules\/swr\//] : [] } },
  },
});

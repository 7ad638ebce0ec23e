import { defineConfig } from "vitest/config";

// No @vitejs/plugin-react: esbuild's automatic JSX runtime is all this app needs,
// and it keeps the dependency tree small (no Babel, no fast refresh).
export default defineConfig({
  esbuild: { jsx: "automatic" },
  build: { sourcemap: false },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});

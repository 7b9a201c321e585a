import { defineConfig } from "vite";

export default defineConfig({
  // The package finds its .wasm with `new URL("policy_bg.wasm", import.meta.url)`;
  // pre-bundling it for the dev server would move the module away from its
  // .wasm, so it is served as it is (`vite build` needs nothing special).
  optimizeDeps: { exclude: ["@gatehouse/policy"] },
  build: { target: "es2022" },
});

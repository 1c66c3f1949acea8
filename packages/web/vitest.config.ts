/** Component and unit tests of the console: Solid's JSX transform, happy-dom as the DOM. */
import solid from "vite-plugin-solid";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [solid()],
  test: {
    name: "web",
    root: import.meta.dirname,
    include: ["test/**/*.test.tsx"],
    environment: "happy-dom",
    pool: "forks",
    server: { deps: { inline: [/@solidjs\/router/] } },
  },
});

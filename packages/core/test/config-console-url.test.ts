/**
 * Where notification links point (issue 16, item 20): locally the console the local runtime
 * serves, not the API (which answers 404 to `/runs/<id>`); JOBLEDGER_CONSOLE_URL wins; the
 * API's URL only when no console runs beside it or its port is not known in advance.
 */
import { describe, expect, it } from "vitest";
import { loadConfig, localConsolePort } from "../src/config.ts";

const consoleUrl = (env: Record<string, string>) => loadConfig(env).notifications.consoleUrl;

describe("the console URL of notification links", () => {
  it("is the local console's, on its default or configured port", () => {
    expect(consoleUrl({ PORT: "3000" })).toBe("http://localhost:3001");
    expect(consoleUrl({ PORT: "3000", CONSOLE_PORT: "4100" })).toBe("http://localhost:4100");
    expect(consoleUrl({})).toBe("http://localhost:3001");
  });

  it("is JOBLEDGER_CONSOLE_URL when set", () => {
    expect(consoleUrl({ JOBLEDGER_CONSOLE_URL: "https://console.example.com" })).toBe(
      "https://console.example.com",
    );
  });

  it("falls back to the API's URL without a local console or with a port picked at start", () => {
    expect(consoleUrl({ PORT: "3000", JOBLEDGER_CONSOLE: "off" })).toBe("http://127.0.0.1:3000");
    expect(consoleUrl({ PORT: "0" })).toBe("http://127.0.0.1:0");
    expect(consoleUrl({ JOBLEDGER_STAGE: "prod", JOBLEDGER_PUBLIC_URL: "https://api.example.com" })).toBe(
      "https://api.example.com",
    );
  });

  it("reads the console's port the way the local runtime starts it", () => {
    expect(localConsolePort({})).toBe(3001);
    expect(localConsolePort({ PORT: "0" })).toBe(0);
    expect(localConsolePort({ CONSOLE_PORT: "4100" })).toBe(4100);
    expect(() => localConsolePort({ CONSOLE_PORT: "http" })).toThrow(/CONSOLE_PORT must be an integer/);
  });
});

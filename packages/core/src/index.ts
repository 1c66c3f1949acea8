export * from "./ports/event-store.ts";
export * from "./ports/clock.ts";

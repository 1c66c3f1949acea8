export * from "./ports/clock.ts";
export * from "./ports/event-store.ts";

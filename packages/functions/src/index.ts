export { createApi } from "./api/app.ts";
export { startLocalSystem } from "./local/system.ts";
export { createServices } from "./wiring.ts";

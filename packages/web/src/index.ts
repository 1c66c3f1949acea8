/** The console is not built yet; this package reserves its place in the workspace. */
export {};

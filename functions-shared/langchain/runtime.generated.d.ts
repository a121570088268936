/** @module The types of runtime.generated.js: those of the npm packages it was built from. */
export * from "./runtime_entry.ts";

/**
 * @module LangGraph and LangChain as the control plane runs them: the vendored build of
 * runtime_entry.ts (see there why), with the npm packages' types. Import values from here;
 * `import type` from the npm packages is fine (types are not deployed).
 */
export * from "./runtime.generated.js";

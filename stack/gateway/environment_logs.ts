/**
 * @module Turns what the gateway sees of environments into log entries, as the hosted services
 * name them: a function's printed lines → `edge-function-runtime`, its invocations →
 * `edge-function`, every request to the environment → `api`. Each entry is redacted with the
 * environment's own JWT secret as well as the stack's.
 */
import type { EnvironmentRequest } from "./app.ts";
import type { EnvironmentFunctionHost } from "./environment_functions.ts";
import type { LogWriter } from "./log_writer.ts";

/** Options for {@link environmentLogs}. */
export interface EnvironmentLogsOptions {
  writer: LogWriter;
  environments: Pick<EnvironmentFunctionHost, "describe">;
  /** Injected for tests. */
  now?: () => Date;
}

export interface EnvironmentLogs {
  /** A line a function printed; false when the key is not an environment's function. */
  output(key: string, stream: "stdout" | "stderr", line: string): boolean;
  /** A request to an environment's function, answered. */
  request(r: EnvironmentRequest): void;
}

export function environmentLogs(opts: EnvironmentLogsOptions): EnvironmentLogs {
  const now = opts.now ?? (() => new Date());
  return {
    output(key, stream, line) {
      if (!key.startsWith("env/")) return false;
      const fn = opts.environments.describe(key);
      const [, ref, slug] = key.split("/");
      if (!ref || !slug) return false;
      opts.writer.write({
        ref,
        service: "edge-function-runtime",
        ts: now(),
        message: line,
        metadata: {
          level: stream === "stderr" ? "error" : "log",
          event_type: "Log",
          function_id: slug,
          ...(fn ? { version: fn.version, deployment_id: `${ref}_${slug}_${fn.version}` } : {}),
        },
      }, fn ? [fn.jwtSecret] : []);
      return true;
    },

    request(r) {
      const fn = opts.environments.describe(`env/${r.ref}/${r.slug}`);
      const secrets = fn ? [fn.jwtSecret] : [];
      const ts = now();
      opts.writer.write({
        ref: r.ref,
        service: "api",
        ts,
        message: `${r.method} | ${r.status} | ${r.path}`,
        metadata: { identifier: r.ref, method: r.method, path: r.path, status_code: r.status },
      }, secrets);
      if (r.version === undefined) return; // no such function: not an invocation
      opts.writer.write({
        ref: r.ref,
        service: "edge-function",
        ts,
        message: `${r.method} | ${r.status} | ${r.path}`,
        metadata: {
          status_code: r.status,
          method: r.method,
          function_id: r.slug,
          execution_time_ms: r.durationMs,
          deployment_id: `${r.ref}_${r.slug}_${r.version}`,
          version: r.version,
        },
      }, secrets);
    },
  };
}

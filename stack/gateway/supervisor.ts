/**
 * @module Runs each Edge Function in its own subprocess (started on first request, restarted on
 * the next request after it dies) and forwards requests to it.
 */

/** What the gateway needs to start one function. */
export interface FunctionSpec {
  /** Unique key, e.g. `sessions` or `env/<ref>/<slug>`. */
  key: string;
  /** Absolute path of the entry module. */
  entry: string;
  /** Working directory (its deno.json, if any, supplies the import map). */
  cwd: string;
  /**
   * The environment the function sees, and nothing else; a function is called only when a
   * process is started (so reading it may cost file I/O that requests should not pay).
   */
  env: Record<string, string> | (() => Record<string, string>);
  /** Extra `deno run` flags (e.g. `--no-config`, `--config=…` for deployed functions). */
  denoArgs?: string[];
}

interface Running {
  child: Deno.ChildProcess;
  port: Promise<number>;
  exited: boolean;
}

const HOST = new URL("./function_host.ts", import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;

/** Where function output goes: a line per call, tagged with the function's key. */
export type OutputSink = (key: string, stream: "stdout" | "stderr", line: string) => void;

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) onLine(buf);
}

/**
 * What a function process inherits from the gateway's own environment: where Deno and its cache
 * live, and how this machine reaches the network (proxies, extra CA certificates, an npm
 * mirror). A deployed function without a lockfile resolves its `npm:` imports at start-up, and
 * on a machine behind a TLS-inspecting proxy that fails without the CA bundle the gateway was
 * given (`NODE_EXTRA_CA_CERTS`, `DENO_CERT`, ...). Nothing else passes: no host secrets.
 */
export const INHERITED_VARIABLES: readonly string[] = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "TMPDIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NPM_CONFIG_REGISTRY",
];

/** The whole environment of a function process: the inherited variables, then its own. */
export function functionProcessEnv(
  host: Record<string, string | undefined>,
  own: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, NO_COLOR: "1", ...own };
}

export class FunctionSupervisor {
  #running = new Map<string, Running>();
  #sink: OutputSink;

  constructor(sink: OutputSink) {
    this.#sink = sink;
  }

  #start(spec: FunctionSpec): Running {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", ...(spec.denoArgs ?? []), HOST, spec.entry],
      cwd: spec.cwd,
      clearEnv: true,
      env: functionProcessEnv(
        Deno.env.toObject(),
        typeof spec.env === "function" ? spec.env() : spec.env,
      ),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const running: Running = { child, port: Promise.resolve(0), exited: false };
    running.port = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Function ${spec.key} did not start within ${START_TIMEOUT_MS} ms`));
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, START_TIMEOUT_MS);
      pumpLines(child.stdout, (line) => {
        const m = line.match(/^LISTENING (\d+)$/);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        } else this.#sink(spec.key, "stdout", line);
      }).catch(() => {});
      pumpLines(child.stderr, (line) => this.#sink(spec.key, "stderr", line)).catch(() => {});
      child.status.then((status) => {
        running.exited = true;
        clearTimeout(timer);
        if (this.#running.get(spec.key) === running) this.#running.delete(spec.key);
        reject(new Error(`Function ${spec.key} exited (code ${status.code}) before it listened`));
      });
    });
    running.port.catch(() => {});
    this.#running.set(spec.key, running);
    return running;
  }

  /** The port of a live process for this function, starting one if needed. */
  port(spec: FunctionSpec): Promise<number> {
    const current = this.#running.get(spec.key);
    if (current && !current.exited) return current.port;
    return this.#start(spec).port;
  }

  /** Fault injection: kills a function's process. Returns false when none was running. */
  kill(key: string): boolean {
    const current = this.#running.get(key);
    if (!current || current.exited) return false;
    this.#running.delete(key);
    current.exited = true;
    try {
      current.child.kill("SIGKILL");
    } catch { /* already gone */ }
    return true;
  }

  /** Kills every function whose key starts with the prefix (e.g. an environment's). */
  killMatching(prefix: string): number {
    let n = 0;
    for (const key of [...this.#running.keys()]) if (key.startsWith(prefix) && this.kill(key)) n++;
    return n;
  }

  running(): string[] {
    return [...this.#running.entries()].filter(([, r]) => !r.exited).map(([k]) => k);
  }

  /**
   * Forwards a request (body already buffered) to the function at `path`. A refused connection
   * (the process died) starts a new process and tries once more; the request never ran, so
   * the retry cannot run it twice.
   */
  async forward(
    spec: FunctionSpec,
    req: Request,
    body: ArrayBuffer | null,
    pathAndQuery: string,
  ): Promise<Response> {
    for (let attempt = 0;; attempt++) {
      let port: number;
      try {
        port = await this.port(spec);
      } catch (e) {
        return Response.json(
          { code: "BOOT_ERROR", message: `Function failed to start: ${(e as Error).message}` },
          { status: 503 },
        );
      }
      const headers = new Headers(req.headers);
      headers.delete("host");
      try {
        return await fetch(`http://127.0.0.1:${port}${pathAndQuery}`, {
          method: req.method,
          headers,
          body,
          redirect: "manual",
        });
      } catch (e) {
        const refused = e instanceof TypeError && /refused/i.test(String(e.message));
        if (refused && attempt === 0) {
          this.kill(spec.key);
          continue;
        }
        return Response.json(
          { code: "WORKER_ERROR", message: `Function ${spec.key} failed: ${(e as Error).message}` },
          { status: 502 },
        );
      }
    }
  }

  stopAll(): void {
    for (const key of [...this.#running.keys()]) this.kill(key);
  }
}

/**
 * @module Hosts one Edge Function in its own process, as the edge runtime does: the function's
 * entry module calls `Deno.serve(handler)`; here that binds to a free loopback port and the
 * port is announced on stdout (`LISTENING <port>`) for the gateway.
 *
 * Usage: deno run -A function_host.ts <entry module path>
 */
const entry = Deno.args[0];
if (!entry) {
  console.error("Usage: function_host.ts <entry module path>");
  Deno.exit(2);
}

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;
const originalServe = Deno.serve.bind(Deno);
let served = false;

function pickHandler(args: unknown[]): Handler {
  for (const arg of args) {
    if (typeof arg === "function") return arg as Handler;
    if (arg && typeof arg === "object" && "handler" in arg) {
      return (arg as { handler: Handler }).handler;
    }
    if (arg && typeof arg === "object" && "fetch" in arg) {
      const app = arg as { fetch: Handler };
      return (req, info) => app.fetch(req, info);
    }
  }
  throw new Error("Deno.serve was called without a handler");
}

// deno-lint-ignore no-explicit-any
(Deno as any).serve = (...args: unknown[]) => {
  if (served) {
    throw new Error("This function called Deno.serve twice; an Edge Function serves once");
  }
  served = true;
  const handler = pickHandler(args);
  return originalServe({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`LISTENING ${port}`),
  }, handler);
};

await import(new URL(entry, `file://${Deno.cwd()}/`).href);

// A module exporting `default { fetch }` (the other form the edge runtime accepts).
if (!served) {
  const mod = await import(new URL(entry, `file://${Deno.cwd()}/`).href);
  if (mod.default && typeof mod.default.fetch === "function") {
    // deno-lint-ignore no-explicit-any
    (Deno as any).serve(mod.default);
  } else {
    console.error(`${entry} neither called Deno.serve nor exported default { fetch }`);
    Deno.exit(1);
  }
}

/**
 * @module The gateway's `/console` routes: `GET /console/sessions/:id` (the session console),
 * `/console/app.js` (the browser code with supabase-js, bundled once on first request) and
 * `/console/console.css`. A strict Content-Security-Policy keeps the page to this origin.
 */
import { isUuid } from "../../functions-shared/text/uuid.ts";
import { paths } from "../settings.ts";
import { CONSOLE_CSS, consoleHtml } from "./page.ts";

export interface ConsoleOptions {
  /** The control plane's anon key (public; Realtime's `apikey`). */
  anonKey: string;
  /** Bundles the browser code; injected for tests. */
  bundle?: () => Promise<string>;
}

/** Bundles stack/console/browser/app.js for the browser with this Deno. */
export async function bundleConsoleApp(): Promise<string> {
  const out = await Deno.makeTempFile({ suffix: ".js" });
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=browser",
        "--minify",
        "-o",
        out,
        `${paths.root}/stack/console/browser/app.js`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!r.success) {
      throw new Error(`Cannot bundle the console: ${new TextDecoder().decode(r.stderr)}`);
    }
    return await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

function headers(type: string, host: string): HeadersInit {
  return {
    "content-type": type,
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `connect-src 'self' ws://${host} wss://${host}`,
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  };
}

/** The handler for paths under `/console/`. */
export function consoleRoutes(opts: ConsoleOptions): { handle(req: Request): Promise<Response> } {
  let app: Promise<string> | undefined;
  const bundle = opts.bundle ?? bundleConsoleApp;
  return {
    async handle(req) {
      const url = new URL(req.url);
      const h = (type: string) => headers(type, url.host);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return Response.json({ error: "Use GET" }, { status: 405 });
      }
      if (url.pathname === "/console/app.js") {
        try {
          const js = await (app ??= bundle());
          return new Response(js, { headers: h("text/javascript; charset=utf-8") });
        } catch (e) {
          app = undefined;
          return Response.json({ error: (e as Error).message }, { status: 500 });
        }
      }
      if (url.pathname === "/console/console.css") {
        return new Response(CONSOLE_CSS, { headers: h("text/css; charset=utf-8") });
      }
      const m = url.pathname.match(/^\/console\/sessions\/([^/]+)\/?$/);
      if (m) {
        if (!isUuid(m[1]!)) {
          return Response.json({ error: "Session id must be a UUID" }, { status: 400 });
        }
        return new Response(consoleHtml(m[1]!.toLowerCase(), opts.anonKey), {
          headers: h("text/html; charset=utf-8"),
        });
      }
      return Response.json({ error: "Not found: open /console/sessions/<id>" }, { status: 404 });
    },
  };
}

/**
 * @module The session console page's HTML and style, served by the local gateway. The page
 * holds no secret: the session id, and the control plane's anon key (public, for Realtime's
 * `apikey`). The user's JWT reaches the browser in the URL fragment, which is never sent.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function consoleHtml(sessionId: string, anonKey: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Session ${escapeHtml(sessionId)} · vibe-architect console</title>
<link rel="stylesheet" href="/console/console.css">
</head>
<body data-session="${escapeHtml(sessionId)}" data-anon-key="${escapeHtml(anonKey)}">
<header>
  <h1>vibe-architect <span class="dim">console</span></h1>
  <div>session <code id="session-id"></code> <span id="status" class="badge">loading</span>
    <span id="live" class="dim"></span></div>
  <p id="error" class="error"></p>
</header>
<p id="signin" class="signin" hidden>Open this page with <code>#access_token=&lt;your JWT&gt;</code>
  (<code>deno task stack token --email you@example.com</code>); the token stays in this tab.</p>
<main>
  <section class="panel" id="architect">
    <h2>Architect</h2>
    <div class="progress"><div id="progress-bar"></div></div>
    <div class="board">
      <ul id="resources"></ul>
      <div id="cursor" class="ghost-cursor" hidden>
        <svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true">
          <path d="M2 2 L2 18 L7 13 L11 21 L14 19.5 L10 12 L17 12 Z" />
        </svg>
        <span class="cursor-label"></span>
      </div>
    </div>
  </section>
  <section class="panel" id="timeline">
    <h2>Build timeline <span class="count" id="event-count">0</span></h2>
    <ol id="events"></ol>
  </section>
  <section class="panel" id="drift">
    <h2>Drift alerts <span class="count" id="alert-count">0</span></h2>
    <ul id="alerts"></ul>
  </section>
</main>
<script type="module" src="/console/app.js"></script>
</body>
</html>
`;
}

export const CONSOLE_CSS = `
:root { color-scheme: dark; --bg: #0f1115; --panel: #171a21; --line: #2a2f3a; --fg: #e6e8ee;
  --dim: #8b93a7; --accent: #3ecf8e; --warn: #f5a524; --crit: #f04438; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { padding: 16px 24px; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 4px; font-size: 20px; } h2 { margin: 0 0 12px; font-size: 15px; }
.dim { color: var(--dim); } code { color: var(--accent); }
.error { color: var(--crit); margin: 4px 0 0; min-height: 0; }
.signin { margin: 24px; padding: 16px; border: 1px dashed var(--warn); }
main { display: grid; grid-template-columns: 1fr 1.4fr 1.2fr; gap: 16px; padding: 16px 24px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; background: var(--line);
  font-size: 12px; }
.status-succeeded { background: #12472f; color: var(--accent); }
.status-failed { background: #4d1512; color: var(--crit); }
.status-running, .status-queued { background: #4a3a10; color: var(--warn); }
.count { color: var(--dim); font-weight: normal; }
.progress { height: 6px; background: var(--line); border-radius: 3px; margin-bottom: 12px; }
#progress-bar { height: 6px; width: 0; background: var(--accent); border-radius: 3px;
  transition: width .4s; }
.board { position: relative; }
#resources { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; }
.chip { padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; font-size: 12px; }
.chip-table { border-color: #2f5d8a; } .chip-policy { border-color: #5b4a8a; }
.chip-function { border-color: #7a5a1e; } .chip-analytics { border-color: #1e7a5e; }
.chip.focused { outline: 2px solid var(--accent); background: #16382b; }
.ghost-cursor { position: absolute; pointer-events: none; display: flex; align-items: flex-start;
  gap: 4px; transition: left .4s, top .4s; z-index: 2; }
.ghost-cursor svg path { fill: var(--accent); stroke: #0b3d2a; stroke-width: 1; opacity: .9; }
.cursor-label { background: var(--accent); color: #062417; font-size: 11px; padding: 2px 6px;
  border-radius: 4px; white-space: nowrap; margin-top: 14px; }
#events { list-style: none; margin: 0; padding: 0; max-height: 70vh; overflow: auto; }
.event { display: grid; grid-template-columns: 28px 64px 160px 1fr; gap: 6px; padding: 3px 0;
  border-bottom: 1px solid var(--line); font-size: 12px; }
.event .seq, .event time { color: var(--dim); } .event .type { color: var(--accent); }
.event-build_failed .type, .event-drift_detected .type { color: var(--crit); }
#alerts { list-style: none; margin: 0; padding: 0; }
.alert { border-left: 3px solid var(--warn); padding: 6px 10px; margin-bottom: 10px;
  background: #1d2029; display: grid; gap: 4px; }
.alert.severity-critical, .alert.severity-high { border-color: var(--crit); }
.alert .badge { justify-self: start; }
.alert .fix { margin: 0; font-size: 11px; color: var(--dim); white-space: pre-wrap; }
.none { color: var(--dim); }
`;

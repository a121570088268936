/**
 * @module The session console in the browser: the build timeline, the architect's ghost cursor
 * over the plan's resources, and the open drift alerts. Reads the sessions API with the user's
 * JWT (taken from the URL fragment, kept in sessionStorage for this tab only, never put in a
 * URL the server sees) and follows `build:{sessionId}` on Realtime with supabase-js.
 * Plain JavaScript: it runs in the browser (the project's type check is Deno's, without the DOM).
 */
import { createClient } from "@supabase/supabase-js";

const TOKEN_KEY = "vibe-console-token";
const body = document.body;
const sessionId = body.dataset.session ?? "";
const anonKey = body.dataset.anonKey ?? "";
const api = `${location.origin}/functions/v1/sessions/${sessionId}`;

const state = {
  status: "loading",
  events: [],
  alerts: [],
  presence: null,
  presenceSource: "none",
  live: "connecting",
  error: "",
};

/** The JWT from `#access_token=…` (then removed from the address bar), or this tab's copy. */
function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get("access_token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** The focus an event implies, for when no presence was received. */
function focusOf(e) {
  const p = e.payload;
  if (typeof p.table === "string" && e.type !== "policy_created") {
    return { type: "table", name: p.table };
  }
  if (typeof p.policy === "string") return { type: "policy", name: p.policy };
  if (typeof p.slug === "string") return { type: "function", name: p.slug };
  if (e.type.startsWith("analytics")) {
    const tables = p.foreignTables;
    return { type: "analytics", name: tables?.[0] ?? "analytics" };
  }
  return null;
}

/** The plan's resources, as chips the cursor can point at. */
function resources() {
  const plan = [...state.events].reverse().find((e) =>
    e.type === "plan_created" && e.payload.draft === false
  );
  const out = [];
  for (const t of plan?.payload.tables ?? []) {
    out.push({ type: "table", name: t, label: t });
  }
  for (const p of plan?.payload.policies ?? []) {
    out.push({ type: "policy", name: p.slice(p.indexOf(".") + 1), label: p });
  }
  for (const f of plan?.payload.functions ?? []) {
    out.push({ type: "function", name: f, label: f });
  }
  const analytics = state.events.find((e) => e.type === "analytics_configured");
  const tables = analytics?.payload.foreignTables ?? ["analytics"];
  for (const t of tables) out.push({ type: "analytics", name: t, label: t });
  return out;
}

function currentPresence() {
  if (state.presence) return state.presence;
  for (let i = state.events.length - 1; i >= 0; i--) {
    const focus = focusOf(state.events[i]);
    if (focus) {
      state.presenceSource = "events";
      return { step: state.events[i].type, focus, progress: state.status === "succeeded" ? 1 : 0 };
    }
  }
  return null;
}

function render() {
  const status = document.getElementById("status");
  status.textContent = state.status;
  status.className = `badge status-${state.status}`;
  document.getElementById("live").textContent = `realtime: ${state.live}`;
  document.getElementById("error").textContent = state.error;

  const chips = document.getElementById("resources");
  chips.replaceChildren(
    ...resources().map((r) =>
      el("li", { class: `chip chip-${r.type}`, "data-focus": `${r.type}:${r.name}` }, r.label)
    ),
  );
  const presence = currentPresence();
  const cursor = document.getElementById("cursor");
  if (presence) {
    const key = `${presence.focus.type}:${presence.focus.name}`;
    const target = chips.querySelector(`[data-focus="${CSS.escape(key)}"]`) ??
      chips.querySelector(`[data-focus^="${CSS.escape(presence.focus.type)}:"]`);
    for (const c of chips.querySelectorAll(".focused")) c.classList.remove("focused");
    target?.classList.add("focused");
    cursor.hidden = false;
    cursor.dataset.focus = key;
    cursor.dataset.source = state.presenceSource;
    cursor.querySelector(".cursor-label").textContent =
      `architect · ${presence.step} → ${presence.focus.type} ${presence.focus.name} · ${
        Math.round(presence.progress * 100)
      }%`;
    const box = chips.getBoundingClientRect();
    const at = target?.getBoundingClientRect();
    cursor.style.left = `${at ? at.right - box.left - 6 : 0}px`;
    cursor.style.top = `${at ? at.bottom - box.top - 6 : 0}px`;
    document.getElementById("progress-bar").style.width = `${Math.round(presence.progress * 100)}%`;
  } else cursor.hidden = true;

  document.getElementById("events").replaceChildren(
    ...state.events.map((e) =>
      el(
        "li",
        { class: `event event-${e.type}`, "data-seq": String(e.seq) },
        el("span", { class: "seq" }, String(e.seq)),
        el("time", { datetime: e.ts }, new Date(e.ts).toISOString().slice(11, 19)),
        el("span", { class: "type" }, e.type),
        el("span", { class: "message" }, e.message),
      )
    ),
  );
  document.getElementById("event-count").textContent = String(state.events.length);

  const alerts = document.getElementById("alerts");
  alerts.replaceChildren(
    ...(state.alerts.length === 0
      ? [el("li", { class: "none" }, "No open drift alerts")]
      : state.alerts.map((a) =>
        el(
          "li",
          { class: `alert severity-${a.severity}`, "data-resource": a.resource },
          el("span", { class: "badge" }, a.severity),
          el("strong", {}, a.resource),
          el("span", { class: "issue" }, a.issue ?? a.type),
          el("pre", { class: "fix" }, a.recommendation.split("\n").slice(0, 4).join("\n")),
        )
      )),
  );
  document.getElementById("alert-count").textContent = String(state.alerts.length);
}

async function getJson(path, token) {
  const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const data = await res.json();
  if (!res.ok) throw new Error(`${res.status}: ${data.error ?? "request failed"}`);
  return data;
}

async function refresh(token) {
  try {
    const session = await getJson("", token);
    state.status = session.status;
    if (session.presence && state.presenceSource !== "realtime") {
      state.presence = session.presence;
      state.presenceSource = "session";
    }
    const after = state.events.at(-1)?.seq ?? 0;
    const fresh = await getJson(`/events?after=${after}`, token);
    for (const e of fresh) if (!state.events.some((x) => x.seq === e.seq)) state.events.push(e);
    state.events.sort((a, b) => a.seq - b.seq);
    state.alerts = (await getJson("/drift", token)).alerts;
    state.error = "";
  } catch (e) {
    state.error = `Cannot load the session: ${e.message}`;
  }
  render();
}

function follow(token) {
  const client = createClient(location.origin, anonKey, {
    accessToken: () => Promise.resolve(token),
  });
  void client.realtime.setAuth().then(() => {
    client.channel(`build:${sessionId}`, { config: { private: true } })
      .on("broadcast", { event: "architect_presence" }, ({ payload }) => {
        state.presence = payload;
        state.presenceSource = "realtime";
        render();
      })
      .on("broadcast", { event: "build_event" }, ({ payload }) => {
        const e = payload;
        if (!state.events.some((x) => x.seq === e.seq)) state.events.push(e);
        state.events.sort((a, b) => a.seq - b.seq);
        render();
        if (e.type === "drift_detected" || e.type.startsWith("build_")) void refresh(token);
      })
      .subscribe((status) => {
        state.live = status === "SUBSCRIBED" ? "live" : status.toLowerCase();
        document.body.dataset.live = state.live;
        render();
      });
  });
}

const token = takeToken();
document.getElementById("session-id").textContent = sessionId;
if (!token) {
  document.getElementById("signin").hidden = false;
  state.status = "signed out";
  render();
} else {
  await refresh(token);
  follow(token);
  setInterval(() => void refresh(token), 5000);
  document.body.dataset.ready = "true";
}

/** @module The session console served by the local gateway, checked in headless Chromium
 * (Debian's `chromium`, driven by playwright-core): the build timeline, the architect's ghost
 * cursor (moved live by a presence broadcast on `build:{id}`), and the drift alerts; the user's
 * JWT stays in the fragment and request headers, the page carries no service key. A screenshot
 * is saved to `.stack/screenshots/console.png`. */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { loadSecrets } from "../../stack/secrets.ts";
import { paths } from "../../stack/settings.ts";
import { driveBuild, environmentDb, submitBuild } from "../support/builds.ts";
import { callFunction, newUser, stack, withClient } from "../support/stack.ts";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

Deno.test("the console shows a session's timeline, ghost cursor and drift alerts", async (t) => {
  assert.ok(
    await Deno.stat(CHROMIUM).then(() => true, () => false),
    "Chromium is installed (`deno task test` installs it: stack up --test-tools)",
  );
  const s = await stack();
  const user = await newUser("console");
  const id = await submitBuild(user, { template: "marketplace", mode: "branch", analytics: true });
  const { session } = await driveBuild(id, user.token, { timeoutMs: 120_000 });
  assert.equal(session.status, "succeeded", session.error ?? "no error");
  // Drift to show: RLS switched off on bids, found by an on-demand check.
  const env = await environmentDb(session.environment!.ref);
  try {
    await env.query("alter table public.bids disable row level security");
  } finally {
    await env.end();
  }
  const check = await callFunction(`sessions/${id}/drift/check`, {
    method: "POST",
    token: user.token,
  });
  assert.equal(check.status, 200);
  await check.body?.cancel();
  const drift = await (await callFunction(`sessions/${id}/drift`, { token: user.token })).json();
  assert.ok(drift.open >= 1, "there is an open alert to show");
  const events: { seq: number; type: string }[] = await (await callFunction(
    `sessions/${id}/events`,
    { token: user.token },
  )).json();
  assert.ok(events.some((e) => e.type === "drift_detected"));
  const pageUrl = `${s.API_URL}/console/sessions/${id}`;

  await t.step("the page itself holds no secret and is locked to its origin", async () => {
    const res = await fetch(pageUrl);
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    for (const secret of [s.SERVICE_ROLE_KEY, user.token, (await loadSecrets()).jwtSecret]) {
      assert.ok(!html.includes(secret), "no key, secret or user token in the page");
    }
    assert.ok(html.includes(s.ANON_KEY), "only the public anon key (Realtime's apikey)");
    const bad = await fetch(`${s.API_URL}/console/sessions/not-a-uuid`);
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  });

  const dir = await Deno.makeTempDir({ prefix: "vibe-chromium-" });
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 900 },
  });
  try {
    const page = await browser.newPage();
    const urls: string[] = [];
    page.on("request", (r) => urls.push(r.url()));
    await page.goto(`${pageUrl}#access_token=${user.token}`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await page.waitForSelector("body[data-live=live]", { timeout: 30_000 });

    await t.step("the timeline lists every event, in order", async () => {
      const seqs = await page.$$eval("#events li", (els) => els.map((e) => e.dataset.seq));
      assert.deepEqual(seqs, events.map((e) => String(e.seq)));
      const types = await page.$$eval("#events li .type", (els) => els.map((e) => e.textContent));
      assert.ok(types.includes("analytics_configured") && types.includes("build_succeeded"));
      assert.equal(types.at(-1), "drift_detected");
      assert.equal(await page.textContent("#status"), "succeeded");
    });

    await t.step("the drift alerts are shown with their fix", async () => {
      const resources = await page.$$eval(
        "#alerts li",
        (els) => els.map((e) => e.dataset.resource),
      );
      assert.ok(resources.includes("public.bids"), `alerts: ${resources}`);
      assert.match(await page.textContent("#alerts") ?? "", /row level security/i);
    });

    await t.step("the ghost cursor follows the architect's presence live", async () => {
      assert.ok(await page.isVisible("#cursor"), "a cursor from the last event");
      await withClient((c) =>
        c.query("select private.set_presence($1, $2::jsonb)", [
          id,
          JSON.stringify({
            actor: "architect",
            step: "configure_rls",
            focus: { type: "table", name: "listings" },
            // Stored progress never goes back (a finished build is at 100%); the focus moves.
            progress: 1,
            ts: new Date().toISOString(),
          }),
        ])
      );
      await page.waitForSelector('#cursor[data-focus="table:listings"][data-source=realtime]', {
        timeout: 15_000,
      });
      assert.match(
        await page.textContent("#cursor") ?? "",
        /configure_rls → table listings · 100%/,
      );
      assert.ok(await page.isVisible('#resources li.focused[data-focus="table:listings"]'));
      await page.waitForTimeout(800); // the cursor glides (0.4 s transition)
      const chip =
        (await page.locator('#resources li[data-focus="table:listings"]').boundingBox())!;
      const cursor = (await page.locator("#cursor").boundingBox())!;
      assert.ok(
        Math.abs(cursor.x - (chip.x + chip.width - 6)) < 4 &&
          Math.abs(cursor.y - (chip.y + chip.height - 6)) < 4,
        `the cursor points at the listings chip: ${JSON.stringify({ chip, cursor })}`,
      );
    });

    await t.step("the JWT left the address bar and no URL carries it", () => {
      assert.ok(!page.url().includes("access_token"), page.url());
      assert.deepEqual(urls.filter((u) => u.includes(user.token) && !u.includes("#")), []);
    });

    await Deno.mkdir(`${paths.stackDir}/screenshots`, { recursive: true });
    const png = `${paths.stackDir}/screenshots/console.png`;
    await page.screenshot({ path: png, fullPage: true });
    assert.ok((await Deno.stat(png)).size > 10_000, "a real screenshot");
    console.log(`console screenshot: ${png}`);

    await t.step("without a token the page asks for one", async () => {
      const fresh = await browser.newPage();
      await fresh.evaluate(() => sessionStorage.clear()).catch(() => {});
      await fresh.goto(pageUrl);
      await fresh.waitForSelector("#signin:not([hidden])", { timeout: 30_000 });
      await fresh.close();
    });
  } finally {
    await browser.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

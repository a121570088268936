/**
 * @module The sessions API refuses what Postgres cannot store and callers it cannot serve with a
 * clear 4xx that changes nothing: NUL characters (body, options, headers, path, query), a valid
 * token whose user was deleted, and Supabase Auth's anonymous sign-ins.
 */
import assert from "node:assert/strict";
import { signJwt } from "../../functions-shared/auth/jwt.ts";
import { loadSecrets } from "../../stack/secrets.ts";
import { readSettings } from "../../stack/settings.ts";
import { callFunction, newUser, stack, withClient } from "../support/stack.ts";

const VALID = {
  vibeText: "A marketplace for vintage synths.",
  template: "marketplace",
  options: { enableAnalytics: false, enableDriftSentinel: true, environmentMode: "branch" },
};

async function sessionCount(ownerId: string): Promise<number> {
  return await withClient(async (c) =>
    (await c.query<{ n: number }>(
      "select count(*)::int as n from public.build_sessions where owner_id = $1",
      [ownerId],
    )).rows[0]!.n
  );
}

/**
 * Queue messages enqueued since `since` whose session does not exist: what a half-applied
 * POST would leave (other tests' builds may be running, so the queue's length proves nothing).
 */
async function orphanMessages(since: Date): Promise<number> {
  return await withClient(async (c) =>
    (await c.query<{ n: number }>(
      `select count(*)::int as n from pgmq.q_build_steps q
        where q.enqueued_at >= $1
          and not exists (select 1 from public.build_sessions s
                           where s.id::text = q.message->>'sessionId')`,
      [since],
    )).rows[0]!.n
  );
}

/** A session row written directly (no queue message, so no build runs). */
async function insertSession(ownerId: string): Promise<string> {
  return await withClient(async (c) =>
    (await c.query<{ id: string }>(
      `insert into public.build_sessions (owner_id, template, vibe_text, options)
       values ($1, 'saas', 'A team tracker',
               '{"enableAnalytics":false,"enableDriftSentinel":true,"environmentMode":"branch"}')
       returning id`,
      [ownerId],
    )).rows[0]!.id
  );
}

function post(body: unknown, token: string, headers: Record<string, string> = {}) {
  return callFunction("sessions", {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    token,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Sends bytes a fetch client refuses to send (NUL in a header) straight to the gateway. */
async function rawRequest(head: string, body = ""): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: readSettings().apiPort });
  try {
    const bytes = new TextEncoder().encode(
      `${head}\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    await conn.write(bytes);
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    const status = new TextDecoder().decode(buf.subarray(0, n ?? 0)).match(/^HTTP\/1\.1 (\d{3})/);
    return Number(status?.[1] ?? 0);
  } finally {
    conn.close();
  }
}

Deno.test("NUL characters anywhere in a request get a 4xx and create nothing", async () => {
  const user = await newUser("nul");
  const since = new Date();

  const inBody = await post({ ...VALID, vibeText: "A shop\u0000 for synths" }, user.token);
  assert.equal(inBody.status, 400);
  const details = (await inBody.json()).details;
  assert.deepEqual(details.vibeText, ["vibeText must not contain NUL (\\u0000) characters"]);

  const inOption = await post(
    { ...VALID, options: { ...VALID.options, environmentMode: "branch\u0000" } },
    user.token,
  );
  assert.equal(inOption.status, 400);
  assert.ok((await inOption.json()).details["options.environmentMode"]);

  const inKey = await post(`{"vibeText":"x","template":"saas","te\\u0000mplate":1}`, user.token);
  assert.equal(inKey.status, 400);
  await inKey.body?.cancel();

  const inTemplate = await post({ ...VALID, template: "saas\u0000" }, user.token);
  assert.equal(inTemplate.status, 400);
  await inTemplate.body?.cancel();

  // A tab is a legal header byte but not a visible character: the app refuses it.
  const tabKey = await post(VALID, user.token, { "idempotency-key": "key\twith-tab" });
  assert.equal(tabKey.status, 400);
  assert.match((await tabKey.json()).error, /Idempotency-Key must be 1 to 255 visible ASCII/);

  const nulKey = await rawRequest(
    `POST /functions/v1/sessions HTTP/1.1\r\nAuthorization: Bearer ${user.token}\r\n` +
      `Content-Type: application/json\r\nIdempotency-Key: a\u0000b`,
    JSON.stringify(VALID),
  );
  assert.equal(nulKey, 400, "a NUL in a header is refused before any handler runs");
  const nulAuth = await rawRequest(
    `GET /functions/v1/sessions/${crypto.randomUUID()} HTTP/1.1\r\nAuthorization: Bearer a\u0000b`,
  );
  assert.equal(nulAuth, 400);

  const inPath = await callFunction("sessions/%00", { token: user.token });
  assert.equal(inPath.status, 400);
  await inPath.body?.cancel();
  const inQuery = await callFunction(`sessions/${crypto.randomUUID()}/events?after=1%00`, {
    token: user.token,
  });
  assert.equal(inQuery.status, 400);
  await inQuery.body?.cancel();

  assert.equal(await sessionCount(user.id), 0, "no session");
  assert.equal(await orphanMessages(since), 0, "no queue message");
});

Deno.test("a valid token of a deleted user gets 401 on POST and 404 elsewhere; nothing changes", async () => {
  const user = await newUser("deleted");
  const sessionId = await insertSession(user.id);
  await withClient((c) => c.query("delete from auth.users where id = $1", [user.id]));
  const since = new Date();

  const res = await post(VALID, user.token, { "idempotency-key": "after-delete" });
  assert.equal(res.status, 401);
  assert.deepEqual(await res.json(), {
    error: "Your user no longer exists: sign in again with an account",
  });
  for (
    const [method, path] of [
      ["GET", `sessions/${sessionId}`],
      ["GET", `sessions/${sessionId}/events`],
      ["GET", `sessions/${sessionId}/drift`],
      ["POST", `sessions/${sessionId}/cancel`],
      ["POST", `sessions/${sessionId}/drift/check`],
    ] as const
  ) {
    const other = await callFunction(path, { method, token: user.token });
    assert.equal(other.status, 404, `${method} ${path}`);
    await other.body?.cancel();
  }
  assert.equal(await sessionCount(user.id), 0);
  assert.equal(await orphanMessages(since), 0);
});

Deno.test("anonymous sign-ins (is_anonymous) get 403 on every sessions route", async () => {
  const user = await newUser("anonymous");
  const now = Math.floor(Date.now() / 1000);
  const token = await signJwt({
    aud: "authenticated",
    iss: `${(await stack()).API_URL}/auth/v1`,
    sub: user.id,
    role: "authenticated",
    is_anonymous: true,
    iat: now,
    exp: now + 600,
  }, (await loadSecrets()).jwtSecret);
  const since = new Date();
  const res = await post(VALID, token);
  assert.equal(res.status, 403);
  assert.match((await res.json()).error, /Anonymous sign-ins cannot use the sessions API/);
  const read = await callFunction(`sessions/${crypto.randomUUID()}`, { token });
  assert.equal(read.status, 403);
  await read.body?.cancel();
  const health = await callFunction("sessions/health", { token });
  assert.equal(health.status, 200, "health answers any valid token");
  await health.body?.cancel();
  assert.equal(await sessionCount(user.id), 0);
  assert.equal(await orphanMessages(since), 0);
});

Deno.test("bodies that are not UTF-8 JSON declared as JSON, lone surrogates and __proto__ keys get a 4xx and change nothing", async () => {
  const user = await newUser("strict-body");
  const since = new Date();
  const bytes = new TextEncoder().encode(JSON.stringify(VALID));
  // `type: null` sends no Content-Type at all; otherwise the default is application/json.
  const cases: {
    name: string;
    body: BodyInit;
    type?: string | null;
    status: number;
    match: RegExp;
  }[] = [
    {
      name: "text/plain",
      body: JSON.stringify(VALID),
      type: "text/plain",
      status: 415,
      match: /Content-Type: application\/json/,
    },
    {
      name: "form-encoded",
      body: "vibeText=bikes&template=marketplace",
      type: "application/x-www-form-urlencoded",
      status: 415,
      match: /Content-Type/,
    },
    {
      name: "no content type",
      body: new Blob([bytes]),
      type: null,
      status: 415,
      match: /Content-Type/,
    },
    {
      name: "invalid UTF-8",
      body: new Uint8Array([...bytes.slice(0, 15), 0xff, 0xfe, ...bytes.slice(15)]),
      status: 400,
      match: /UTF-8/,
    },
    {
      name: "lone surrogate",
      body: `{"vibeText":"bikes \\ud83d here","template":"marketplace"}`,
      status: 400,
      match: /vibeText must be valid Unicode/,
    },
    {
      name: "__proto__ and constructor keys",
      body:
        `{"vibeText":"a","template":"saas","__proto__":{"admin":true},"constructor":{"prototype":1}}`,
      status: 400,
      match: /is not a known field/,
    },
  ];
  for (const c of cases) {
    const headers = new Headers({ authorization: `Bearer ${user.token}` });
    if (c.type !== null) headers.set("content-type", c.type ?? "application/json");
    const res = await fetch(`${(await stack()).FUNCTIONS_URL}/sessions`, {
      method: "POST",
      headers,
      body: c.body,
    });
    const text = await res.text();
    assert.equal(res.status, c.status, `${c.name}: ${text}`);
    assert.match(text, c.match, c.name);
  }
  assert.equal(await sessionCount(user.id), 0, "no session was created");
  assert.equal(await orphanMessages(since), 0, "nothing was enqueued");
  // application/json with a charset is JSON.
  const ok = await post(VALID, user.token, { "content-type": "application/json; charset=utf-8" });
  assert.equal(ok.status, 201, await ok.text());
});

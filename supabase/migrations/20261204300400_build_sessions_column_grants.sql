-- Signed-in users read their sessions through the Data API (and Realtime's authorization reads
-- owner_id), but not the internals: the plan and contract (the whole environment as built),
-- the idempotency key, queue bookkeeping. Column grants expose only what the API contract
-- returns (GET /sessions/:id), the owner the policies test, the creation time and the
-- architect's latest presence. Service role and the functions (postgres) keep full access.
revoke select on public.build_sessions from authenticated;
grant select (id, owner_id, created_at, status, template, vibe_text, options, environment, outputs,
              error, presence)
  on public.build_sessions to authenticated;

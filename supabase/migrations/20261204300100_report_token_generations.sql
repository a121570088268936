-- Reporting tokens have generations: a reissue moves the session to the next generation's
-- token (derived from VIBE_REPORT_TOKEN_SECRET, the session id and the generation), so every
-- earlier token, revoked or not, stays dead while the new one works.
alter table private.environment_tokens
  add column if not exists generation integer not null default 1 check (generation >= 1),
  add column if not exists reissued_at timestamptz;

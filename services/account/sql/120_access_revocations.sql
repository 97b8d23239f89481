-- Access tokens carry the account's token generation when they were issued (claim gen). Logging out everywhere,
-- changing the password or the role, and disabling the account raise it: tokens of a lower generation are revoked.
ALTER TABLE accounts ADD COLUMN token_generation integer NOT NULL DEFAULT 0;
-- A disabled account cannot log in or refresh; NULL means enabled.
ALTER TABLE accounts ADD COLUMN disabled_at timestamptz;

-- What gateways must refuse before the tokens expire, streamed to them (WatchRevocations). Rows matter only for one
-- access-token lifetime after recorded_at and are deleted after that.
CREATE TABLE access_revocations (
  sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL,
  -- The session (refresh-token family) whose access tokens are revoked; NULL: every access token of the account with
  -- a generation below `generation`.
  session_id uuid,
  generation integer NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX access_revocations_recorded_at ON access_revocations (recorded_at);
CREATE INDEX access_revocations_session ON access_revocations (session_id) WHERE session_id IS NOT NULL;

-- Expired refresh tokens are deleted in batches (AccountService.purgeExpiredRefreshTokens).
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

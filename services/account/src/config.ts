import { commonSettings, eventSettings, setting } from "@polyscale/platform";

/** The development default of ADMIN_PASSWORD, which production refuses. */
export const DEFAULT_ADMIN_PASSWORD = "polyscale-admin";

/** Every environment variable the account service reads. */
export const accountSettings = {
  ...commonSettings,
  ...eventSettings,
  host: setting.string("HOST", "127.0.0.1"),
  port: setting.port("ACCOUNT_PORT", 50051),
  /** Port of the Prometheus metrics endpoint (/metrics); kept apart from the gRPC port, never public. */
  metricsPort: setting.port("ACCOUNT_METRICS_PORT", 9465),
  /** PostgreSQL URL of the account database (`npm start` points it at the embedded server). */
  databaseUrl: setting.databaseUrl("ACCOUNT_DATABASE_URL"),
  /** Where the development signing key is kept (DATA_DIR/keys) when JWT_PRIVATE_KEY is unset. */
  dataDir: setting.string("DATA_DIR", "./data"),
  /**
   * Ed25519 private key (PKCS#8 PEM) that signs access tokens, read as the key (text that is not one is refused with
   * the other bad settings); unset means a development key kept under DATA_DIR.
   */
  jwtPrivateKey: setting.requiredInProduction(
    setting.optionalEd25519PrivateKey("JWT_PRIVATE_KEY"),
    "an Ed25519 private key, PKCS#8 PEM",
  ),
  accessTokenTtlSeconds: setting.integer("ACCESS_TOKEN_TTL_SECONDS", 900, { min: 30, max: 86_400 }),
  refreshTokenTtlSeconds: setting.integer("REFRESH_TOKEN_TTL_SECONDS", 2_592_000, { min: 60, max: 31_536_000 }),
  /** A refresh token used again within this many seconds gets the same successor (concurrent tabs, retries). */
  refreshGraceSeconds: setting.integer("REFRESH_GRACE_SECONDS", 10, { min: 0, max: 300 }),
  /** How often revocations recorded by other account replicas are looked for (this replica's are sent at once). */
  revocationPollMs: setting.integer("REVOCATION_POLL_MS", 200, { min: 20, max: 10_000 }),
  /**
   * How often gateways' revocation streams get a heartbeat. At most the default: a gateway counts a stream silent for
   * 6 s (3 of these) as down and asks per token meanwhile.
   */
  revocationHeartbeatMs: setting.integer("REVOCATION_HEARTBEAT_MS", 2000, { min: 100, max: 2000 }),
  /** How often rows of expired refresh tokens (and old revocations, expired emailed tokens) are deleted. */
  refreshTokenPurgeIntervalMs: setting.integer("REFRESH_TOKEN_PURGE_INTERVAL_MS", 3_600_000, {
    min: 1000,
    max: 86_400_000,
  }),
  /** SMTP server for password-reset and verification emails, e.g. smtps://user:password@mail.example.com:465; unset
   * writes each email as a file under DATA_DIR/mail (development). Required in production: without it reset links
   * (bearer credentials) would be written to disk instead of reaching their owners. */
  smtpUrl: setting.requiredInProduction(
    setting.optionalString("SMTP_URL"),
    "the SMTP server that sends password-reset emails",
  ),
  mailFrom: setting.string("MAIL_FROM", "PolyScale <no-reply@polyscale.local>"),
  /** Where the shop's front end is: emailed links point at APP_URL/reset-password and APP_URL/verify-email. */
  appUrl: setting.httpUrl("APP_URL", "http://localhost:4000"),
  passwordResetTtlSeconds: setting.integer("PASSWORD_RESET_TTL_SECONDS", 1800, { min: 60, max: 86_400 }),
  emailVerificationTtlSeconds: setting.integer("EMAIL_VERIFICATION_TTL_SECONDS", 172_800, { min: 60, max: 2_592_000 }),
  adminEmail: setting.string("ADMIN_EMAIL", "admin@polyscale.local"),
  adminPassword: setting.developmentDefault(
    "ADMIN_PASSWORD",
    DEFAULT_ADMIN_PASSWORD,
    "set a strong one for production",
  ),
};

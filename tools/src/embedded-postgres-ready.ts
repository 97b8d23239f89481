/**
 * What the embedded PostgreSQL's process prints once the server accepts connections (followed by host:port). The
 * launcher waits for it rather than trying to connect: a connection tried during start-up is refused, and PostgreSQL
 * logs "FATAL: the database system is starting up" for it, sometimes after it is ready (a stray line on every start).
 * A module of its own so that the server's process imports nothing else of the launcher's.
 */
export const EMBEDDED_POSTGRES_READY = "embedded PostgreSQL ready on";

-- The W3C trace context (traceparent, tracestate headers) of the request that wrote the event, when it was traced:
-- the relay sends it with the message so a consumer's spans join the trace of the change. NULL when untraced.
ALTER TABLE event_outbox ADD COLUMN traceparent text, ADD COLUMN tracestate text;

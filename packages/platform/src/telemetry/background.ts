import { context, ROOT_CONTEXT } from "@opentelemetry/api";

/**
 * Wraps a background task (a poll, a timer's callback, a relay or reconciler loop, a subscription's handler) so each
 * call runs outside any trace: with no active span, its statements and calls start no span of a request's trace
 * (pg spans need a parent) and never join a trace that happened to be active when the loop or timer was set up.
 * Without it, a timer set while serving a long-lived stream kept adding spans to that stream's trace for ever.
 * The returned function takes and returns what `task` does; with tracing off it only calls `task`.
 */
export function inBackground<A extends unknown[], R>(task: (...args: A) => R): (...args: A) => R {
  return (...args) => context.with(ROOT_CONTEXT, task, undefined, ...args);
}

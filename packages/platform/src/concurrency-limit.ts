import pLimit, { type LimitFunction } from "p-limit";
import type { RequestContext } from "./context.js";
import { AppError } from "./errors.js";
import { gauge } from "./metrics.js";

/** The limits of this process by name, read at each scrape; a later limit of the same name replaces the first. */
const limitsByName = new Map<string, ConcurrencyLimit>();

gauge({
  name: "polyscale_limited_calls",
  help: "Calls under a concurrency limit (e.g. the order service's placements), by limit and state (running, waiting)",
  labelNames: ["limit", "state"] as const,
  collect() {
    this.reset();
    for (const [name, limit] of limitsByName) {
      this.set({ limit: name, state: "running" }, limit.running);
      this.set({ limit: name, state: "waiting" }, limit.waiting);
    }
  },
});

/** What a ConcurrencyLimit is built from. */
export interface ConcurrencyLimitOptions {
  /** Calls that may run at once (at least 1). */
  limit: number;
  /**
   * What the calls do: the error of one that waited past its deadline says it ("placement"), and /metrics shows the
   * calls running and waiting as `polyscale_limited_calls{limit="placement"}`.
   */
  name: string;
}

/**
 * Lets at most `limit` calls run at once; the others wait their turn in arrival order (FIFO, p-limit's queue). A
 * call that reaches its turn after its context's deadline is refused with DEADLINE_EXCEEDED without running: its
 * caller has given up, and the work would only delay the calls behind it.
 *
 * Why a service limits itself: once the CPU is busy, more calls in flight do not add throughput, they only add
 * callbacks to every turn of the event loop, so each call and every background step of the process (the outbox
 * relay's reads and acks) waits longer. A call waiting here costs a queue entry, nothing per turn. (Measured on the
 * order service's placements: 10 calls in flight instead of 50, at the same orders per second, cut the checkout's
 * p50 from about 730 to 170 ms and the event lag's p99 from about 370 to 140 ms; bench/results/README.md.)
 */
export class ConcurrencyLimit {
  private readonly queue: LimitFunction;
  private readonly name: string;

  constructor(options: ConcurrencyLimitOptions) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`a concurrency limit must be a whole number of at least 1, not ${options.limit}`);
    }
    this.queue = pLimit(options.limit);
    this.name = options.name;
    limitsByName.set(options.name, this);
  }

  /**
   * Runs `work` once fewer than `limit` calls are running, and settles as it does. Throws AppError DEADLINE_EXCEEDED
   * (reason SERVICE_UNAVAILABLE) without running it when the context's deadline passed while it waited.
   */
  run<T>(context: Pick<RequestContext, "deadline">, work: () => Promise<T>): Promise<T> {
    return this.queue(() => {
      if (context.deadline && context.deadline.getTime() <= Date.now()) {
        throw new AppError("DEADLINE_EXCEEDED", `the ${this.name} waited for its turn past its deadline`);
      }
      return work();
    });
  }

  /** Calls running now. */
  get running(): number {
    return this.queue.activeCount;
  }

  /** Calls waiting for their turn. */
  get waiting(): number {
    return this.queue.pendingCount;
  }
}

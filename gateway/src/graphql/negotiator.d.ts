/** The part of negotiator 1.x's API the gateway uses (@types/negotiator describes 0.6, without `preferred`). */
declare module "negotiator" {
  import type { IncomingMessage } from "node:http";

  export default class Negotiator {
    constructor(request: IncomingMessage);
    /**
     * The coding of `available` the request's Accept-Encoding prefers (q-values, then `preferred` among equals), or
     * undefined when it refuses all of them.
     */
    encoding(available: readonly string[], options?: { preferred?: readonly string[] }): string | undefined;
  }
}

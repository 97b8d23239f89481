import type { GatewayContext } from "../context.js";

/** The context every resolver receives: the gateway's per-request context. */
export interface GraphQLContext {
  gateway: GatewayContext;
}

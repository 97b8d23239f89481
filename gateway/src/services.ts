import { performance } from "node:perf_hooks";
import { createAccountClient, type AccountClient } from "@polyscale/account";
import { createOrderClient, type OrderClient } from "@polyscale/order";
import { createProductClient, type ProductClient } from "@polyscale/product";
import type { CallContext } from "@polyscale/platform";

/** The three typed clients: the gateway reaches the services through these only. */
export interface Services {
  account: AccountClient;
  product: ProductClient;
  order: OrderClient;
}

export type ServiceName = keyof Services;

export function connectServices(options: {
  accountServiceAddress: string;
  productServiceAddress: string;
  orderServiceAddress: string;
  grpcDeadlineMs: number;
}): Services {
  const deadlineMs = options.grpcDeadlineMs;
  return {
    account: createAccountClient({ address: options.accountServiceAddress, deadlineMs }),
    product: createProductClient({ address: options.productServiceAddress, deadlineMs }),
    order: createOrderClient({ address: options.orderServiceAddress, deadlineMs }),
  };
}

export function closeServices(services: Services): void {
  for (const client of [services.account, services.product, services.order]) client.close();
}

/** Calls made to each service while answering one HTTP request, and the time spent waiting for them. */
export class DownstreamCalls {
  readonly calls: Record<ServiceName, number> = { account: 0, product: 0, order: 0 };
  readonly milliseconds: Record<ServiceName, number> = { account: 0, product: 0, order: 0 };

  /** A Server-Timing header value, e.g. `order;desc="calls=1";dur=3.2`: how the bench counts calls per query. */
  serverTiming(): string {
    return (Object.keys(this.calls) as ServiceName[])
      .map((name) => `${name};desc="calls=${this.calls[name]}";dur=${this.milliseconds[name].toFixed(1)}`)
      .join(", ");
  }
}

export interface BoundServicesOptions {
  services: Services;
  /** The request's id and deadline (and, once verified, the caller's access token) that every call carries. */
  context: CallContext;
  calls: DownstreamCalls;
}

/**
 * The clients as one request sees them: every call carries the request's id and deadline without each caller passing
 * them, and is counted in `calls`.
 */
export function bindServices(options: BoundServicesOptions): Services {
  const { services, context, calls } = options;
  const bind = <Client extends object>(name: ServiceName, client: Client): Client =>
    new Proxy(client, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || property === "close") return value;
        return async (request: unknown) => {
          calls.calls[name] += 1;
          const startedAt = performance.now();
          try {
            return await (value as (request: unknown, context: CallContext) => Promise<unknown>).call(
              target,
              request,
              context,
            );
          } finally {
            calls.milliseconds[name] += performance.now() - startedAt;
          }
        };
      },
    });
  return {
    account: bind("account", services.account),
    product: bind("product", services.product),
    order: bind("order", services.order),
  };
}

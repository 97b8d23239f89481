/**
 * Ids of accounts the account service has confirmed to exist, so placing an order for a returning customer skips one
 * gRPC call. Sound because accounts are never deleted (the contract has no such call): if that ever changes, this
 * cache must learn of deletions. Bounded: beyond its `capacity`, the id confirmed longest ago is forgotten first.
 */
export interface KnownAccountsOptions {
  /** How many ids are remembered at most. */
  capacity: number;
}

export class KnownAccounts {
  private readonly ids = new Set<string>();

  constructor(private readonly options: KnownAccountsOptions) {}

  has(accountId: string): boolean {
    return this.ids.has(accountId);
  }

  add(accountId: string): void {
    if (this.ids.has(accountId)) return;
    if (this.ids.size >= this.options.capacity) this.ids.delete(this.ids.values().next().value!);
    this.ids.add(accountId);
  }

  get size(): number {
    return this.ids.size;
  }
}

/** The product service's own types; server.ts converts them to and from the generated proto messages. */

export interface Product {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  categoryId: string | null;
  /** Units available to sell. Never negative. */
  stock: number;
  createdAt: Date;
  updatedAt: Date;
  /** When an admin took the product off sale (out of listings, search and new reservations); null while on sale. */
  archivedAt: Date | null;
}

export type NewProduct = Omit<Product, "createdAt" | "updatedAt" | "archivedAt">;

/** What archiving or restoring a product came to (repository.setArchived): changed is false when it already was. */
export interface ArchiveChange {
  product: Product;
  changed: boolean;
}

/** The fields UpdateProduct may change; undefined leaves a field as it is, a null categoryId removes the category. */
export type ProductChanges = Partial<Pick<Product, "name" | "description" | "priceCents" | "currency" | "categoryId">>;

export interface Category {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
}

export type ReservationStatus = "held" | "committed" | "released";

export interface ReservationLine {
  productId: string;
  quantity: number;
}

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  /** Ordered by product id. */
  lines: ReservationLine[];
  createdAt: Date;
  updatedAt: Date;
}

/** Units of one product by what they are doing: available + held = on hand; sold are gone. */
export interface StockLevel {
  productId: string;
  onHand: number;
  available: number;
  held: number;
  sold: number;
}

/** What adding a delta to a product's stock came to (repository.adjustStock, which wrote its event). */
export type StockAdjustment =
  | { kind: "adjusted"; product: Product }
  | { kind: "productNotFound" }
  /** The sum would leave 0..LIMITS.stock; nothing changed. */
  | { kind: "outOfRange" };

/**
 * What an attempt to reserve stock for an order came to (repository.reserveStock). After `insufficient`,
 * `archived` or `productNotFound` the caller must roll the transaction back: the other lines may have been taken. `reserved` wrote
 * the stock_changed events.
 */
export type StockReservation =
  | { kind: "reserved"; reservation: Reservation }
  /** The order already had a reservation, returned unchanged (its lines may differ from the ones asked for). */
  | { kind: "existing"; reservation: Reservation }
  | { kind: "productNotFound"; productId: string }
  /** The product is archived (off sale): checked by the statement that takes the stock, under its row lock. */
  | { kind: "archived"; productId: string }
  /** The product has fewer units available than the line asks for. */
  | { kind: "insufficient"; productId: string };

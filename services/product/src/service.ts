import type { Database } from "@polyscale/platform";
import { ArchivingService } from "./archiving.js";
import { CatalogService, type CreateProductInput, type ListProductsInput, type UpdateProductInput } from "./catalog.js";
import { CategoryService, type CreateCategoryInput } from "./categories.js";
import { ImageService, type SetProductImagesInput } from "./images.js";
import {
  InventoryService,
  type AdjustStockInput,
  type ListReservationsInput,
  type ListStockLevelsInput,
  type ReserveStockInput,
} from "./inventory.js";
import type { Category, Product, ProductVariant, Reservation, SearchResult, StockLevel } from "./model.js";
import type { SearchEngine } from "./search/search-engine.js";
import { SearchService, type SearchInput } from "./search/search-service.js";
import { VariantService, type AddVariantInput, type UpdateVariantInput } from "./variants.js";

export interface ProductServiceOptions {
  database: Database;
  /** Answers SearchProducts (PostgreSQL full text or Elasticsearch, possibly behind a cache). */
  searchEngine: SearchEngine;
  /** The currency of a product created without one, and of price bounds given without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/**
 * The business rules, one job a file: products (catalog.ts), their variants (variants.ts), images (images.ts),
 * archiving (archiving.ts), categories (categories.ts), search (search/search-service.ts) and the inventory
 * (inventory.ts); this class builds them from one options object and is what the server and main use. Every input is checked before anything is
 * written; the repository's outcomes become errors there, and each change records its event in the transaction that
 * makes it. No method takes the request context: none calls another service or logs for a request.
 */
export class ProductService {
  private readonly catalog: CatalogService;
  private readonly variants: VariantService;
  private readonly images: ImageService;
  private readonly archiving: ArchivingService;
  private readonly categories: CategoryService;
  private readonly search: SearchService;
  private readonly inventory: InventoryService;

  constructor(options: ProductServiceOptions) {
    const { database } = options;
    this.catalog = new CatalogService({ database, defaultCurrency: options.defaultCurrency });
    this.variants = new VariantService({ database, defaultCurrency: options.defaultCurrency });
    this.images = new ImageService({ database });
    this.archiving = new ArchivingService({ database });
    this.categories = new CategoryService({ database });
    this.search = new SearchService(options);
    this.inventory = new InventoryService({ database });
  }

  // ---- Products (catalog.ts) ----

  createProduct(input: CreateProductInput): Promise<Product> {
    return this.catalog.createProduct(input);
  }

  updateProduct(input: UpdateProductInput): Promise<Product> {
    return this.catalog.updateProduct(input);
  }

  getProduct(id: string): Promise<Product> {
    return this.catalog.getProduct(id);
  }

  /** The products that exist among ids, in request order, each once. */
  getProducts(ids: string[]): Promise<Product[]> {
    return this.catalog.getProducts(ids);
  }

  /** Products on sale, newest first. */
  listProducts(input: ListProductsInput): Promise<Product[]> {
    return this.catalog.listProducts(input);
  }

  // ---- Variants (variants.ts) ----

  /** Adds a variant after the product's others; its SKU must be free. */
  addVariant(input: AddVariantInput): Promise<ProductVariant> {
    return this.variants.addVariant(input);
  }

  /** Changes the fields of a variant that are set. */
  updateVariant(input: UpdateVariantInput): Promise<ProductVariant> {
    return this.variants.updateVariant(input);
  }

  // ---- Images (images.ts) ----

  /** Replaces a product's images, in order. */
  setProductImages(input: SetProductImagesInput): Promise<Product> {
    return this.images.setProductImages(input);
  }

  // ---- Archiving (archiving.ts) ----

  /** Takes a product off sale; idempotent. */
  archiveProduct(id: string): Promise<Product> {
    return this.archiving.archiveProduct(id);
  }

  /** Puts an archived product on sale again; idempotent. */
  restoreProduct(id: string): Promise<Product> {
    return this.archiving.restoreProduct(id);
  }

  /** Takes one variant off sale (never a product's last on sale); idempotent. */
  archiveVariant(id: string): Promise<ProductVariant> {
    return this.archiving.archiveVariant(id);
  }

  /** Puts an archived variant on sale again; idempotent. */
  restoreVariant(id: string): Promise<ProductVariant> {
    return this.archiving.restoreVariant(id);
  }

  // ---- Search (search/search-service.ts) ----

  /** One page of matches with counts and facets; see SearchResult for what the counts mean. */
  searchProducts(input: SearchInput): Promise<SearchResult> {
    return this.search.searchProducts(input);
  }

  // ---- Categories (categories.ts) ----

  createCategory(input: CreateCategoryInput): Promise<Category> {
    return this.categories.createCategory(input);
  }

  listCategories(): Promise<Category[]> {
    return this.categories.listCategories();
  }

  // ---- Inventory (inventory.ts) ----

  /** Adds delta to a variant's stock (the default variant's when variantId is empty or absent). */
  adjustStock(input: AdjustStockInput): Promise<Product> {
    return this.inventory.adjustStock(input);
  }

  /** Takes stock for every line of an order or for none; asking again with the same lines returns the reservation. */
  reserveStock(input: ReserveStockInput): Promise<Reservation> {
    return this.inventory.reserveStock(input);
  }

  /** Gives a held reservation's stock back. Idempotent; a committed reservation cannot be released. */
  releaseReservation(orderId: string): Promise<Reservation> {
    return this.inventory.releaseReservation(orderId);
  }

  /** Marks a held reservation as sold. Idempotent; a released reservation cannot be committed. */
  commitReservation(orderId: string): Promise<Reservation> {
    return this.inventory.commitReservation(orderId);
  }

  /** Reservations by status and age, oldest first, a page after afterOrderId (the order service's reconciler). */
  listReservations(input: ListReservationsInput): Promise<Reservation[]> {
    return this.inventory.listReservations(input);
  }

  /** Stock on hand, available, held and sold: of up to 1000 given products, or of the `take` holding the most. */
  listStockLevels(input: ListStockLevelsInput): Promise<StockLevel[]> {
    return this.inventory.listStockLevels(input);
  }
}

import {
  invalidArgument,
  newId,
  normalizePage,
  recordEvents,
  requireCurrency,
  requireId,
  requireIds,
  requirePrice,
  requireText,
  type Database,
  type Page,
} from "@polyscale/platform";
import { requireCategory } from "./lookups.js";
import { productChanged } from "./events.js";
import { productNotFound } from "./client.js";
import type { NewProduct, Product, ProductAttribute, ProductChanges } from "./model.js";
import * as repository from "./repository.js";
import { requireAttributesApart, requireConsistentProduct } from "./option-names.js";
import { MAX_VARIANTS, newVariant, requireOptions, variantRefused, type NewVariantInput } from "./variants.js";

const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 10_000;
const MAX_IDS_PER_GET = 1000;
/** Attributes of one product: a spec sheet's worth, each searched as an option value. */
const MAX_ATTRIBUTES = 30;

export interface CreateProductInput {
  name: string;
  description: string;
  /** With variants empty: the one default variant's price, currency and stock (0 when variants are given). */
  priceCents: number;
  /** Empty means the service default. */
  currency: string;
  /** Empty means no category. */
  categoryId: string;
  stock: number;
  /**
   * The default first, at least one, each with its SKU; absent means the old way: one default variant of
   * priceCents, currency and stock, whose SKU is its id (the product's) upper-case.
   */
  variants?: NewVariantInput[];
  /** Free attributes (brand, material); absent means none. */
  attributes?: ProductAttribute[];
}

export interface UpdateProductInput {
  id: string;
  name?: string;
  description?: string;
  priceCents?: number;
  currency?: string;
  /** The empty string removes the category. */
  categoryId?: string;
  /** Replaces all of the product's attributes (an empty list removes them). */
  attributes?: ProductAttribute[];
}

/** One page of the products on sale (ListProducts): the platform's Page, flat, as the contract's request carries it. */
export type ListProductsInput = Page;

export interface CatalogServiceOptions {
  database: Database;
  /** The currency of a product created without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/**
 * The catalog's products: creating them (with their first variants), changing their names, descriptions, prices,
 * categories and attributes, and reading them. Stock is set when a product is created; every later change to it is
 * the inventory's (inventory.ts). Later variants are variants.ts's, images images.ts's, archiving archiving.ts's.
 */
export class CatalogService {
  private readonly database: Database;
  private readonly defaultCurrency: string;

  constructor(options: CatalogServiceOptions) {
    this.database = options.database;
    this.defaultCurrency = options.defaultCurrency;
  }

  /**
   * A product with its variants (the first is the default, with the product's id), or the old way (variants absent):
   * one default variant of priceCents, currency and stock. INVALID_ARGUMENT naming the field for bad input, an empty
   * list of variants, or variants that do not fit together (option-names.ts: a SKU or option values twice, other
   * option names, an attribute named as an option); ALREADY_EXISTS SKU_TAKEN (field `variants[i].sku`, i
   * the clashing variant's index; `sku` the old way) when another product's variant has a SKU. Nothing is written then.
   */
  async createProduct(input: CreateProductInput): Promise<Product> {
    const id = newId();
    const given = input.variants ?? [];
    if (input.variants !== undefined && given.length === 0) {
      throw invalidArgument("variants", "must hold at least one variant (left out: one default variant of priceCents)");
    }
    if (given.length > MAX_VARIANTS) {
      throw invalidArgument("variants", `must hold at most ${MAX_VARIANTS} variants`, "LIMIT_EXCEEDED");
    }
    if (given.length > 0 && input.priceCents !== 0) {
      throw invalidArgument("priceCents", "must be 0 when variants are given: each variant has its price");
    }
    if (given.length > 0 && input.stock !== 0) {
      throw invalidArgument("stock", "must be 0 when variants are given: each variant has its stock");
    }
    const product: NewProduct = {
      id,
      name: requireText("name", input.name, { max: MAX_NAME_LENGTH }),
      description: requireText("description", input.description, { min: 0, max: MAX_DESCRIPTION_LENGTH }),
      categoryId: input.categoryId === "" ? null : requireId("categoryId", input.categoryId),
      attributes: requireOptions("attributes", input.attributes ?? [], MAX_ATTRIBUTES),
      variants:
        given.length > 0
          ? given.map((variant, index) =>
              newVariant(`variants[${index}].`, variant, index === 0 ? id : newId(), this.defaultCurrency),
            )
          : [
              // The old way's one variant has the product's id as SKU, as sql/220 gave the products it found.
              newVariant(
                "",
                {
                  sku: id.toUpperCase(),
                  options: [],
                  priceCents: input.priceCents,
                  currency: input.currency,
                  stock: input.stock,
                },
                id,
                this.defaultCurrency,
              ),
            ],
    };
    await requireConsistentProduct(this.database, product.variants, product.attributes);
    if (product.categoryId !== null) await requireCategory(this.database, product.categoryId);
    return this.database.transaction(async (tx) => {
      const outcome = await repository.insertProduct(tx, product);
      if (outcome.kind !== "written") {
        throw variantRefused(outcome, (index) => (given.length > 0 ? `variants[${index}].` : ""));
      }
      await recordEvents(tx, [productChanged("product.created", outcome.product)]);
      return outcome.product;
    });
  }

  /**
   * Changes the fields that are set. INVALID_ARGUMENT naming the field for bad input or an attribute named as one of
   * the product's variant options (attributes[i].name); PRODUCT_NOT_FOUND (id).
   */
  async updateProduct(input: UpdateProductInput): Promise<Product> {
    const id = requireId("id", input.id);
    const changes: ProductChanges = {
      name: input.name === undefined ? undefined : requireText("name", input.name, { max: MAX_NAME_LENGTH }),
      description:
        input.description === undefined
          ? undefined
          : requireText("description", input.description, { min: 0, max: MAX_DESCRIPTION_LENGTH }),
      priceCents: input.priceCents === undefined ? undefined : requirePrice("priceCents", input.priceCents),
      currency: input.currency === undefined ? undefined : requireCurrency("currency", input.currency),
      categoryId:
        input.categoryId === undefined
          ? undefined
          : input.categoryId === ""
            ? null
            : requireId("categoryId", input.categoryId),
      attributes:
        input.attributes === undefined ? undefined : requireOptions("attributes", input.attributes, MAX_ATTRIBUTES),
    };
    if (changes.categoryId) await requireCategory(this.database, changes.categoryId);
    const product = Object.values(changes).every((value) => value === undefined)
      ? await repository.getProduct(this.database, id)
      : await this.database.transaction(async (tx) => {
          if (changes.attributes !== undefined) {
            const shape = await repository.lockOptionNames(tx, id);
            if (!shape) return undefined;
            await requireAttributesApart(tx, changes.attributes, shape.reference ?? []);
          }
          const updated = await repository.updateProduct(tx, id, changes);
          if (updated) await recordEvents(tx, [productChanged("product.updated", updated)]);
          return updated;
        });
    if (!product) throw productNotFound(id, "id");
    return product;
  }

  async getProduct(id: string): Promise<Product> {
    const product = await repository.getProduct(this.database, requireId("id", id));
    if (!product) throw productNotFound(id, "id");
    return product;
  }

  /** The products that exist among ids, in request order, each once. */
  async getProducts(ids: string[]): Promise<Product[]> {
    return repository.getProducts(this.database, requireIds("ids", ids, { max: MAX_IDS_PER_GET }));
  }

  /** Products on sale, newest first (archived ones are left out). */
  async listProducts(input: ListProductsInput): Promise<Product[]> {
    return repository.listProducts(this.database, normalizePage(input));
  }
}

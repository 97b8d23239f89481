import {
  alreadyExists,
  invalidArgument,
  newId,
  recordEvents,
  requireCurrency,
  requireId,
  requirePrice,
  requireStock,
  requireText,
  type AppError,
  type Database,
  type Queryable,
} from "@polyscale/platform";
import { productChanged } from "./events.js";
import { productNotFound, variantNotFound } from "./client.js";
import type { NewVariant, ProductVariant, VariantChanges, VariantOption } from "./model.js";
import { requireVariantFits } from "./option-names.js";
import * as repository from "./repository.js";

const SKU_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,63}$/;
/** Variants of one product created at once. */
export const MAX_VARIANTS = 100;
const MAX_OPTIONS = 10;
const MAX_OPTION_NAME_LENGTH = 50;
export const MAX_OPTION_VALUE_LENGTH = 100;

/** A variant to create: an empty currency means the service default. */
export interface NewVariantInput {
  sku: string;
  options: VariantOption[];
  priceCents: number;
  currency: string;
  stock: number;
}

/** A variant to add after a product's others; `variant` is a message field the contract lets a request leave out. */
export interface AddVariantInput {
  productId: string;
  variant: NewVariantInput | undefined;
}

export interface UpdateVariantInput {
  id: string;
  sku?: string;
  /** Replaces all of the variant's option values. */
  options?: VariantOption[];
  priceCents?: number;
  currency?: string;
}

export interface VariantServiceOptions {
  database: Database;
  /** The currency of a variant created without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/**
 * A product's variants after its creation: adding one after the others and changing one's SKU, option values or
 * price. Stock is the inventory's (inventory.ts); the variants a product is created with are checked here too
 * (newVariant), for catalog.ts; what variants may name together is option-names.ts's.
 */
export class VariantService {
  private readonly database: Database;
  private readonly defaultCurrency: string;

  constructor(options: VariantServiceOptions) {
    this.database = options.database;
    this.defaultCurrency = options.defaultCurrency;
  }

  /**
   * Adds a variant after the product's others. Errors as createProduct's, PRODUCT_NOT_FOUND (productId), and
   * INVALID_INPUT when its options are not the product's others' or shadow an attribute (option-names.ts). The
   * contract's `variant` is a message field a request may leave out: undefined is INVALID_ARGUMENT (field variant).
   */
  async addVariant(input: AddVariantInput): Promise<ProductVariant> {
    const productId = requireId("productId", input.productId);
    if (input.variant === undefined) throw invalidArgument("variant", "is required");
    const variant = newVariant("variant.", input.variant, newId(), this.defaultCurrency);
    return this.database.transaction(async (tx) => {
      const names = await repository.lockOptionNames(tx, productId);
      if (!names) throw productNotFound(productId, "productId");
      await requireVariantFits(tx, "variant.", variant.options, { ...names, isDefault: false });
      const outcome = await repository.insertVariant(tx, productId, variant);
      if (outcome.kind === "notFound") throw productNotFound(productId, "productId");
      if (outcome.kind !== "written") throw variantRefused(outcome, () => "variant.");
      const product = (await repository.getProduct(tx, productId))!;
      await recordEvents(tx, [productChanged("product.updated", product)]);
      return { product, variant: outcome.variant };
    });
  }

  /** Changes the fields that are set. Errors as createProduct's, and VARIANT_NOT_FOUND (id). */
  async updateVariant(input: UpdateVariantInput): Promise<ProductVariant> {
    const id = requireId("id", input.id);
    const changes: VariantChanges = {
      sku: input.sku === undefined ? undefined : requireSku("sku", input.sku),
      options: input.options === undefined ? undefined : requireOptions("options", input.options, MAX_OPTIONS),
      priceCents: input.priceCents === undefined ? undefined : requirePrice("priceCents", input.priceCents),
      currency: input.currency === undefined ? undefined : requireCurrency("currency", input.currency),
    };
    return this.database.transaction(async (tx) => {
      if (changes.options !== undefined) await requireOptionsFit(tx, id, changes.options);
      const outcome = Object.values(changes).every((value) => value === undefined)
        ? await repository.getVariant(tx, id).then((variant) => variant && { kind: "written" as const, variant })
        : await repository.updateVariant(tx, id, changes);
      if (!outcome || outcome.kind === "notFound") throw variantNotFound(id, "id");
      if (outcome.kind !== "written") throw variantRefused(outcome, () => "");
      const product = (await repository.getProduct(tx, outcome.variant.productId))!;
      await recordEvents(tx, [productChanged("product.updated", product)]);
      return { product, variant: outcome.variant };
    });
  }
}

/**
 * New option values of the variant `id` (updateVariant) checked against its product's other variants and attributes,
 * under its product's row lock; VARIANT_NOT_FOUND (id) when there is no such variant.
 */
async function requireOptionsFit(tx: Queryable, id: string, options: readonly VariantOption[]): Promise<void> {
  const variant = await repository.getVariant(tx, id);
  const product = variant && (await repository.lockOptionNames(tx, variant.productId, id));
  if (!variant || !product) throw variantNotFound(id, "id");
  await requireVariantFits(tx, "", options, { ...product, isDefault: variant.position === 0 });
}

/**
 * A variant to store, its fields checked under `prefix` ("variants[2].", "variant." or "" for the old way), its SKU
 * required (the old way's default variant is given its id as SKU by the caller); an empty currency is
 * `defaultCurrency`. @throws AppError INVALID_ARGUMENT naming the field
 */
export function newVariant(
  prefix: string,
  input: NewVariantInput,
  id: string,
  defaultCurrency: string,
): NewVariant & { id: string } {
  return {
    id,
    sku: requireSku(`${prefix}sku`, input.sku),
    options: requireOptions(`${prefix}options`, input.options, MAX_OPTIONS),
    priceCents: requirePrice(`${prefix}priceCents`, input.priceCents),
    currency: requireCurrency(`${prefix}currency`, input.currency === "" ? defaultCurrency : input.currency),
    stock: requireStock(`${prefix}stock`, input.stock),
  };
}

/**
 * A SKU as stored: trimmed and upper-case, 1-64 of letters, digits, '.', '_' and '-', starting with a letter or digit.
 * Required: an empty one is refused as any other that does not fit. @throws AppError INVALID_ARGUMENT naming field
 */
function requireSku(field: string, sku: string): string {
  const normalized = sku.trim().toUpperCase();
  if (normalized === "") {
    throw invalidArgument(field, "is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  if (!SKU_PATTERN.test(normalized)) {
    throw invalidArgument(field, "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return normalized;
}

/**
 * Option values of a variant, or attributes of a product, as stored: at most `max`, each name (see requireOptionName)
 * and value non-empty text, no name twice (compared without case). @throws AppError INVALID_ARGUMENT naming `field`
 * (LIMIT_EXCEEDED beyond max) or the entry at fault by its index, `field[i].name` (the later of a name twice) or
 * `field[i].value`, as a client wrote it
 */
export function requireOptions(field: string, options: readonly VariantOption[], max: number): VariantOption[] {
  if (options.length > max) {
    throw invalidArgument(field, `must hold at most ${max}`, "LIMIT_EXCEEDED");
  }
  const names = new Set<string>();
  return options.map((option, index) => {
    const entry = `${field}[${index}]`;
    const name = requireOptionName(`${entry}.name`, option.name);
    const value = requireText(`${entry}.value`, option.value, { max: MAX_OPTION_VALUE_LENGTH });
    if (names.has(name.toLowerCase())) throw invalidArgument(`${entry}.name`, `names "${name}" twice`);
    names.add(name.toLowerCase());
    return { name, value };
  });
}

/**
 * An option name: non-empty text of at most MAX_OPTION_NAME_LENGTH without "=", which separates name from value in
 * the keys search filters on (products.option_keys). @throws AppError INVALID_ARGUMENT naming field
 */
export function requireOptionName(field: string, name: string): string {
  const checked = requireText(field, name, { max: MAX_OPTION_NAME_LENGTH });
  if (checked.includes("=")) throw invalidArgument(field, 'must not contain "="');
  return checked;
}

/**
 * ALREADY_EXISTS for a variant the unique constraints refused: its SKU (SKU_TAKEN) or its option values
 * (VARIANT_OPTIONS_TAKEN), the field named as the request's other errors name that variant's: `prefixOf(index)` is
 * the prefix newVariant was given for the refused variant ("variants[1].", "variant." or "").
 */
export function variantRefused(
  outcome: { kind: "skuTaken"; sku: string; index: number } | { kind: "optionsTaken" },
  prefixOf: (index: number) => string,
): AppError {
  return outcome.kind === "skuTaken"
    ? alreadyExists("SKU_TAKEN", `a variant with SKU "${outcome.sku}" already exists`, `${prefixOf(outcome.index)}sku`)
    : alreadyExists(
        "VARIANT_OPTIONS_TAKEN",
        "another variant of the product has the same option values",
        `${prefixOf(0)}options`,
      );
}

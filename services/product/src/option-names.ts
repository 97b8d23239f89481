import { invalidArgument, type Queryable } from "@polyscale/platform";
import type { NewVariant, ProductAttribute, VariantOption } from "./model.js";
import * as repository from "./repository.js";

/**
 * What a product's variants and attributes may name, so that search (which files both under one folded "name=value"
 * key, products.option_keys and Elasticsearch's option_keys alike) finds a product by an option value only when one
 * of its variants has it:
 * - every variant of a product names the same options (a T-shirt's Size and Colour), compared as search folds them
 *   (case and accents), except a default variant that names none (a product created the old way keeps selling it as
 *   it is while variants with options are added);
 * - no attribute has the name of one of the product's variant options (an attribute Colour=green would make a filter
 *   colour=green find a T-shirt no variant of which is green).
 * Both are refused as INVALID_ARGUMENT INVALID_INPUT naming the field of the request at fault.
 */

/** The option names of `options` folded as search folds them, one statement for all (repository.foldSearchTerms). */
export async function foldedNames(
  db: Queryable,
  lists: ReadonlyArray<readonly VariantOption[]>,
): Promise<Array<{ names: string[]; keys: string[] }>> {
  const texts = lists.flatMap((options) => options.flatMap((option) => [option.name, option.value]));
  const folded = texts.length === 0 ? [] : await repository.foldSearchTerms(db, texts);
  let at = 0;
  return lists.map((options) => {
    const pairs = options.map(() => ({ name: folded[at++]!, value: folded[at++]! }));
    return { names: pairs.map((pair) => pair.name), keys: pairs.map((pair) => `${pair.name}=${pair.value}`) };
  });
}

/** The same names in any order. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((name) => set.has(name));
}

/**
 * The variants of a new product, checked together before anything is written: no SKU twice (they are stored
 * upper-case, so without regard to case), all naming the same options (but an option-less default), no option values
 * twice, no attribute named as an option. Fields `variants[i].sku`, `variants[i].options` (the later of two) and
 * `attributes[i].name`. @throws AppError INVALID_ARGUMENT INVALID_INPUT
 */
export async function requireConsistentProduct(
  db: Queryable,
  variants: readonly NewVariant[],
  attributes: readonly ProductAttribute[],
): Promise<void> {
  variants.forEach((variant, index) => {
    const first = variants.findIndex((other) => other.sku === variant.sku);
    if (first < index) {
      throw invalidArgument(
        `variants[${index}].sku`,
        `repeats the SKU "${variant.sku}" of variants[${first}].sku (SKUs are unique without regard to case)`,
      );
    }
  });
  const folded = await foldedNames(
    db,
    variants.map((variant) => variant.options),
  );
  const reference = folded.findIndex((variant, index) => !(index === 0 && variant.names.length === 0));
  folded.forEach((variant, index) => {
    if (index === 0 && variant.names.length === 0) return;
    if (!sameNames(variant.names, folded[reference]!.names)) {
      throw invalidArgument(
        `variants[${index}].options`,
        `must name the same options as variants[${reference}] (${describe(folded[reference]!.names)})`,
      );
    }
    const twin = folded.findIndex((other) => sameNames(other.keys, variant.keys));
    if (twin < index) {
      throw invalidArgument(`variants[${index}].options`, `repeats the option values of variants[${twin}]`);
    }
  });
  await requireAttributesApart(db, attributes, reference < 0 ? [] : folded[reference]!.names);
}

/**
 * Refuses an attribute named as one of the product's variant options (`optionNames`, folded), naming
 * `attributes[i].name`. @throws AppError INVALID_ARGUMENT INVALID_INPUT
 */
export async function requireAttributesApart(
  db: Queryable,
  attributes: readonly ProductAttribute[],
  optionNames: readonly string[],
): Promise<void> {
  if (attributes.length === 0 || optionNames.length === 0) return;
  const [folded] = await foldedNames(db, [attributes]);
  const index = folded!.names.findIndex((name) => optionNames.includes(name));
  if (index >= 0) {
    throw invalidArgument(
      `attributes[${index}].name`,
      `"${attributes[index]!.name}" is the name of one of the product's variant options; an attribute may not shadow it`,
    );
  }
}

/**
 * A variant added to or changed on a product whose other variants name `reference` (folded; null when they name none
 * or there are none) and whose attributes are `attributeNames` (folded): it must name the same options (a default
 * variant, `isDefault`, may name none), none an attribute's name. Fields `<prefix>options` and
 * `<prefix>options[i].name`. @throws AppError INVALID_ARGUMENT INVALID_INPUT
 */
export async function requireVariantFits(
  db: Queryable,
  prefix: string,
  options: readonly VariantOption[],
  product: { reference: string[] | null; attributeNames: string[]; isDefault: boolean },
): Promise<void> {
  const [folded] = await foldedNames(db, [options]);
  const { names } = folded!;
  if (
    product.reference !== null &&
    !(product.isDefault && names.length === 0) &&
    !sameNames(names, product.reference)
  ) {
    throw invalidArgument(
      `${prefix}options`,
      `must name the same options as the product's other variants (${describe(product.reference)})`,
    );
  }
  const shadowed = names.findIndex((name) => product.attributeNames.includes(name));
  if (shadowed >= 0) {
    throw invalidArgument(
      `${prefix}options[${shadowed}].name`,
      `"${options[shadowed]!.name}" is the name of one of the product's attributes; an option may not shadow it`,
    );
  }
}

function describe(names: readonly string[]): string {
  return names.length === 0 ? "no options" : names.join(", ");
}

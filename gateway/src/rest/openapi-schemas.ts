import { ADDRESS_FIELD_LIMITS, ERROR_REASONS, LIMITS } from "@polyscale/platform";
import { httpStatusOf } from "../errors.js";

/**
 * The component schemas of the OpenAPI document (rest/openapi.ts): every body the REST API takes and answers, and the
 * field shapes they share (money, counts, instants, postal addresses). The routes read integers with these schemas
 * (rest/input.ts), so a field's width and range are stated once.
 */

/**
 * An integer as the document states it: `format` is the width of the contract field it goes into; `minimum` and
 * `maximum` the range the shop accepts (a service's rule; the edge refuses only what the width cannot carry).
 */
export interface IntegerSchema {
  readonly type: "integer";
  readonly format: "int32" | "int64";
  readonly minimum?: number;
  readonly maximum?: number;
}

/** A reference to a component schema by name (rest/openapi.ts ref() is the typed one the routes use). */
export const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** A count that goes into an int32 contract field. */
export const int32Count = { type: "integer", format: "int32", minimum: 0, maximum: 2 ** 31 - 1 } as const;

/** A line's variant, where a client may name one: absent means the product's default variant. */
export const variantIdProperty = {
  type: "string",
  format: "uuid",
  description: "A variant of the product; its default variant (whose id is the product's) when absent.",
} as const;

/**
 * Integers as JSON numbers: int64 in the contracts, always within Number.MAX_SAFE_INTEGER, so every JSON client reads
 * them exactly; the shop's limits (@polyscale/platform LIMITS) bound what the services accept.
 */
export const safeInteger = { type: "integer", format: "int64", minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const money = {
  ...safeInteger,
  description:
    "Minor units of `currency` (ISO 4217 exponent): JPY 1000 is ¥1000, USD 1999 is $19.99, BHD 1234 is BD 1.234.",
} as const;
const units = (description: string) => ({ ...safeInteger, description });
const count = units("How many.");
const instant = { type: "string", format: "date-time" } as const;
/** The units of one product in a cart or an order line (the order service's rule, LIMITS.lineQuantity). */
const lineQuantity = { type: "integer", format: "int32", minimum: 1, maximum: LIMITS.lineQuantity } as const;

/** The fields of a postal address (PostalAddress in @polyscale/platform), as strings; "" or absent when not given. */
const postalAddressFields = {
  name: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.name },
  company: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.company },
  line1: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.line1 },
  line2: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.line2 },
  city: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.city,
    description: "Required unless the country needs none (SG, HK, …).",
  },
  region: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.region,
    description: "Required where the country needs one (US, CA, AU, …).",
  },
  postalCode: {
    type: "string",
    maxLength: ADDRESS_FIELD_LIMITS.postalCode,
    description: "Required where the country needs one (DE, GB, US, …).",
  },
  countryCode: {
    type: "string",
    description: "ISO 3166-1 alpha-2; lowercase is taken as uppercase; XX or UK are refused (COUNTRY_UNKNOWN).",
  },
  phone: { type: "string", maxLength: ADDRESS_FIELD_LIMITS.phone },
} as const;
const addressRule =
  "name and line1 always required; city, region and postalCode where the country requires them in Google's address " +
  "data (libaddressinput); one line each, no control characters, not only invisible characters.";

/** The addresses of an order as POST /checkout and POST /order take them; each optional, written out or by id. */
const orderAddressFields = {
  shippingAddress: {
    ...schemaRef("PostalAddress"),
    description: "Where to ship, written out; an order needs none (pickup, digital goods).",
  },
  shippingAddressId: { type: "string", format: "uuid", description: "Or an address of the caller's book." },
  billingAddress: { ...schemaRef("PostalAddress"), description: "The shipping address when left out." },
  billingAddressId: { type: "string", format: "uuid" },
} as const;

/** The document's component schemas; routes name them with ref() and read their integer fields with them. */
export const schemas = {
  PostalAddress: {
    type: "object",
    description: `A postal address; ${addressRule}`,
    properties: postalAddressFields,
  },
  Address: {
    type: "object",
    description: "An entry of an address book.",
    properties: {
      id: { type: "string" },
      accountId: { type: "string" },
      ...postalAddressFields,
      defaultShipping: { type: "boolean" },
      defaultBilling: { type: "boolean" },
      createdAt: instant,
      updatedAt: instant,
    },
  },
  NewAddress: {
    type: "object",
    description: `An address to add; ${addressRule} The book's first address becomes both defaults.`,
    required: ["name", "line1", "countryCode"],
    properties: {
      ...postalAddressFields,
      defaultShipping: { type: "boolean", default: false },
      defaultBilling: { type: "boolean", default: false },
    },
  },
  AddressChanges: {
    type: "object",
    description: "Only the fields present change; the result is checked as a whole.",
    properties: {
      ...postalAddressFields,
      defaultShipping: { type: "boolean", description: "true takes the default from the book's other address." },
      defaultBilling: { type: "boolean" },
    },
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "reason"],
        properties: {
          code: {
            type: "string",
            enum: Object.keys(httpStatusOf),
          },
          message: { type: "string" },
          reason: {
            type: "string",
            description:
              "Why, stable and machine-readable; switch on it, never on the message. " +
              Object.entries(ERROR_REASONS)
                .map(([reason, meaning]) => `${reason}: ${meaning}`)
                .join(" "),
            enum: Object.keys(ERROR_REASONS),
          },
          field: { type: "string", description: "The camelCase input field at fault." },
          retryAfterSeconds: {
            type: "integer",
            minimum: 1,
            description: "With TOO_MANY_REQUESTS: seconds to wait before trying again (also the Retry-After header).",
          },
        },
      },
    },
  },
  Account: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      email: { type: "string" },
      role: { type: "string", enum: ["CUSTOMER", "ADMIN"] },
      disabled: { type: "boolean" },
      emailVerified: { type: "boolean" },
      createdAt: instant,
      updatedAt: instant,
    },
  },
  Session: {
    type: "object",
    properties: {
      account: schemaRef("Account"),
      accessToken: { type: "string" },
      accessTokenExpiresAt: instant,
      refreshToken: { type: "string", description: "Single use: refreshing returns a new one." },
      refreshTokenExpiresAt: instant,
      cart: {
        ...schemaRef("Cart"),
        description:
          "After a login or registration with X-Cart-Token: the account's cart with the guest cart merged in.",
      },
      cartError: {
        type: "object",
        description: "After a login or registration with X-Cart-Token whose merge was refused (both carts unchanged).",
        properties: { code: { type: "string" }, reason: { type: "string" }, field: { type: "string" } },
      },
    },
  },
  Done: { type: "object", properties: { done: { type: "boolean", const: true } } },
  Registration: {
    type: "object",
    required: ["name", "email", "password"],
    properties: {
      name: { type: "string" },
      email: { type: "string" },
      password: { type: "string", minLength: 8 },
    },
  },
  ProfileChange: {
    type: "object",
    description: "Only the fields that are set change; a new email is unverified until confirmed.",
    properties: { name: { type: "string" }, email: { type: "string" } },
  },
  NewAccount: {
    type: "object",
    required: ["name"],
    properties: {
      name: { type: "string" },
      email: { type: "string", description: "With password, lets the account log in." },
      password: { type: "string" },
      role: { type: "string", enum: ["CUSTOMER", "ADMIN"], default: "CUSTOMER" },
    },
  },
  Product: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      priceCents: money,
      currency: { type: "string" },
      categoryId: { type: "string", description: "Empty when the product has no category." },
      stock: units("Units available to sell."),
      createdAt: instant,
      updatedAt: instant,
      archivedAt: {
        ...instant,
        description:
          "When the product was archived (off sale: out of search and new carts, refused by checkout); absent while " +
          "on sale.",
      },
      variants: {
        type: "array",
        description:
          "What is sold: at least one on sale, the default first (its id is the product's); priceCents and currency " +
          "are those of the first on sale (the default's unless it is archived), stock is theirs summed. Archived " +
          "variants are listed to admins only, with archivedAt.",
        items: schemaRef("Variant"),
      },
      images: {
        type: "array",
        items: schemaRef("ProductImage"),
        description:
          "In display order, the main image first; a variant's images too (variantId), but an archived variant's only " +
          "to admins.",
      },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description: "Free attributes (brand, material) by name; search filters (option) and facets include them.",
      },
    },
  },
  Variant: {
    type: "object",
    properties: {
      id: { type: "string" },
      productId: { type: "string" },
      sku: { type: "string", description: "Unique over the catalogue; upper-case." },
      options: { type: "array", items: schemaRef("VariantOption") },
      priceCents: money,
      currency: { type: "string" },
      stock: units("Units available to sell."),
      position: { ...int32Count, description: "0 for the default variant." },
      createdAt: instant,
      updatedAt: instant,
      archivedAt: {
        ...instant,
        description:
          "When the variant was archived (off sale: out of search and new carts, refused by checkout); absent while " +
          "on sale.",
      },
      images: {
        type: "array",
        items: schemaRef("ProductImage"),
        description: "The product's images that name this variant, in the product's order.",
      },
    },
  },
  ProductAttribute: {
    type: "object",
    required: ["name", "value"],
    properties: { name: { type: "string", example: "Material" }, value: { type: "string", example: "Cotton" } },
  },
  VariantOption: {
    type: "object",
    required: ["name", "value"],
    properties: { name: { type: "string", example: "Size" }, value: { type: "string", example: "M" } },
  },
  NewVariant: {
    type: "object",
    required: ["priceCents"],
    properties: {
      sku: {
        type: "string",
        description: "Letters, digits, '.', '_', '-' (at most 64), stored upper-case; made from the id when absent.",
      },
      options: {
        type: "array",
        items: schemaRef("VariantOption"),
        description: "No two variants of a product with the same values.",
      },
      priceCents: { ...money, maximum: LIMITS.priceMinor },
      currency: { type: "string", description: "ISO 4217; defaults to the shop's DEFAULT_CURRENCY." },
      stock: { ...units("Initial stock."), maximum: LIMITS.stock, default: 0 },
    },
  },
  VariantChanges: {
    type: "object",
    description: "Only the fields given change; options replace all of the variant's option values.",
    properties: {
      sku: { type: "string" },
      options: { type: "array", items: schemaRef("VariantOption") },
      priceCents: { ...money, maximum: LIMITS.priceMinor },
      currency: { type: "string" },
    },
  },
  ProductImage: {
    type: "object",
    properties: {
      url: { type: "string", format: "uri", description: "An absolute https URL." },
      alt: { type: "string", description: "Empty for a decorative image." },
      position: { type: "integer", minimum: 0, description: "From 0, the main image (of the product's list)." },
      variantId: {
        type: "string",
        description: "The variant the image shows (e.g. the red one); empty for an image of the product as a whole.",
      },
    },
  },
  ProductImages: {
    type: "object",
    required: ["images"],
    properties: {
      images: {
        type: "array",
        maxItems: 20,
        description: "The product's images in display order; they replace the current ones (none removes them).",
        items: {
          type: "object",
          required: ["url"],
          properties: {
            url: {
              type: "string",
              maxLength: 2048,
              description: "An absolute https URL without user name or password.",
            },
            alt: { type: "string", maxLength: 500, description: "One line; empty (the default) if decorative." },
            variantId: {
              type: "string",
              format: "uuid",
              description:
                "One of the product's variants, whose image it is (404 VARIANT_NOT_FOUND otherwise); " +
                "absent: the product's.",
            },
          },
        },
      },
    },
  },
  Category: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      slug: { type: "string", description: "Unique, lowercase words joined by hyphens." },
      parentId: { type: "string", description: "Empty for a top-level category." },
    },
  },
  Cart: {
    type: "object",
    properties: {
      accountId: { type: "string", description: "Empty for a guest cart." },
      cartToken: {
        type: "string",
        description: "Only in the answer of the add that created a guest cart: send it as X-Cart-Token from then on.",
      },
      lines: {
        type: "array",
        items: {
          type: "object",
          description: "One variant of a product, with the catalog's current values (not snapshots).",
          properties: {
            productId: { type: "string" },
            variantId: { type: "string", description: "The product's id for its default variant." },
            sku: { type: "string", description: "The variant's current SKU." },
            options: { type: "array", items: schemaRef("VariantOption") },
            name: { type: "string" },
            quantity: lineQuantity,
            unitPriceCents: money,
            lineTotalCents: money,
            currency: { type: "string" },
            inStock: {
              type: "boolean",
              description: "False when the units are short or the product or variant is archived.",
            },
            availableStock: units(
              "The variant's units available to sell now; 0 when the product or variant is archived.",
            ),
            archived: {
              type: "boolean",
              description:
                "The product or the variant is archived: the line stays, but checkout refuses it (PRODUCT_ARCHIVED, " +
                "VARIANT_ARCHIVED).",
            },
          },
        },
      },
      totalCents: money,
      currency: { type: "string", description: "Empty for an empty cart." },
      updatedAt: { ...instant, description: "Absent for a cart never written." },
    },
  },
  NewCartItem: {
    type: "object",
    required: ["productId"],
    properties: {
      productId: { type: "string" },
      variantId: variantIdProperty,
      quantity: {
        ...lineQuantity,
        default: 1,
        description: "Added to the units the cart already holds of the variant; the line may hold at most the maximum.",
      },
    },
  },
  CartItemQuantity: {
    type: "object",
    required: ["quantity"],
    properties: { quantity: lineQuantity },
  },
  NewProduct: {
    type: "object",
    required: ["name", "description", "priceCents"],
    properties: {
      name: { type: "string" },
      description: { type: "string" },
      priceCents: { ...money, maximum: LIMITS.priceMinor, description: "0 when variants are given." },
      currency: { type: "string", description: "ISO 4217; defaults to the shop's DEFAULT_CURRENCY." },
      categoryId: { type: "string" },
      stock: { ...units("Initial stock; absent when variants are given."), maximum: LIMITS.stock, default: 0 },
      variants: {
        type: "array",
        items: schemaRef("NewVariant"),
        description: "The variants, the default first; absent: one default variant of priceCents and stock.",
      },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description:
          "Free attributes (brand, material): at most 30; a name 1-50 characters without '=', distinct without " +
          "case; a value 1-100.",
      },
    },
  },
  ProductChanges: {
    type: "object",
    description: "Only the fields given change (GraphQL's UpdateProductInput, with the price in minor units).",
    properties: {
      name: { type: "string" },
      description: { type: "string" },
      priceCents: {
        ...money,
        maximum: LIMITS.priceMinor,
        description: "The default variant's price, in `currency` when given, else in the product's.",
      },
      currency: { type: "string", description: "ISO 4217." },
      categoryId: { type: "string", description: "Empty removes the category." },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description: "Replace all of the product's attributes ([] removes them); rules as NewProduct's.",
      },
    },
  },
  StockAdjustment: {
    type: "object",
    required: ["delta"],
    properties: {
      delta: {
        type: "integer",
        format: "int64",
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        description: "Units added to the stock on hand, not 0; negative takes units away (never below zero).",
      },
      variantId: variantIdProperty,
    },
  },
  NewCategory: {
    type: "object",
    required: ["name"],
    properties: {
      name: { type: "string" },
      slug: { type: "string", description: "Derived from the name when absent." },
      parentId: { type: "string", format: "uuid" },
    },
  },
  SearchResult: {
    type: "object",
    properties: {
      items: { type: "array", items: schemaRef("Product") },
      totalCount: {
        ...safeInteger,
        description: "Matches over all pages: exact up to 1,000, beyond that an estimate of at least 1,000.",
      },
      totalCountIsExact: {
        type: "boolean",
        description: "False when totalCount and the facet counts are estimates.",
      },
      facets: {
        type: "object",
        properties: {
          categories: {
            type: "array",
            items: { type: "object", properties: { categoryId: { type: "string" }, count } },
          },
          priceBuckets: {
            type: "array",
            items: {
              type: "object",
              properties: { minCents: money, maxCents: money, count },
            },
          },
          options: {
            type: "array",
            description:
              "The variants' option values by name, folded (lower case, no accents) as filters match them; each " +
              "option counted without its own filter, values most counted first (the 200 most counted).",
            items: {
              type: "object",
              properties: {
                name: { type: "string" },
                values: {
                  type: "array",
                  items: { type: "object", properties: { value: { type: "string" }, count } },
                },
              },
            },
          },
          optionsAreExact: {
            type: "boolean",
            description: "False when the option counts are estimates (more than 1,000 products to count from).",
          },
        },
      },
    },
  },
  Order: {
    type: "object",
    properties: {
      id: { type: "string" },
      accountId: { type: "string" },
      status: {
        type: "string",
        enum: ["PENDING_PAYMENT", "PAID", "FULFILLED", "CANCELLED", "REFUNDED", "EXPIRED"],
        description: "EXPIRED: not paid within the payment window; its stock was released.",
      },
      lines: {
        type: "array",
        items: {
          type: "object",
          properties: {
            productId: { type: "string" },
            name: { type: "string" },
            description: { type: "string" },
            variantId: { type: "string", description: "The product's id for its default variant." },
            sku: { type: "string", description: "At placement; empty on lines placed before orders recorded SKUs." },
            options: { type: "array", items: schemaRef("VariantOption") },
            unitPriceCents: money,
            quantity: lineQuantity,
            lineTotalCents: money,
          },
        },
      },
      totalCents: money,
      currency: { type: "string" },
      payments: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            kind: { type: "string", enum: ["CAPTURE", "REFUND"] },
            amountCents: money,
            currency: { type: "string" },
            provider: { type: "string" },
            providerReference: { type: "string" },
            createdAt: instant,
          },
        },
      },
      createdAt: instant,
      updatedAt: instant,
      paymentDueAt: { ...instant, description: "When the order expires if it is still unpaid." },
      shippingAddress: {
        oneOf: [schemaRef("PostalAddress"), { type: "null" }],
        description: "A snapshot taken at placement (address-book edits leave it alone); null without one.",
      },
      billingAddress: {
        oneOf: [schemaRef("PostalAddress"), { type: "null" }],
        description: "The shipping address when none was given for billing.",
      },
    },
  },
  OrderPage: {
    type: "object",
    properties: {
      items: { type: "array", items: schemaRef("Order") },
      totalCount: {
        ...safeInteger,
        description: "Matching orders over all pages: exact up to 10,000; beyond, 10,000.",
      },
      totalCountIsExact: { type: "boolean", description: "False when more than 10,000 orders match." },
    },
  },
  StockLevel: {
    type: "object",
    properties: {
      productId: { type: "string" },
      onHand: units("available + held"),
      available: units("Units that can still be sold."),
      held: units("Units reserved by orders that are not paid yet."),
      sold: units("Units of paid orders."),
    },
  },
  NewOrder: {
    type: "object",
    required: ["accountId", "lines"],
    properties: {
      accountId: { type: "string" },
      lines: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["productId", "quantity"],
          properties: {
            productId: { type: "string" },
            variantId: variantIdProperty,
            quantity: lineQuantity,
          },
        },
      },
      idempotencyKey: { type: "string", description: "Or the Idempotency-Key header." },
      ...orderAddressFields,
    },
  },
  Checkout: {
    type: "object",
    description: "Places an order from the caller's cart; every property is optional.",
    properties: {
      idempotencyKey: { type: "string", description: "Or the Idempotency-Key header." },
      ...orderAddressFields,
    },
  },
  PaymentEvent: {
    type: "object",
    required: ["orderId", "kind", "amountCents", "currency", "provider", "providerReference"],
    properties: {
      orderId: { type: "string" },
      kind: { type: "string", enum: ["capture", "refund"] },
      amountCents: { ...money, minimum: 1, maximum: LIMITS.totalMinor },
      currency: { type: "string" },
      provider: { type: "string" },
      providerReference: { type: "string", description: "Unique per provider; replays are recorded once." },
    },
  },
} as const;

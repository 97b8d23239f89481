// `npm run build` (and `typecheck`) runs this before `tsc -b`: TypeScript types for the resolvers, generated from
// src/graphql/schema.graphql by graphql-codegen (typescript + typescript-resolvers), so a resolver whose arguments or
// result no longer match the schema fails to compile. Like proto/generate.mjs it runs only when an input changed since
// the last run (the schema, this file and the generators' versions; their digest is kept beside the output), so an
// up-to-date tree is left untouched and `tsc -b` has nothing to rebuild. The output is never edited or committed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const schema = path.join(root, "src/graphql/schema.graphql");
const output = path.join(root, "src/graphql/gen/resolvers-types.ts");
const digestFile = path.join(root, "src/graphql/gen/.inputs-digest");

/**
 * How schema types map onto ours. Object types resolve from the contract messages (mappers), so a resolver's parent is
 * the message it really receives; the schema's enums are the contracts' enums under their GraphQL names (the resolver
 * map in enums.ts gives each name its value); Time is a Date and SafeInt a number.
 */
const config = {
  useTypeImports: true,
  // The contract message Account is imported as AccountModel beside the generated type Account of the schema.
  mapperTypeSuffix: "Model",
  contextType: "../context.js#GraphQLContext",
  // A nullable field may be absent (undefined) as well as null, as graphql-js accepts; arguments left out are absent.
  maybeValue: "T | null | undefined",
  scalars: { Time: "Date", SafeInt: "number" },
  // The schema's other enums (ErrorReason) as string unions: the module stays types only, and the images carry no
  // code that production never loads (deploy/src/dist-contents.test.ts).
  enumsAsTypes: true,
  enumValues: {
    Role: "@polyscale/account#Role",
    ProductSort: "@polyscale/product#SearchSort",
    OrderStatus: "@polyscale/order#OrderStatus",
    PaymentKind: "@polyscale/order#PaymentKind",
  },
  mappers: {
    Account: "@polyscale/account#Account",
    AuthPayload: "../../domain/index.js#SignedIn",
    Category: "@polyscale/product#Category",
    Product: "@polyscale/product#Product",
    Variant: "@polyscale/product#Variant",
    ProductImage: "@polyscale/product#ProductImage",
    CategoryFacet: "@polyscale/product#CategoryFacet",
    StockLevel: "@polyscale/product#StockLevel",
    ProductSearchResult: "../parents.js#SearchResult",
    SearchFacets: "../parents.js#SearchResult",
    PriceBucketFacet: "../parents.js#PricedBucket",
    Cart: "@polyscale/order#Cart",
    CartLine: "@polyscale/order#CartLine",
    Order: "@polyscale/order#Order",
    OrderedProduct: "../parents.js#PricedOrderLine",
    Payment: "@polyscale/order#Payment",
  },
};

const require = createRequire(import.meta.url);
const generators = ["@graphql-codegen/cli", "@graphql-codegen/typescript", "@graphql-codegen/typescript-resolvers"];
const hash = createHash("sha256");
for (const name of generators) hash.update(`${name} ${require(`${name}/package.json`).version}\0`);
for (const file of [schema, fileURLToPath(import.meta.url)]) hash.update(readFileSync(file)).update("\0");
const digest = hash.digest("hex");

if (existsSync(output) && existsSync(digestFile) && readFileSync(digestFile, "utf8") === digest) {
  console.log("generated GraphQL types are up to date");
} else {
  const { generate } = await import("@graphql-codegen/cli");
  await generate(
    {
      schema,
      silent: true,
      generates: { [output]: { plugins: ["typescript", "typescript-resolvers"], config } },
    },
    true,
  );
  mkdirSync(path.dirname(digestFile), { recursive: true });
  writeFileSync(digestFile, digest);
}

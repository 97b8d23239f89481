/**
 * The in-room conventions of CONTRIBUTING.md ("Service conventions") that a reader checks by eye and a change breaks
 * without noticing, read off the services' production sources with TypeScript's parser: a job class is named from its
 * file, a service method takes the context and one value, a domain enum's values are lower snake_case, and `main.ts`
 * holds nothing outside main() and no timing constant. Seen (issue 16 re-check): `ArchiveService` in `archiving.ts`
 * beside `AccountsService` and `AddressBookService`; `placeOrder(context, accountId, lines, key, addresses)` beside
 * product's input objects; order's `PENDING_PAYMENT` beside product's `held`; purge intervals as constants in
 * `main.ts` beside settings.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repositoryRoot, serviceNames } from "./test-repository-files.js";
import { filesBelow } from "./test-workspaces.js";

/** The services' production sources (no tests, test helpers or generated code), relative to the repository root. */
function serviceSources(): string[] {
  return serviceNames
    .flatMap((service) => filesBelow(`services/${service}/src`))
    .filter(
      (file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !/\.test\.ts$|(^|\/)test-[^/]*\.ts$/.test(file),
    );
}

/** `payments` → `Payment`, `addresses` → `Address`, `categories` → `Category`, `emailed-tokens` → `EmailedToken`. */
export function jobClassStem(fileStem: string): string {
  const singular = fileStem
    .replace(/ies$/, "y")
    .replace(/(ss|x|ch|sh)es$/, "$1")
    .replace(/([^s])s$/, "$1");
  return singular
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isPublicMethod = (member: ts.ClassElement): member is ts.MethodDeclaration =>
  ts.isMethodDeclaration(member) &&
  !(ts.getModifiers(member) ?? []).some(
    (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
  ) &&
  !(ts.isIdentifier(member.name) && member.name.text.startsWith("#"));

/**
 * What in one service source breaks the conventions, as "file:line what". `file` is relative to the repository root
 * (`services/<service>/src/…`); `source` its text.
 */
export function conventionBreaks(file: string, source: string): string[] {
  const text = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(`${file}:${text.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`);
  const stem = path.basename(file, ".ts");
  const isFacade = /^services\/[^/]+\/src\/service\.ts$/.test(file);

  for (const statement of text.statements) {
    // Job classes: `<job>.ts` exports `<Job>Service`; only service.ts's class is named for the service.
    if (ts.isClassDeclaration(statement) && statement.name && isExported(statement)) {
      const name = statement.name.text;
      if (name.endsWith("Service") && !isFacade) {
        const expected = stem.endsWith("-service")
          ? jobClassStem(stem.slice(0, -"-service".length))
          : jobClassStem(stem);
        if (name !== `${expected}Service`) report(statement, `class ${name} should be ${expected}Service`);
      }
      // Service methods: (context?, input): one value besides the context (or the caller's transaction, for a step
      // run inside it), never an inline object type.
      if (name.endsWith("Service")) {
        for (const member of statement.members.filter(isPublicMethod)) {
          const method = member.name.getText(text);
          const parameters = member.parameters.filter(
            (parameter, index) => !(index === 0 && ["context", "tx"].includes(parameter.name.getText(text))),
          );
          if (parameters.length > 1)
            report(member, `${name}.${method} takes ${parameters.length} values besides the context`);
          for (const parameter of parameters) {
            if (parameter.type && ts.isTypeLiteralNode(parameter.type)) {
              report(parameter, `${name}.${method} takes an inline object type (name it <Operation>Input)`);
            }
          }
        }
      }
    }
    // Domain enums: the values of model.ts's `as const` lists are lower snake_case.
    if (stem === "model" && ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const initializer = declaration.initializer;
        if (!initializer || !ts.isAsExpression(initializer) || !ts.isArrayLiteralExpression(initializer.expression)) {
          continue;
        }
        for (const element of initializer.expression.elements) {
          if (ts.isStringLiteral(element) && !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(element.text)) {
            report(
              element,
              `${declaration.name.getText(text)} holds "${element.text}" (domain values are lower snake_case)`,
            );
          }
        }
      }
    }
  }
  // main.ts: everything inside main(); timings are settings in config.ts, not constants of the wiring.
  if (stem === "main") {
    for (const statement of text.statements) {
      const allowed =
        ts.isImportDeclaration(statement) ||
        (ts.isFunctionDeclaration(statement) && statement.name?.text === "main") ||
        ts.isExpressionStatement(statement);
      if (!allowed) report(statement, "is at module top level (everything inside main())");
    }
    const visit = (node: ts.Node): void => {
      if (
        ts.isVariableDeclaration(node) &&
        ts.isIdentifier(node.name) &&
        /_(MS|SECONDS|MINUTES)$/.test(node.name.text)
      ) {
        report(node, `${node.name.text} is a timing constant (a setting in config.ts)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(text);
  }
  return found;
}

describe("the services follow CONTRIBUTING's in-room conventions", () => {
  it("finds the files it checks", () => {
    expect(serviceSources()).toEqual(
      expect.arrayContaining([
        "services/order/src/main.ts",
        "services/product/src/model.ts",
        "services/account/src/service.ts",
        "services/order/src/payments.ts",
      ]),
    );
  });

  it("no service source breaks them", () => {
    const found = serviceSources().flatMap((file) =>
      conventionBreaks(file, readFileSync(path.join(repositoryRoot, file), "utf8")),
    );
    expect(found).toEqual([]);
  });

  it("names a job class from its file, in the singular", () => {
    expect(
      ["payments", "addresses", "categories", "emailed-tokens", "archiving", "inventory", "sessions"].map(jobClassStem),
    ).toEqual(["Payment", "Address", "Category", "EmailedToken", "Archiving", "Inventory", "Session"]);
  });

  // The sites the issue 16 re-check found, as they were written: each is named.
  it("regression: names the re-check's findings", () => {
    expect(conventionBreaks("services/product/src/archiving.ts", "export class ArchiveService {}")).toEqual([
      "services/product/src/archiving.ts:1 class ArchiveService should be ArchivingService",
    ]);
    expect(conventionBreaks("services/account/src/addresses.ts", "export class AddressBookService {}")).toEqual([
      "services/account/src/addresses.ts:1 class AddressBookService should be AddressService",
    ]);
    const positional = `export class OrderService {
  placeOrder(context: RequestContext, accountId: string, lines: Line[], key: string) { return 1; }
  getOrder(id: string) { return 1; }
  private helper(a: string, b: string) { return 1; }
}`;
    expect(conventionBreaks("services/order/src/service.ts", positional)).toEqual([
      "services/order/src/service.ts:2 OrderService.placeOrder takes 3 values besides the context",
    ]);
    const inline = `export class ProductService { adjustStock(input: { productId: string; delta: number }) { return 1; } }`;
    expect(conventionBreaks("services/product/src/service.ts", inline)).toEqual([
      "services/product/src/service.ts:1 ProductService.adjustStock takes an inline object type (name it <Operation>Input)",
    ]);
    const upper = `export const ORDER_STATUSES = ["PENDING_PAYMENT", "paid"] as const;`;
    expect(conventionBreaks("services/order/src/model.ts", upper)).toEqual([
      `services/order/src/model.ts:1 ORDER_STATUSES holds "PENDING_PAYMENT" (domain values are lower snake_case)`,
    ]);
    const timing = `const REFRESH_TOKEN_PURGE_INTERVAL_MS = 3_600_000;\nasync function main() {}`;
    expect(conventionBreaks("services/account/src/main.ts", timing)).toEqual([
      "services/account/src/main.ts:1 is at module top level (everything inside main())",
      "services/account/src/main.ts:1 REFRESH_TOKEN_PURGE_INTERVAL_MS is a timing constant (a setting in config.ts)",
    ]);
    // The second review's: a default and a key path as constants beside main().
    const topLevel = `import x from "y";\nconst DEFAULT_APP_URL = "http://localhost:4000";\nasync function main() {}\nmain().catch(f);`;
    expect(conventionBreaks("services/account/src/main.ts", topLevel)).toEqual([
      "services/account/src/main.ts:2 is at module top level (everything inside main())",
    ]);
    // What the conventions allow: the facade's own name, a `-service` file, an id alone, reason codes outside model.ts.
    const allowed = `export class SearchService { search(context: RequestContext, input: SearchInput) { return 1; } }`;
    expect(conventionBreaks("services/product/src/search/search-service.ts", allowed)).toEqual([]);
    expect(
      conventionBreaks("services/order/src/service.ts", "export class OrderService { getOrder(id: string) {} }"),
    ).toEqual([]);
    expect(conventionBreaks("services/order/src/cart.ts", `export const REFUSALS = ["LINE_FULL"] as const;`)).toEqual(
      [],
    );
  });
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The skins (GraphQL, REST) reach the services only through the domain layer (CONTRIBUTING.md), which applies the
 * authorization. Seen (issue 16 review): GraphQL field resolvers called the per-request loaders, and so the service
 * clients, directly; Account.orders answered an account's orders to anyone who reached the account without a token
 * (verifyEmail). This reads every source file of the skins and names each way past the domain layer.
 */

const source = path.dirname(fileURLToPath(import.meta.url));
const skins = ["graphql", "rest"].map((dir) => path.join(source, dir));
/** The gateway's modules that hold the service clients. */
const clientModules = ["services.ts", "loaders.ts"].map((file) => path.join(source, file));
const SERVICE_PACKAGES = ["@polyscale/account", "@polyscale/order", "@polyscale/product"];
/** The request context's members that carry the clients (services) and the loaders over them; only domain/ uses them. */
const CLIENT_MEMBERS = ["services", "loaders"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const isServicePackage = (specifier: string) =>
  SERVICE_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));

/** A member's name when the code states it (`a.x`, `a["x"]`, `{ x }`, `{ "x": y }`, `{ ["x"]: y }`), else undefined. */
function staticName(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isStringLiteralLike(node)) return node.text;
  if (ts.isComputedPropertyName(node)) return staticName(node.expression);
  if (ts.isParenthesizedExpression(node)) return staticName(node.expression);
  return undefined;
}

/**
 * Each way past the domain layer in one skin source file, as "file:line what" (file relative to gateway/src): an
 * import of services.ts or loaders.ts; a service package's client by name (also renamed), or the whole package
 * (namespace or default import, re-export, dynamic import), which would reach its clients under any name; the
 * context's `services` or `loaders` member read by name or by a literal key, or destructured.
 */
function bypassesIn(file: string, code: string): string[] {
  const text = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(
      `${path.relative(source, file)}:${text.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`,
    );
  const checkModule = (
    node: ts.Node,
    specifier: string,
    bindings: ts.NamedImportBindings | ts.NamedExportBindings | undefined,
    whole: boolean,
  ) => {
    const resolved = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
    if (clientModules.includes(resolved)) report(node, `imports ${specifier}`);
    if (!isServicePackage(specifier)) return;
    if (whole) report(node, `takes all of ${specifier}`);
    if (bindings && (ts.isNamedImports(bindings) || ts.isNamedExports(bindings))) {
      for (const element of bindings.elements) {
        const imported = staticName(element.propertyName ?? element.name);
        if (imported && /Client$/.test(imported)) report(element, `imports ${imported} from ${specifier}`);
      }
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const whole = Boolean(clause?.name) || (bindings !== undefined && ts.isNamespaceImport(bindings));
      checkModule(node, node.moduleSpecifier.text, bindings, whole);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const bindings = node.exportClause;
      checkModule(node, node.moduleSpecifier.text, bindings, !bindings || ts.isNamespaceExport(bindings));
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) checkModule(node, argument.text, undefined, true);
    }
    if (ts.isPropertyAccessExpression(node) && CLIENT_MEMBERS.includes(node.name.text))
      report(node, `uses ${node.getText(text)}`);
    if (ts.isElementAccessExpression(node) && CLIENT_MEMBERS.includes(staticName(node.argumentExpression) ?? ""))
      report(node, `uses ${node.getText(text)}`);
    if (ts.isBindingElement(node) && CLIENT_MEMBERS.includes(staticName(node.propertyName ?? node.name) ?? ""))
      report(node, `takes ${node.getText(text)} apart`);
    ts.forEachChild(node, visit);
  };
  visit(text);
  return found;
}

describe("the skins reach the services only through the domain layer", () => {
  it("finds the files it checks", () => {
    const files = skins.flatMap(sourceFiles).map((file) => path.relative(source, file));
    expect(files).toEqual(expect.arrayContaining(["graphql/resolvers/accounts.ts", "rest/order-routes.ts"]));
  });

  it("no GraphQL or REST source uses the service clients or the loaders", () => {
    expect(skins.flatMap(sourceFiles).flatMap((file) => bypassesIn(file, readFileSync(file, "utf8")))).toEqual([]);
  });

  // Each way past the domain layer, as a skin file would write it: the check must name every one.
  const planted = path.join(source, "rest", "planted.ts");
  it.each([
    ['import { loadAccount } from "../loaders.js";', "imports ../loaders.js"],
    ['import type { Services } from "../services.js";', "imports ../services.js"],
    ['import { OrderClient } from "@polyscale/order";', "imports OrderClient from @polyscale/order"],
    ['import { OrderClient as Orders } from "@polyscale/order";', "imports OrderClient from @polyscale/order"],
    ['import * as orderPackage from "@polyscale/order";', "takes all of @polyscale/order"],
    ['import orderPackage from "@polyscale/order";', "takes all of @polyscale/order"],
    ['export * from "@polyscale/product";', "takes all of @polyscale/product"],
    ['export { AccountClient } from "@polyscale/account";', "imports AccountClient from @polyscale/account"],
    ['const orders = await import("@polyscale/order");', "takes all of @polyscale/order"],
    ["context.services.order.getOrder(request);", "uses context.services"],
    ['context["services"].order.getOrder(request);', 'uses context["services"]'],
    ["context[`loaders`].account(id);", "uses context[`loaders`]"],
    ["const { services } = context;", "takes services apart"],
    ['const { "loaders": batched } = context;', 'takes "loaders": batched apart'],
    ['const { ["services"]: clients } = context;', 'takes ["services"]: clients apart'],
  ])("names %s", (line, what) => {
    expect(bypassesIn(planted, `// a REST route\n${line}\n`)).toEqual([`rest/planted.ts:2 ${what}`]);
  });

  it("lets a skin use a service package's values and the context's other members", () => {
    const code = [
      'import { OrderStatus, type Order } from "@polyscale/order";',
      'import { Role } from "@polyscale/account";',
      'import { ordersOf } from "../domain/orders.js";',
      "const viewer = context.viewer;",
      'const header = request.headers["authorization"];',
      "const { limit, offset } = page;",
    ].join("\n");
    expect(bypassesIn(planted, code)).toEqual([]);
  });
});

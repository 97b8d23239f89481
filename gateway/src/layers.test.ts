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
const SERVICE_PACKAGES = new Set(["@polyscale/account", "@polyscale/order", "@polyscale/product"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Each way past the domain layer in one file, as "file:line what". */
function bypassesIn(file: string): string[] {
  const text = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(
      `${path.relative(source, file)}:${text.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${what}`,
    );
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text;
      const resolved = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
      if (clientModules.includes(resolved)) report(node, `imports ${specifier}`);
      const bindings = node.importClause?.namedBindings;
      if (SERVICE_PACKAGES.has(specifier) && bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements)
          if (/Client$/.test(element.name.text)) report(element, `imports ${element.name.text} from ${specifier}`);
      }
    }
    // The request context carries the clients (services) and the loaders over them; only domain/ may use them.
    if (ts.isPropertyAccessExpression(node) && ["services", "loaders"].includes(node.name.text))
      report(node, `uses ${node.getText(text)}`);
    if (ts.isBindingElement(node) && ["services", "loaders"].includes((node.propertyName ?? node.name).getText(text)))
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
    expect(skins.flatMap(sourceFiles).flatMap(bypassesIn)).toEqual([]);
  });
});

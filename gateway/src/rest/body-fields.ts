import { invalidArgument } from "@polyscale/platform";
import { schemas } from "./schemas/index.js";

/** What the walk reads of a JSON Schema of the document: references, objects' properties, arrays' items. */
interface BodySchema {
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, BodySchema>>;
  readonly additionalProperties?: boolean;
  readonly items?: BodySchema;
}

const componentPrefix = "#/components/schemas/";

/** The component a `$ref` names, or the schema itself. */
function resolved(schema: BodySchema): BodySchema {
  if (schema.$ref === undefined) return schema;
  const component = (schemas as Record<string, BodySchema>)[schema.$ref.slice(componentPrefix.length)];
  if (!component) throw new Error(`no schema ${schema.$ref}`);
  return component;
}

/**
 * The refusal of a name the document does not declare where the client wrote it (`at`): 400 BAD_USER_INPUT naming
 * it, the message listing the names there are, so a typo is told rather than dropped unseen.
 */
const undeclared = (at: string, kind: "field" | "parameter", declared: readonly string[]) =>
  invalidArgument(
    at,
    declared.length === 0
      ? `is not a ${kind} here; there are none`
      : `is not a ${kind} here; the ${kind}s are ${declared.join(", ")}`,
  );

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Refuses a property the body's schema does not have, at any depth: where an object schema of the document says
 * `additionalProperties: false`, each property of `value` outside its `properties` is a 400 BAD_USER_INPUT naming it by
 * its path (`qty`, `variants[0].colour`, `shippingAddress.zip`), the message listing the fields there are. A typo
 * would otherwise be dropped unseen (`{"qty":5}` adding one unit). Only names are checked here: each value's kind
 * and range are the route's readers' (rest/input.ts), which name the same paths.
 */
export function refuseUnknownFields(value: unknown, schema: BodySchema, path = ""): void {
  const shape = resolved(schema);
  if (Array.isArray(value) && shape.items) {
    value.forEach((item, index) => refuseUnknownFields(item, shape.items!, `${path}[${index}]`));
    return;
  }
  if (!isObject(value) || !shape.properties) return;
  const properties = shape.properties;
  for (const [name, item] of Object.entries(value)) {
    const at = path === "" ? name : `${path}.${name}`;
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (property) refuseUnknownFields(item, property, at);
    else if (shape.additionalProperties === false) throw undeclared(at, "field", Object.keys(properties));
  }
}

/** The JSON schema of an operation's request body (its application/json content), when it takes one. */
export function requestBodySchema(requestBody: object | undefined): BodySchema | undefined {
  const content = (requestBody as { content?: Record<string, { schema?: BodySchema }> } | undefined)?.content;
  return content?.["application/json"]?.schema;
}

/** What the check reads of an operation's parameter (OpenAPI Parameter Object): its name and where it goes. */
interface DeclaredParameter {
  readonly name: string;
  readonly in: string;
}

/**
 * Refuses a query parameter the operation does not declare (its `parameters` with `in: "query"`): 400 BAD_USER_INPUT
 * naming the parameter as written, the message listing the declared ones (or saying there are none). Without it
 * `GET /products?colour=red` answered every product and `GET /me/orders?staus=PAID` every order: a typo changed
 * the answer unseen. Repeats of a declared parameter are the route's to read (`option`, `status`); only names are
 * checked here, each value is the route's readers' (rest/input.ts).
 */
export function refuseUnknownQueryParameters(query: URLSearchParams, parameters: readonly object[] = []): void {
  const declared = (parameters as readonly DeclaredParameter[])
    .filter((parameter) => parameter.in === "query")
    .map((parameter) => parameter.name);
  for (const name of query.keys()) if (!declared.includes(name)) throw undeclared(name, "parameter", declared);
}

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
    else if (shape.additionalProperties === false) {
      throw invalidArgument(at, `is not a field here; the fields are ${Object.keys(properties).join(", ")}`);
    }
  }
}

/** The JSON schema of an operation's request body (its application/json content), when it takes one. */
export function requestBodySchema(requestBody: object | undefined): BodySchema | undefined {
  const content = (requestBody as { content?: Record<string, { schema?: BodySchema }> } | undefined)?.content;
  return content?.["application/json"]?.schema;
}

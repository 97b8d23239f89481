import {
  BREAK,
  GraphQLError,
  Kind,
  TypeInfo,
  coerceInputValue,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInputType,
  isListType,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValueNode,
} from "graphql";
import { invalidArgument, type AppError, requireInstant } from "@polyscale/platform";
import { INT32, requireIntegerOfWidth, SAFE_INTEGER } from "../domain/index.js";
import { publicErrorOf } from "../http/errors.js";

/**
 * A value a scalar refuses, written into the query or passed in `variables`, is the caller's input: BAD_USER_INPUT
 * naming the input field it was written for, with the reason and message the domain's own rule gives the same value,
 * and so the ones REST gives (quantity 1.5 or "2": "quantity: must be a whole number"; 2147483648: LIMIT_EXCEEDED
 * "quantity: must be at most 1000 (the shop's limit for a line's quantity)"; createdFrom "yesterday": "createdFrom:
 * must be an RFC 3339 date-time"), not graphql-js's "Int cannot represent …".
 *
 * The field is named as the services name the fields of an input (`variants[1].priceCents`, `images[1].url`): the
 * path inside the argument, without the argument's own name when it is an input object (`product`, `pagination`,
 * `filter`): `take`, `createdFrom`; a scalar or list argument keeps its name (`quantity`, `images[1].url`).
 */

/** A step of an input path: an input field's or argument's name, or a list index. */
type Step = string | number;

/** The field an error names for the value at `path` (argument first), as the module comment says. */
export function fieldOfPath(path: readonly Step[]): string {
  const inside = path.length > 1 && typeof path[1] === "string" ? path.slice(1) : path;
  return inside
    .map((step, index) => (typeof step === "number" ? `[${step}]` : index === 0 ? step : `.${step}`))
    .join("");
}

/** The last name of a field path: `priceCents` of `variants[1].priceCents`. */
function lastNameOf(field: string): string {
  return (
    field
      .split(/[.[\]]+/)
      .filter((name) => name !== "" && !/^\d+$/.test(name))
      .at(-1) ?? field
  );
}

/**
 * The refusal of `value` for the input field `field` of scalar type `type`, which `refused` (the scalar's own error)
 * turned down: the domain's rule for the field when it has one, else the scalar's words under the field's name.
 */
function refusalOf(
  field: string,
  type: GraphQLInputType,
  value: unknown,
  refused: Error,
  nodes?: ASTNode,
): GraphQLError {
  const scalar = getNamedType(type).name;
  let problem: AppError = invalidArgument(field, refused.message);
  try {
    if (scalar === "Int" || scalar === "SafeInt") {
      const number = typeof value === "number" ? value : Number.NaN;
      requireIntegerOfWidth(field, lastNameOf(field), number, scalar === "Int" ? INT32 : SAFE_INTEGER);
    } else if (scalar === "Time") {
      requireInstant(field, value);
    }
  } catch (error) {
    problem = error as AppError;
  }
  return graphQLErrorAt(problem, nodes);
}

/** An AppError as the GraphQL error of the value at `nodes` (graphQLErrorOf, located). */
function graphQLErrorAt(error: AppError, nodes?: ASTNode): GraphQLError {
  const { message, ...extensions } = publicErrorOf(error);
  return new GraphQLError(message, { nodes, extensions });
}

/** The argument and input fields (and list indexes) leading from `document` to the node at `path` (a visit's). */
function inputPathOf(document: DocumentNode, path: readonly (string | number)[]): Step[] {
  const steps: Step[] = [];
  let current: unknown = document;
  let owner: ASTNode | undefined;
  for (const key of path) {
    if (!Array.isArray(current)) owner = current as ASTNode;
    current = (current as Record<string | number, unknown>)[key];
    const node = current as ASTNode;
    if (node.kind === Kind.ARGUMENT) steps.length = 0;
    if (typeof key === "number" && owner?.kind === Kind.LIST) steps.push(key);
    if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) steps.push(node.name.value);
  }
  return steps;
}

/** A scalar's refusal of a literal (graphql-js's Int: "Int cannot represent non 32-bit signed integer value: …"). */
const LITERAL_COERCION = /cannot represent/;

/**
 * A validation error that is a scalar's refusal of a literal (graphql-js's own, or one of our scalars', which carry a
 * code) as the caller's input error; undefined for any other validation error.
 */
export function literalInputError(
  schema: GraphQLSchema,
  document: DocumentNode,
  error: GraphQLError,
): GraphQLError | undefined {
  const value = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (!value || !(LITERAL_COERCION.test(error.message) || error.extensions.code !== undefined)) return undefined;
  const typeInfo = new TypeInfo(schema);
  let refusal: GraphQLError | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      enter(node, _key, _parent, path) {
        if (node !== value) return undefined;
        const type = typeInfo.getInputType();
        const steps = inputPathOf(document, path);
        if (type && steps.length > 0) {
          refusal = refusalOf(fieldOfPath(steps), type, valueFromASTUntyped(node as ValueNode), error, node);
        }
        return BREAK;
      },
    }),
  );
  return refusal;
}

/** The input path of each place the operation (with the fragments it may spread) uses the variable `name`. */
function usesOf(document: DocumentNode, name: string): Step[][] {
  const uses: Step[][] = [];
  visit(document, {
    Variable(node, _key, parent, path) {
      const defined = !Array.isArray(parent) && (parent as ASTNode).kind === Kind.VARIABLE_DEFINITION;
      if (node.name.value === name && !defined) uses.push(inputPathOf(document, path));
    },
  });
  return uses;
}

/** The scalar type at `path` inside a value of `type` (a list takes a single value as its one item), if it is one. */
function scalarAt(type: GraphQLInputType, path: readonly Step[]): GraphQLInputType | undefined {
  let current: GraphQLInputType = type;
  for (const step of path) {
    const nullable = getNullableType(current);
    if (typeof step === "number") {
      if (!isListType(nullable)) return undefined;
      current = nullable.ofType;
    } else {
      if (!isInputObjectType(nullable)) return undefined;
      const field = nullable.getFields()[step];
      if (!field) return undefined;
      current = field.type;
    }
  }
  return isInputObjectType(getNamedType(current)) ? undefined : current;
}

/**
 * graphql-js names the input field at fault in an object's refusal only in its message ('Field "name" of required type
 * "String!" was not provided.', 'Field "nme" is not defined by type "ProductInput".'): that field, to name it.
 */
const OBJECT_FIELD = /^Field "(\w+)" (?:of required type|is not defined by type)/;

/**
 * The refusals of the values `variables` gives the operation's variables, each naming the input field the variable
 * feeds (`take` for `pagination: { take: $t }`, `name` for a product variable without one); a variable used in several
 * places, or in none, is named by itself (`$t`), the message saying which. A value a scalar refuses is refused as the
 * domain refuses it (refusalOf), null for a required one "is required", any other problem in graphql-js's words. A
 * variable left out is left to graphql-js, which answers it naming the variable.
 */
export function variableInputErrors(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): GraphQLError[] {
  const errors: GraphQLError[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type) || variables[name] === undefined) continue;
    const uses = usesOf(document, name);
    coerceInputValue(variables[name], type, (path, invalid, refused) => {
      const scalar = scalarAt(type, path);
      const at = scalar ? path : [...path, ...(OBJECT_FIELD.exec(refused.message)?.slice(1, 2) ?? [])];
      const fields = [...new Set(uses.map((use) => fieldOfPath([...use, ...at])))];
      const refusal = (field: string) =>
        invalid === null || invalid === undefined
          ? graphQLErrorAt(invalidArgument(field, "is required"), definition)
          : scalar
            ? refusalOf(field, scalar, invalid, refused, definition)
            : graphQLErrorAt(invalidArgument(field, refused.message), definition);
      if (fields.length === 1) {
        errors.push(refusal(fields[0]!));
        return;
      }
      const { message, extensions } = refusal(`$${name}`);
      errors.push(
        new GraphQLError(`Variable "$${name}" (used in ${uses.length} places) got an invalid value: ${message}`, {
          nodes: definition,
          extensions,
        }),
      );
    });
  }
  return errors;
}

import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/** Mutations that hash a password (argon2id, tens of milliseconds of CPU each): the ones worth batching for abuse. */
export const EXPENSIVE_MUTATIONS: ReadonlySet<string> = new Set([
  "register",
  "login",
  "changePassword",
  "createAccount",
  "resetPassword",
]);

/**
 * A validation rule: a mutation may run at most `max` expensive root fields, so that one request cannot buy many
 * password hashes with aliases (15 aliased `register`s) or fragments. Fields are counted by response key, as they
 * execute: two selections that merge into one key run once. Each fragment is followed once, so nesting cannot make
 * the count explode.
 */
export function maxExpensiveMutationsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (node.operation !== OperationTypeNode.MUTATION) return;
      const keys = new Set<string>();
      collectExpensive(node.selectionSet, context, keys, new Set());
      if (keys.size > max) {
        context.reportError(
          new GraphQLError(
            `a request may run at most ${max} of ${[...EXPENSIVE_MUTATIONS].join(", ")}; this one runs ${keys.size}`,
            { nodes: [node] },
          ),
        );
      }
    },
  });
}

function collectExpensive(
  selectionSet: SelectionSetNode,
  context: ValidationContext,
  keys: Set<string>,
  visitedFragments: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (EXPENSIVE_MUTATIONS.has(selection.name.value)) keys.add(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collectExpensive(selection.selectionSet, context, keys, visitedFragments);
    } else if (!visitedFragments.has(selection.name.value)) {
      visitedFragments.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) collectExpensive(fragment.selectionSet, context, keys, visitedFragments);
    }
  }
}

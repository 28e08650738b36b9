import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Root fields that decode an image and run the face engine: each one costs a CNN pass or more. */
const IMAGE_FIELDS = new Set(['faceVector', 'similarFaces', 'verifyFaces', 'addImage']);

export interface QueryLimits {
  /** Deepest field nesting allowed, counting the root field as 1. */
  maxDepth: number;
  /** Image-processing root fields allowed in one operation, aliases included. */
  maxImageFields: number;
}

/**
 * Builds a validation rule that rejects an operation nested deeper than `maxDepth` or with
 * more than `maxImageFields` image fields, so such a request fails before any resolver runs.
 * Apollo Server reports every validation error with the code GRAPHQL_VALIDATION_FAILED.
 */
export function queryLimitsRule(limits: QueryLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const depth = selectionDepth(operation.selectionSet, context, new Set());
      if (depth > limits.maxDepth) {
        context.reportError(new GraphQLError(
          `The query is nested ${depth} levels deep; the maximum is ${limits.maxDepth} (FACEMATCH_MAX_QUERY_DEPTH). Ask for fewer nested fields.`,
          { nodes: [operation] },
        ));
      }

      const imageFields = countImageFields(operation.selectionSet, context, new Set());
      if (imageFields > limits.maxImageFields) {
        context.reportError(new GraphQLError(
          `The operation runs ${imageFields} image fields (faceVector, similarFaces, verifyFaces, addImage); the maximum is ${limits.maxImageFields} (FACEMATCH_MAX_IMAGE_FIELDS). Split it into several requests.`,
          { nodes: [operation] },
        ));
      }
    },
  });
}

/** Depth of the deepest field under `selectionSet`, following fragments once each. */
function selectionDepth(selectionSet: SelectionSetNode, context: ValidationContext, visited: Set<string>): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const below = selection.selectionSet ? selectionDepth(selection.selectionSet, context, visited) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, context, visited));
    } else {
      const fragment = followFragment(selection.name.value, context, visited);
      if (fragment) {
        deepest = Math.max(deepest, selectionDepth(fragment.selectionSet, context, new Set([...visited, fragment.name.value])));
      }
    }
  }
  return deepest;
}

/** Count of image fields at the root of `selectionSet` (root fragments included). */
function countImageFields(selectionSet: SelectionSetNode, context: ValidationContext, visited: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      count += IMAGE_FIELDS.has(selection.name.value) ? 1 : 0;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countImageFields(selection.selectionSet, context, visited);
    } else {
      const fragment = followFragment(selection.name.value, context, visited);
      if (fragment) {
        count += countImageFields(fragment.selectionSet, context, new Set([...visited, fragment.name.value]));
      }
    }
  }
  return count;
}

/** Looks up a fragment; undefined when it is unknown or already on this path (a cycle, which graphql reports itself). */
function followFragment(name: string, context: ValidationContext, visited: Set<string>): FragmentDefinitionNode | undefined {
  return visited.has(name) ? undefined : context.getFragment(name) ?? undefined;
}

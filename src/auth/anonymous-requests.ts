import { type DocumentNode, getOperationAST, Kind, type SelectionSetNode } from 'graphql';
import { DomainError, ErrorCode } from '../common/errors';

/** What an anonymous caller is told: how to authenticate, not only that it did not. */
export const AUTHENTICATION_REQUIRED =
  'Authentication required: send "Authorization: Bearer <token>" (a token from your identity provider) or "X-Api-Key: <key>" (an API key of your organisation)';

/** Root fields an anonymous caller may ask for: the schema itself (when introspection is on). */
const ANONYMOUS_ROOT_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * Anonymous callers get no data: an operation that asks for any root field but introspection
 * is refused as a whole with HTTP 401 UNAUTHENTICATED before anything runs, instead of a 200
 * whose every field is FORBIDDEN.
 */
export function refuseAnonymousData(document: DocumentNode, operationName?: string): void {
  const operation = getOperationAST(document, operationName);
  if (!operation) return;
  const fragments = new Map(
    document.definitions.flatMap((d) =>
      d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [],
    ),
  );
  if (asksForData(operation.selectionSet, fragments, new Set())) {
    throw new DomainError(ErrorCode.UNAUTHENTICATED, AUTHENTICATION_REQUIRED, {
      http: { status: 401, headers: new Map([['www-authenticate', 'Bearer']]) },
    });
  }
}

function asksForData(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, SelectionSetNode>,
  seen: Set<string>,
): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return !ANONYMOUS_ROOT_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return asksForData(selection.selectionSet, fragments, seen);
    }
    const name = selection.name.value;
    // An unknown or cyclic spread is validation's to refuse.
    if (seen.has(name)) return false;
    seen.add(name);
    const fragment = fragments.get(name);
    return fragment ? asksForData(fragment, fragments, seen) : false;
  });
}

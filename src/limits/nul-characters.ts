import { type ASTNode, type DocumentNode, Kind, type ObjectFieldNode, visit } from 'graphql';
import { DomainError, ErrorCode, httpStatus } from '../common/errors';

/**
 * PostgreSQL text cannot hold U+0000: refuse it in any string of the request (literal or
 * variable) before anything runs, with a clear client error naming the field, instead of a
 * failed query.
 */
export function rejectNulCharacters(document: DocumentNode, variables: unknown): void {
  // Fields are named relative to their argument, as validation errors name them.
  const field = nulPath(variables, [])?.slice(1).join('.') ?? nulLiteralField(document);
  if (field !== null) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'Text must not contain the NUL character (U+0000)',
      { field: field || undefined, http: { status: httpStatus(ErrorCode.BAD_USER_INPUT) } },
    );
  }
}

/** Per document (Apollo reuses the parsed document of a query it has seen): its NUL literal. */
const nulLiterals = new WeakMap<DocumentNode, string | null>();

/** The input field of the first string literal holding U+0000 in the document, or null. */
function nulLiteralField(document: DocumentNode): string | null {
  const known = nulLiterals.get(document);
  if (known !== undefined) return known;
  let field: string | null = null;
  visit(document, {
    StringValue(node, _key, _parent, _path, ancestors) {
      if (field !== null || !node.value.includes('\u0000')) return;
      const names = ancestors
        .filter(
          (a): a is ObjectFieldNode =>
            !Array.isArray(a) && (a as ASTNode).kind === Kind.OBJECT_FIELD,
        )
        .map((a) => a.name.value);
      field = names.join('.');
    },
  });
  nulLiterals.set(document, field);
  return field;
}

/**
 * The path to the first string holding U+0000 in a JSON value, or null. Walks without
 * recursion: variables nested 100,000 deep must not overflow the stack.
 */
function nulPath(value: unknown, path: string[]): string[] | null {
  // Each entry keeps its parent, so the path is built only for the string that holds U+0000
  // (copying it at every level would cost depth² on deeply nested input).
  type Entry = { value: unknown; key: string | null; parent: Entry | null };
  const pending: Entry[] = [{ value, key: null, parent: null }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (typeof entry.value === 'string') {
      if (!entry.value.includes('\u0000')) continue;
      const keys: string[] = [];
      for (let e: Entry | null = entry; e?.key !== null && e; e = e.parent) keys.unshift(e.key);
      return [...path, ...keys];
    }
    if (entry.value && typeof entry.value === 'object') {
      for (const [key, child] of Object.entries(entry.value)) {
        pending.push({ value: child, key, parent: entry });
      }
    }
  }
  return null;
}

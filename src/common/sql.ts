/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Appends a parameter and returns its placeholder. */
export function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/**
 * The `updatedSince` filter of a list: rows whose `updated_at` is at or after `since`. A
 * client passes back a time it read (milliseconds), so a row stored with microseconds in that
 * same millisecond is kept, never skipped.
 */
export function updatedSinceSql(alias: string, since: Date, params: unknown[]): string {
  return `${alias}.updated_at >= ${param(params, since)}::timestamptz`;
}

import {
  registerDecorator,
  validateOrReject,
  type ValidationError,
  type ValidationOptions,
} from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { badUserInput } from './errors';

/*
 * Validation shared by every write: class-validator decorators on the input types catch what
 * one field can tell (type-graphql runs them before the resolver); the functions below check
 * the rules that need the whole row or the database, and throw BAD_USER_INPUT naming the field.
 * Bulk imports call both per item, so one bad item becomes one INVALID result.
 */

/** C0 control characters other than tab, line feed and carriage return; NUL among them. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Why a text is not acceptable, or null: no control characters, 1..max characters once trimmed. */
export function textProblem(value: unknown, max: number, min = 1): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (CONTROL.test(value)) return 'must not contain NUL or other control characters';
  // A lone surrogate cannot be stored as UTF-8: it would silently become U+FFFD.
  if (!(value as string & { isWellFormed(): boolean }).isWellFormed()) {
    return 'must be well-formed Unicode';
  }
  const length = [...value.trim()].length;
  if (length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
  if (length > max) return `must be at most ${max} characters`;
  return null;
}

/**
 * A text field: no NUL or other control characters, and 1..max characters (code points)
 * after trimming. Services store the trimmed value (see `trimmed`); nothing else is changed,
 * so Cyrillic, Latin, emoji and combining marks round-trip byte for byte.
 */
export function IsCleanText(max: number, options: ValidationOptions & { min?: number } = {}) {
  return (object: object, propertyName: string): void => {
    registerDecorator({
      name: 'isCleanText',
      target: object.constructor,
      propertyName,
      options: {
        message: (args) =>
          `${args.property} ${textProblem(args.value, max, options.min ?? 1) ?? 'is invalid'}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => textProblem(value, max, options.min ?? 1) === null,
      },
    });
  };
}

/** The text with surrounding white space removed; null and undefined pass through. */
export function trimmed<T extends string | null | undefined>(value: T): T {
  return (typeof value === 'string' ? value.trim() : value) as T;
}

/** Throws unless `from` ≤ `to` (ISO dates compare as strings). */
export function checkDateOrder(
  from: string | null | undefined,
  to: string | null | undefined,
  toField: string,
  fromField: string,
): void {
  if (from && to && to < from) {
    throw badUserInput(toField, `${toField} must not be before ${fromField}`);
  }
}

/** A project's span, for checking that rows fall inside it. */
export type Span = Readonly<{ startDate: string; endDate: string | null }>;

/** Throws unless the day lies within the span (inclusive). */
export function checkWithinSpan(day: string | null | undefined, span: Span, field: string): void {
  if (!day) return;
  if (day < span.startDate || (span.endDate !== null && day > span.endDate)) {
    throw badUserInput(
      field,
      `${field} must lie within the project (${span.startDate} to ${span.endDate ?? 'open'})`,
    );
  }
}

/** Values with more digits before the point than numeric(18, 4) holds. */
export const MAX_MEASUREMENT_VALUE = 1e14;

/** For updates: a field that may be omitted but not set to null. */
export function notNull<T>(value: T | null | undefined, field: string): T | undefined {
  if (value === null) throw badUserInput(field, `${field} cannot be null`);
  return value;
}

/** The first failed constraint of class-validator's tree, with the dotted path of its field. */
export function firstViolation(
  errors: ValidationError[],
  prefix = '',
): { field: string; message: string } {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const constraint = error.constraints ? Object.values(error.constraints)[0] : undefined;
    if (constraint) return { field, message: `${field}: ${constraint}` };
    if (error.children?.length) return firstViolation(error.children, field);
  }
  return { field: prefix, message: 'Invalid input' };
}

/** Arguments found valid, as JSON by class: decorators are pure, so the answer never changes. */
const validArguments = new WeakMap<object, Set<string>>();
const VALID_ARGUMENTS_LIMIT = 1_000;
/** Longer arguments (a bulk import) are validated every time rather than remembered. */
const REMEMBERED_LENGTH = 2_000;

/**
 * type-graphql's argument validation (class-validator with its default options), remembering
 * small arguments found valid: a nested connection asked of 200 parents gets the same
 * arguments 200 times, and class-validator costs more than the rest of such a field.
 */
export async function validateArguments(value: unknown): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is object => item !== null && typeof item === 'object',
  );
  for (const item of items) {
    const json = JSON.stringify(item);
    const remembered = validArguments.get(item.constructor) ?? new Set<string>();
    if (remembered.has(json)) continue;
    try {
      await validateOrReject(item, { skipMissingProperties: true, forbidUnknownValues: false });
    } catch (errors) {
      throw new ArgumentValidationError(errors as ValidationError[]);
    }
    if (json.length > REMEMBERED_LENGTH) continue;
    if (remembered.size >= VALID_ARGUMENTS_LIMIT) remembered.clear();
    remembered.add(json);
    validArguments.set(item.constructor, remembered);
  }
}

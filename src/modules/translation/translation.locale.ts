import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, Response } from 'express';
import {
  DirectiveLocation,
  GraphQLDirective,
  GraphQLNonNull,
  GraphQLString,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import { DomainError, ErrorCode, httpStatus } from '../../common/errors';
import type { RequestContext } from '../../context';
import { parseAcceptLanguage, preferenceOrder, supportedLanguageOf } from './translation.languages';
import { translateMessage } from './translation.messages';

/**
 * The one convention for choosing a request's language: the operation's `@locale(language:)`
 * directive when it has one, otherwise the Accept-Language header. Nothing else (no argument
 * per field) decides it, so one answer is in one language throughout.
 */
export const LOCALE_DIRECTIVE = new GraphQLDirective({
  name: 'locale',
  description:
    'The language of the whole operation (BCP 47: en, ru, tg, ky, uz-Latn, uz-Cyrl); ' +
    'without it the Accept-Language header decides. Names fall back along fixed chains ' +
    '(uz-Cyrl → ru → en, tg → ru → en, ky → ru → en) and each says the language it is in.',
  locations: [DirectiveLocation.QUERY, DirectiveLocation.MUTATION],
  args: {
    language: {
      type: new GraphQLNonNull(GraphQLString),
      description: 'The language tag, e.g. "uz-Cyrl".',
    },
  },
});

/** A request's language choice. */
export type RequestLanguage = Readonly<{
  /** What the request asked for, best first. */
  requested: readonly string[];
  /** The languages tried for each text, in order (empty: nothing asked was supported). */
  order: readonly string[];
  /** The language the answer is in where a text has it; null: none asked, texts as written. */
  resolved: string | null;
  /** Where the choice came from. */
  source: 'directive' | 'accept-language' | 'default';
}>;

const CHOSEN = new WeakMap<RequestContext, RequestLanguage>();

function choice(requested: readonly string[], source: RequestLanguage['source']): RequestLanguage {
  const order = preferenceOrder(requested);
  return { requested, order, resolved: order[0] ?? null, source };
}

/** The request's language (the default one before the operation is known, and for tests). */
export function requestLanguage(ctx: RequestContext): RequestLanguage {
  return CHOSEN.get(ctx) ?? choice([], 'default');
}

function directiveLanguage(operation: OperationDefinitionNode | undefined): string | undefined {
  const directive = operation?.directives?.find((d) => d.name.value === LOCALE_DIRECTIVE.name);
  const argument = directive?.arguments?.find((a) => a.name.value === 'language');
  // Variables are allowed by the directive's type; their values are not known here, so
  // only literals are read (a variable is refused by the check below).
  return argument?.value.kind === Kind.STRING ? argument.value.value : directive ? '' : undefined;
}

/**
 * Chooses each request's language when its operation is known, and says it in the answer:
 * `extensions.locale`, and client errors' messages in that language where the catalogue has
 * them (codes unchanged).
 */
export function localePlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart({ request, contextValue }) {
      const header = request.http?.headers.get('accept-language') ?? undefined;
      const fromHeader = parseAcceptLanguage(header);
      CHOSEN.set(
        contextValue,
        choice(fromHeader, fromHeader.length ? 'accept-language' : 'default'),
      );
      return Promise.resolve({
        didResolveOperation({ operation }) {
          const asked = directiveLanguage(operation);
          if (asked === undefined) return Promise.resolve();
          if (supportedLanguageOf(asked) === null) {
            return Promise.reject(
              new DomainError(
                ErrorCode.BAD_USER_INPUT,
                `@locale needs a supported language tag, not "${asked}"`,
                { field: 'locale', http: { status: httpStatus(ErrorCode.BAD_USER_INPUT) } },
              ),
            );
          }
          CHOSEN.set(contextValue, choice([asked], 'directive'));
          return Promise.resolve();
        },
        willSendResponse({ response }) {
          if (response.body.kind !== 'single') return Promise.resolve();
          const result = response.body.singleResult;
          const language = requestLanguage(contextValue);
          // A request that asked for no language is answered as before, texts as written.
          if (language.source === 'default') return Promise.resolve();
          result.extensions = {
            ...result.extensions,
            locale: {
              resolved: language.resolved,
              requested: language.requested,
              source: language.source,
            },
          };
          if (result.errors) {
            result.errors = result.errors.map((error) => ({
              ...error,
              message: translateMessage(error.message, language.order),
            }));
          }
          return Promise.resolve();
        },
      });
    },
  };
}

/** Answers differ by Accept-Language: caches must keep them apart (express merges Vary). */
export function varyByLanguage(_req: Request, res: Response, next: NextFunction): void {
  res.vary('Accept-Language');
  next();
}

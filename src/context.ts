import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Access } from './auth/access';
import type { AgreementInForce } from './auth/authenticate';
import { DomainError, ErrorCode } from './common/errors';
import type { RequestTransaction } from './db/request-transaction';
import type { RateLimitKey } from './limits/rate-limit';
import type { RequestRecord } from './observability/request-log';

/**
 * Everything one request carries: who is calling, what it may touch, its own database
 * transaction and its DataLoaders. Built fresh for every request, so nothing (shield's rule
 * cache included) is shared between principals.
 */
export class RequestContext {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown, unknown>>();
  private logger: Logger | (() => Logger);

  constructor(
    readonly requestId: string,
    readonly access: Access,
    readonly transaction: RequestTransaction | null,
    /** The request's logger, or how to make it when first used (most requests never log). */
    log: Logger | (() => Logger),
    /** What the request did, for its log line and metrics. */
    readonly record: RequestRecord,
    /** Whose rate-limit budget the request spends. */
    readonly rateLimitKey: RateLimitKey,
    /**
     * The sharing agreements in force for the principal's aggregate grants, as the opening
     * round trip read them (`principalPreamble`); null when it did not, and whoever needs
     * them reads them in a statement of their own.
     */
    readonly agreementsInForce: readonly AgreementInForce[] | null = null,
    /**
     * Ends the transaction so far and continues in a new one as the same principal, refusing
     * when its credential no longer grants anything; null where the request may not commit in
     * steps (GraphQL, whose mutations commit whole or not at all).
     */
    private readonly renewal: ((command: 'COMMIT' | 'ROLLBACK') => Promise<void>) | null = null,
  ) {
    this.logger = log;
  }

  /** The request's logger, bound to its request id (and principal). */
  get log(): Logger {
    if (typeof this.logger === 'function') this.logger = this.logger();
    return this.logger;
  }

  /** Whether `commitStep` may be used: routes that commit long work in steps. */
  get commitsInSteps(): boolean {
    return this.renewal !== null && this.transaction?.isOpen === true;
  }

  /**
   * Commits the work so far and goes on in a new transaction with the principal read again
   * (`rollback`: gives up the work since the last step instead). Only where `commitsInSteps`.
   */
  async commitStep(command: 'COMMIT' | 'ROLLBACK' = 'COMMIT'): Promise<void> {
    if (!this.renewal) throw new Error('This request commits whole: it has no steps');
    await this.renewal(command);
  }

  get principal() {
    return this.access.principal;
  }

  /** The request's transaction; only authenticated requests have one. */
  get tx(): RequestTransaction {
    if (!this.transaction) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Authentication required');
    }
    return this.transaction;
  }

  /** The request's DataLoader named `name`, created by `create` on first use. */
  loader<K, V, C = K>(name: string, create: () => DataLoader<K, V, C>): DataLoader<K, V, C> {
    const existing = this.loaders.get(name) as DataLoader<K, V, C> | undefined;
    if (existing) return existing;
    const loader = create();
    this.loaders.set(name, loader);
    return loader;
  }
}

import type { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { DomainError, ErrorCode } from '../common/errors';

/** The role every request runs as: not the owner of any table, no BYPASSRLS. */
export const APPLICATION_ROLE = 'dg_app';

/**
 * A statement parameter whose value another statement answers (its first row's `value`),
 * run just before in a statement of its own: for a value only a function reading distributed
 * tables can give, which Citus cannot call from inside a statement it sends to one shard
 * ("cannot execute a distributed query from a query on a shard"), such as the ids an indexed
 * search finds.
 */
export class Lookup {
  constructor(
    readonly text: string,
    readonly values: unknown[],
  ) {}
}

/** The start of the warning Citus gives when a worker's one-phase COMMIT failed. */
const CITUS_COMMIT_FAILED = 'failed to commit transaction on ';

/**
 * One request's database work: a single transaction on one pooled connection, running as
 * the application role with the principal's tenants set transaction-locally, so row-level
 * security applies to every statement and nothing survives into the next user of the
 * connection.
 *
 * It opens with one round trip: `BEGIN`, the caller's preamble (which runs as the owner,
 * typically reading the principal and setting `app.tenant_ids` with `SET LOCAL`), and the
 * switch to the application role. Everything after runs as the application role.
 *
 * The switch is `set_config('role', …, true)`, the same as `SET LOCAL ROLE`, because Citus
 * forwards a `SET LOCAL` to the workers as the text of the whole query it came in, which here
 * is the preamble too (the workers would run it again). It need not reach them: Citus opens
 * its worker connections as the current role, so after the switch they are dg_app's.
 */
export class RequestTransaction {
  /** SQL round trips this transaction has made, including its own BEGIN and COMMIT. */
  statements = 1;
  private finished = false;
  /**
   * Sibling resolvers query at the same time; one connection runs one statement at a time,
   * so statements wait their turn here rather than in pg's deprecated internal queue.
   */
  private last: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: PoolClient,
    private readonly deadline: number,
    private readonly preamble: readonly string[],
  ) {}

  /**
   * Checks out a connection and opens the transaction. Resolves to the transaction and the
   * preamble's result sets (one per statement of `preamble`, each plain SQL with its literals
   * escaped: the simple query protocol takes no parameters). After `deadline`
   * (epoch ms) no new statement starts: each one is already bounded by the statement
   * timeout, so a request's database work ends by deadline + statement timeout at worst.
   */
  static async open(
    pool: Pool,
    preamble: readonly string[],
    deadline = Number.POSITIVE_INFINITY,
  ): Promise<[RequestTransaction, QueryResult[]]> {
    const client = await pool.connect();
    // pg-pool listens for errors only on idle clients. A checked-out client whose backend is
    // terminated (a restart, pg_terminate_backend) emits 'error' after failing its query; with
    // no listener that would crash the process. The failed query already reports the error.
    client.on('error', ignoreError);
    try {
      const results = (await client.query(
        ['BEGIN', ...preamble, `SELECT set_config('role', '${APPLICATION_ROLE}', true)`].join('; '),
      )) as unknown as QueryResult[];
      // Drop BEGIN's and SET's results: the caller asked for its own statements'.
      return [new RequestTransaction(client, deadline, preamble), results.slice(1, -1)];
    } catch (error) {
      await RequestTransaction.discard(client, error);
      throw error;
    }
  }

  get isOpen(): boolean {
    return !this.finished;
  }

  /** Runs a statement; a `Lookup` among its values is answered first, by a statement of its own. */
  async query<T extends QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> {
    if (this.finished) throw new Error('The request transaction has already ended');
    if (values?.some((value) => value instanceof Lookup)) {
      const answered: unknown[] = [];
      for (const value of values) {
        answered.push(
          value instanceof Lookup
            ? (await this.query<{ value: unknown }>(value.text, value.values))[0]?.value
            : value,
        );
      }
      return this.query<T>(text, answered);
    }
    this.statements += 1;
    const result = this.inTurn(() => {
      if (Date.now() > this.deadline) {
        throw new DomainError(
          ErrorCode.TIMEOUT,
          'The request took too long and was stopped; it changed nothing',
        );
      }
      return this.client.query<T>({ name: preparedName(text), text, values });
    });
    return (await result).rows;
  }

  private inTurn<R>(statement: () => Promise<R>): Promise<R> {
    const result = this.last.then(statement);
    this.last = result.catch(() => undefined);
    return result;
  }

  /**
   * Ends the transaction so far (`COMMIT`, or `ROLLBACK` to give up its last step) and opens
   * the next one on the same connection with the same preamble, which reads the principal
   * again: for work that commits in steps (an import job's batches). One round trip; resolves
   * to the preamble's result sets. A failure ends the transaction for good.
   */
  async renew(command: 'COMMIT' | 'ROLLBACK'): Promise<QueryResult[]> {
    if (this.finished) throw new Error('The request transaction has already ended');
    this.statements += 1;
    try {
      const results = (await this.inTurn(() => {
        if (Date.now() > this.deadline) {
          throw new DomainError(
            ErrorCode.TIMEOUT,
            'The request took too long and was stopped; what it committed before stays',
          );
        }
        return this.client.query(
          [
            command,
            'BEGIN',
            ...this.preamble,
            `SELECT set_config('role', '${APPLICATION_ROLE}', true)`,
          ].join('; '),
        );
      })) as unknown as QueryResult[];
      return results.slice(2, -1);
    } catch (error) {
      this.finished = true;
      await RequestTransaction.discard(this.client, error);
      throw error;
    }
  }

  /** Commits and returns the connection to the pool. */
  async commit(): Promise<void> {
    await this.end('COMMIT');
  }

  /** Rolls back and returns the connection to the pool; safe to call more than once. */
  async rollback(): Promise<void> {
    await this.end('ROLLBACK');
  }

  private async end(command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.statements += 1;
    // Citus commits a transaction that wrote on one worker in one phase: when that worker's
    // COMMIT fails (a deferred constraint, a crash), the coordinator only warns and commits.
    // The request then fails as if its own COMMIT had: nothing it read (an analyst's cells,
    // whose audit row was on that worker) is sent as if it had been recorded.
    const unconfirmed: string[] = [];
    const onNotice = (notice: { severity?: string; message?: string }) => {
      if (notice.severity === 'WARNING' && notice.message?.startsWith(CITUS_COMMIT_FAILED)) {
        unconfirmed.push(notice.message);
      }
    };
    if (command === 'COMMIT') this.client.on('notice', onNotice);
    try {
      await this.inTurn(() => this.client.query(command));
    } catch (error) {
      await RequestTransaction.discard(this.client, error);
      throw error;
    } finally {
      this.client.removeListener('notice', onNotice);
    }
    this.client.removeListener('error', ignoreError);
    this.client.release();
    if (unconfirmed.length > 0) {
      throw new DomainError(
        ErrorCode.SERVICE_UNAVAILABLE,
        'The database could not confirm that this request was stored; try again',
      );
    }
  }

  /** Ends a connection whose state is unknown: roll back if possible, else destroy it. */
  private static async discard(client: PoolClient, cause: unknown): Promise<void> {
    try {
      await client.query('ROLLBACK');
      client.removeListener('error', ignoreError);
      client.release();
    } catch {
      // Destroyed, not returned to the pool: the listener goes with it.
      client.release(cause instanceof Error ? cause : true);
    }
  }
}

/**
 * How many distinct statements are prepared, at most. Request SQL is built from fixed pieces
 * with parameters, so its texts are few; the limit keeps an unforeseen source of distinct texts
 * from growing every connection's plan cache without bound.
 */
const PREPARED_LIMIT = 500;
const preparedNames = new Map<string, string>();

/**
 * The name under which a statement is prepared on each connection, so PostgreSQL plans it once
 * per connection instead of on every request (planning the row-level-security policies cost
 * more than running most of these queries). Undefined once the limit is reached.
 */
function preparedName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < PREPARED_LIMIT) {
    name = `dg_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return name;
}

function ignoreError(): void {
  // See RequestTransaction.open.
}

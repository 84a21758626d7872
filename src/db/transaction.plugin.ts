import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';
import { recordAnsweredErrors, serverError } from '../common/error-format';
import { databaseError } from '../common/database-errors';
import type { RequestContext } from '../context';

/** Called after each GraphQL request with the SQL round trips it made (tests, metrics). */
export type RequestEndListener = (stats: {
  operationName: string | null;
  statements: number;
}) => void;

/**
 * Ends each GraphQL request's transaction before its response is sent: commits, or rolls back
 * a mutation with any error, which then answers `data: null` with its errors (nothing of a
 * rolled-back mutation exists). A failed commit replaces the answer by its error.
 */
export function transactionPlugin(
  onRequestEnd?: RequestEndListener,
): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart({ contextValue }) {
      return Promise.resolve({
        async willSendResponse({ response, operation }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const tx = contextValue.transaction;
          const failedWrite =
            operation?.operation === OperationTypeNode.MUTATION && (body?.errors?.length ?? 0) > 0;
          // Answering a rolled-back mutation's ids or fields would have a client record a write
          // that never happened. Reads keep their partial data.
          if (failedWrite && body) body.data = null;
          if (tx?.isOpen) {
            try {
              if (failedWrite) await tx.rollback();
              else await tx.commit();
            } catch (error) {
              contextValue.log.error({ err: error }, 'could not end the request transaction');
              if (body) {
                body.data = null;
                body.errors = [serverError(databaseError(error))];
              }
            }
          }
          recordAnsweredErrors(contextValue, body?.errors);
          contextValue.record.statements = tx?.statements ?? 0;
          onRequestEnd?.({
            operationName: operation?.name?.value ?? null,
            statements: tx?.statements ?? 0,
          });
        },
      });
    },
  };
}

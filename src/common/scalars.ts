import { GraphQLScalarType } from 'graphql';
import { LocalDateResolver } from 'graphql-scalars';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * graphql-scalars' LocalDate, answering what PostgreSQL returns without checking it again: a
 * DATE column arrives as 'YYYY-MM-DD' (src/db/database.ts), a real day by construction, and
 * the check (a Date parsed and printed for every value) cost more than the rest of a date
 * field on a page of activities. Input is validated exactly as graphql-scalars does.
 */
export const LocalDateScalar = new GraphQLScalarType({
  ...LocalDateResolver.toConfig(),
  serialize: (value) =>
    typeof value === 'string' && DAY.test(value) ? value : LocalDateResolver.serialize(value),
});

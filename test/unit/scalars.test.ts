import { LocalDateScalar } from '../../src/common/scalars';

describe('the LocalDate scalar', () => {
  it('answers a stored day as it is', () => {
    expect(LocalDateScalar.serialize('2024-08-04')).toBe('2024-08-04');
  });

  it('still refuses anything else on the way out', () => {
    expect(() => LocalDateScalar.serialize('4 August')).toThrow(/not a valid LocalDate/);
    expect(() => LocalDateScalar.serialize(20240804)).toThrow(/not string/);
  });

  it('validates input as graphql-scalars does: a well-formed but impossible day is refused', () => {
    expect(LocalDateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    expect(() => LocalDateScalar.parseValue('2023-02-29')).toThrow(/not a valid LocalDate/);
  });
});

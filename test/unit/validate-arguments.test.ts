import 'reflect-metadata';
import { Max, Min } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';
import { validateArguments } from '../../src/common/validation';

class PageArgs {
  @Min(1)
  @Max(100)
  first?: number;
}

const page = (first: number) => Object.assign(new PageArgs(), { first });

describe('argument validation', () => {
  it('refuses an invalid argument every time, before and after valid ones were remembered', async () => {
    await expect(validateArguments(page(1000))).rejects.toBeInstanceOf(ArgumentValidationError);
    await expect(validateArguments(page(5))).resolves.toBeUndefined();
    await expect(validateArguments(page(5))).resolves.toBeUndefined();
    await expect(validateArguments(page(1000))).rejects.toBeInstanceOf(ArgumentValidationError);
    await expect(validateArguments([page(5), page(0)])).rejects.toBeInstanceOf(
      ArgumentValidationError,
    );
  });

  it('keeps class-validator’s errors for the one error formatter', async () => {
    const error = await validateArguments(page(0)).catch((e: unknown) => e);
    const [violation, ...others] = (error as ArgumentValidationError).extensions.validationErrors;
    expect(others).toEqual([]);
    expect(violation?.property).toBe('first');
    expect(Object.keys(violation?.constraints ?? {})).toEqual(['min']);
  });
});

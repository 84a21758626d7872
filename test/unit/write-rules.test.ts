import 'reflect-metadata';
import { textProblem } from '../../src/common/validation';
import { auditDiff } from '../../src/modules/audit/audit.service';
import { requestHash } from '../../src/modules/import/idempotency.service';
import { IndicatorUnit } from '../../src/modules/indicator/indicator.entity';
import { valueProblem } from '../../src/modules/measurement/measurement.service';

describe('text rules', () => {
  it('counts characters, not bytes or UTF-16 units, after trimming', () => {
    expect(textProblem(`  ${'😀'.repeat(10)}  `, 10)).toBeNull();
    expect(textProblem('😀'.repeat(11), 10)).toBe('must be at most 10 characters');
    expect(textProblem(' \t ', 10)).toBe('must not be empty');
  });

  it('refuses NUL and other control characters but keeps tabs and new lines', () => {
    expect(textProblem('a\u0000b', 10)).toMatch(/control characters/);
    expect(textProblem('a\u001bb', 10)).toMatch(/control characters/);
    expect(textProblem('a\tb\nc', 10)).toBeNull();
  });

  it('refuses lone surrogates, which UTF-8 cannot carry', () => {
    expect(textProblem('a\ud800b', 10)).toBe('must be well-formed Unicode');
    expect(textProblem('👩‍👩‍👧', 10)).toBeNull();
  });
});

describe('values by unit', () => {
  it.each([
    [IndicatorUnit.PERCENT, 0, true],
    [IndicatorUnit.PERCENT, 100, true],
    [IndicatorUnit.PERCENT, 100.0001, false],
    [IndicatorUnit.COUNT, 3, true],
    [IndicatorUnit.COUNT, 3.5, false],
    [IndicatorUnit.COUNT, -1, false],
    [IndicatorUnit.CURRENCY, 0.01, true],
    [IndicatorUnit.CURRENCY, -0.01, false],
    [IndicatorUnit.SCORE, -2.25, true],
    [IndicatorUnit.INDEX, 1.23456, false],
    [IndicatorUnit.INDEX, 1e14, false],
  ])('%s %d valid: %s', (unit, value, valid) => {
    expect(valueProblem(value, unit) === null).toBe(valid);
  });
});

describe('the audit diff', () => {
  it('keeps only the fields that changed, without bookkeeping columns', () => {
    expect(
      auditDiff(
        { title: 'a', type: 'TRAINING', version: 1, updatedAt: new Date(0) },
        { title: 'b', type: 'TRAINING', version: 2, updatedAt: new Date(1) },
      ),
    ).toEqual({ before: { title: 'a' }, after: { title: 'b' } });
  });

  it('records the whole row on creation and deletion', () => {
    expect(auditDiff(null, { title: 'a', version: 1 })).toEqual({
      before: null,
      after: { title: 'a' },
    });
  });
});

describe('the request hash', () => {
  it('ignores key order and undefined fields, and sees every value', () => {
    expect(requestHash({ a: 1, b: [{ x: 1, y: undefined }] })).toBe(
      requestHash({ b: [{ x: 1 }], a: 1 }),
    );
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ a: null })).not.toBe(requestHash({}));
  });
});

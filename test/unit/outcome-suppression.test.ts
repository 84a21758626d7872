import { suppress, type SuppressibleCell } from '../../src/modules/outcome/outcome.suppression';
import { SuppressionReason } from '../../src/modules/outcome/outcome.type';

const cell = (
  region: string,
  respondents: number,
  communities = 5,
  extra: Record<string, string> = {},
): SuppressibleCell => ({
  keys: { REGION: region, ...extra },
  indicatorId: 'dv',
  respondents,
  communities,
  k: 10,
});

describe('small-cell suppression', () => {
  it('withholds a cell under k respondents or under 3 communities, and nothing else', () => {
    const reasons = suppress([cell('A', 9), cell('B', 50, 2), cell('C', 10, 3)], []);
    expect([...reasons]).toEqual([
      [0, SuppressionReason.FEW_RESPONDENTS],
      [1, SuppressionReason.FEW_COMMUNITIES],
    ]);
  });

  it('withholds the next-smallest cell of a line with exactly one suppressed cell', () => {
    const reasons = suppress(
      [cell('A', 5), cell('B', 40), cell('C', 20), cell('D', 90)],
      ['REGION'],
    );
    expect([...reasons].sort()).toEqual([
      [0, SuppressionReason.FEW_RESPONDENTS],
      [2, SuppressionReason.COMPLEMENTARY],
    ]);
  });

  it('leaves a line with two suppressed cells as it is', () => {
    const reasons = suppress([cell('A', 5), cell('B', 4), cell('C', 20)], ['REGION']);
    expect(reasons.size).toBe(2);
  });

  it('keeps going until no line, along any dimension, holds a single suppressed cell', () => {
    // A 2 × 2 table: hiding (A, F) forces a second cell in its row and in its column, and
    // those force the fourth.
    const cells = [
      cell('A', 5, 5, { SEX: 'F' }),
      cell('A', 30, 5, { SEX: 'M' }),
      cell('B', 20, 5, { SEX: 'F' }),
      cell('B', 40, 5, { SEX: 'M' }),
    ];
    const reasons = suppress(cells, ['REGION', 'SEX']);
    for (const [dimension, other] of [
      ['REGION', 'SEX'],
      ['SEX', 'REGION'],
    ] as const) {
      const lines = new Map<string, number>();
      cells.forEach((c, i) => {
        const key = c.keys[other]!;
        lines.set(key, (lines.get(key) ?? 0) + (reasons.has(i) ? 1 : 0));
      });
      expect({ dimension, counts: [...lines.values()].filter((n) => n === 1) }).toEqual({
        dimension,
        counts: [],
      });
    }
  });

  it('prefers a complementary cell that no coarser grouping shows unchanged', () => {
    // Along REGION the line (F) holds A-F (hidden), B-F and C-F; C-F is alone in its SEX line
    // (region C has no M cell), so the coarser [REGION] query shows it as is: B-F is chosen.
    const cells = [
      cell('A', 5, 5, { SEX: 'F' }),
      cell('A', 30, 5, { SEX: 'M' }),
      cell('B', 25, 5, { SEX: 'F' }),
      cell('B', 30, 5, { SEX: 'M' }),
      cell('C', 15, 5, { SEX: 'F' }),
    ];
    const reasons = suppress(cells, ['REGION', 'SEX']);
    expect(reasons.get(2)).toBe(SuppressionReason.COMPLEMENTARY);
    expect(reasons.has(4)).toBe(false);
  });
});

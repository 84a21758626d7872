import { SuppressionReason } from './outcome.type';

/** Fewer communities than this behind a value and it could point at one village. */
export const MIN_COMMUNITIES = 3;

/** What suppression needs to know of one cell of a summary table. */
export type SuppressibleCell = Readonly<{
  /** The cell's group keys other than the indicator, by dimension (null: none or not grouped). */
  keys: Readonly<Record<string, string | null>>;
  indicatorId: string;
  /** Respondents behind the cell's values (the smaller of baseline's and latest's). */
  respondents: number;
  communities: number;
  /** The minimum cell size that applies to this cell. */
  k: number;
}>;

/**
 * Decides which cells of one summary table to withhold, returning each suppressed cell's
 * index with its reason.
 *
 * Primary: a cell resting on fewer than k respondents or fewer than 3 communities.
 *
 * Complementary: values are sample-weighted means and sample sizes are shown, so a value
 * times its sample size adds up; a line of the table (the cells that share every key but one
 * dimension's, for one indicator) adds up to a total that the caller can ask for by dropping
 * that dimension. Where such a line holds exactly one suppressed cell, that cell would be the
 * total minus the visible ones; so the visible cell with the fewest respondents is withheld
 * too. This is done whether or not the total is itself visible (another query, or another
 * agreement, may show it), and repeated until no line holds exactly one suppressed cell,
 * because each complementary cell may leave another line with a single suppression.
 */
export function suppress(
  cells: readonly SuppressibleCell[],
  dimensions: readonly string[],
): Map<number, SuppressionReason> {
  const reasons = new Map<number, SuppressionReason>();
  cells.forEach((cell, index) => {
    if (cell.respondents < cell.k) reasons.set(index, SuppressionReason.FEW_RESPONDENTS);
    else if (cell.communities < MIN_COMMUNITIES)
      reasons.set(index, SuppressionReason.FEW_COMMUNITIES);
  });
  if (reasons.size === 0) return reasons;

  const lines = dimensions.flatMap((dimension) => linesAlong(cells, dimensions, dimension));
  // A cell alone in its line along some dimension is also, unchanged, a cell of the coarser
  // grouping without that dimension, where nothing may suppress it: withholding it here would
  // protect nothing. Prefer cells that are not.
  const alone = new Set<number>();
  for (const dimension of dimensions) {
    for (const line of linesAlong(cells, dimensions, dimension, true)) {
      if (line.length === 1) alone.add(line[0]!);
    }
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const line of lines) {
      const hidden = line.filter((index) => reasons.has(index));
      if (hidden.length !== 1) continue;
      const all = line.filter((index) => !reasons.has(index));
      const preferred = all.filter((index) => !alone.has(index));
      const visible = preferred.length > 0 ? preferred : all;
      if (visible.length === 0) continue;
      const smallest = visible.reduce((a, b) => (smaller(cells, a, b) ? a : b));
      reasons.set(smallest, SuppressionReason.COMPLEMENTARY);
      changed = true;
    }
  }
  return reasons;
}

/** The lines along one dimension: cell indexes grouped by indicator and every other key. */
function linesAlong(
  cells: readonly SuppressibleCell[],
  dimensions: readonly string[],
  along: string,
  withSingles = false,
): number[][] {
  const others = dimensions.filter((dimension) => dimension !== along);
  const lines = new Map<string, number[]>();
  cells.forEach((cell, index) => {
    const key = JSON.stringify([cell.indicatorId, ...others.map((d) => cell.keys[d] ?? null)]);
    const line = lines.get(key);
    if (line) line.push(index);
    else lines.set(key, [index]);
  });
  return [...lines.values()].filter((line) => withSingles || line.length > 1);
}

/** Fewer respondents first; ties broken by keys so the choice never depends on row order. */
function smaller(cells: readonly SuppressibleCell[], a: number, b: number): boolean {
  const x = cells[a]!;
  const y = cells[b]!;
  if (x.respondents !== y.respondents) return x.respondents < y.respondents;
  return JSON.stringify(x.keys) < JSON.stringify(y.keys);
}

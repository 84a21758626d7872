/*
 * The attacker's arithmetic, for test/integration/disclosure-attacks.test.ts: every answer of
 * an agreement's query space as linear equations over hidden "atoms" (the finest cells the
 * analyst's groupings can tell apart), and two questions about each suppressed cell:
 *
 * - Is it in the span of the shown cells? Then, on exact numbers, some combination of answers
 *   gives it exactly: the attack would work without perturbation (solveCombination).
 * - On the perturbed answers, is it determined? It is not when another dataset, differing from
 *   the true one, fits every answer within the method's published bounds (|n' − n| ≤ D for
 *   counts, |m' − m| ≤ dv·|m|/n for means) and gives the suppressed cell another count (or
 *   mean): an attacker who knows the method and parameters cannot tell the two apart
 *   (countWitness, meanWitness).
 */

/** One cell an analyst was answered with, and what it truly holds (from an admin's answer). */
export type AuditedCell = Readonly<{
  /** Which atoms it adds up (indexes into the family's atoms). */
  atoms: readonly number[];
  suppressed: boolean;
  /** Published sample size and means (null when suppressed or absent). */
  sampleSize: number | null;
  baseline: number | null;
  latest: number | null;
  /** The truth, for the check: respondents (equal on both sides in these datasets), communities. */
  trueSampleSize: number;
  trueCommunities: number;
  /** Whether the side is present at all (its mean not null in the exact answer). */
  hasBaseline: boolean;
  hasLatest: boolean;
}>;

/** An atom's true respondents and its sums of value × respondents per side. */
export type Atom = Readonly<{ n: number; baselineSum: number; latestSum: number }>;

export type Rules = Readonly<{ k: number; maxDeviation: number; valueDeviation: number }>;

/**
 * λ with Σ λᵢ·rowsᵢ = target, by Gaussian elimination; null when target is outside the span.
 * Rows are 0/1 vectors over atoms.
 */
export function solveCombination(
  rows: readonly (readonly number[])[],
  target: readonly number[],
): number[] | null {
  const m = target.length; // equations: one per atom
  const n = rows.length; // unknowns: one per row
  const a = Array.from({ length: m }, (_, i) => [...rows.map((row) => row[i]!), target[i]!]);
  const pivots: number[] = [];
  let r = 0;
  for (let c = 0; c < n && r < m; c += 1) {
    let best = r;
    for (let i = r + 1; i < m; i += 1) if (Math.abs(a[i]![c]!) > Math.abs(a[best]![c]!)) best = i;
    if (Math.abs(a[best]![c]!) < 1e-9) continue;
    [a[r], a[best]] = [a[best]!, a[r]!];
    for (let i = 0; i < m; i += 1) {
      if (i === r) continue;
      const f = a[i]![c]! / a[r]![c]!;
      if (f !== 0) for (let j = c; j <= n; j += 1) a[i]![j] = a[i]![j]! - f * a[r]![j]!;
    }
    pivots.push(c);
    r += 1;
  }
  for (let i = r; i < m; i += 1) if (Math.abs(a[i]![n]!) > 1e-7) return null;
  const lambda = Array<number>(n).fill(0);
  pivots.forEach((c, i) => {
    lambda[c] = a[i]![n]! / a[i]![c]!;
  });
  return lambda;
}

/** The 0/1 vector of a cell over `atoms` atoms. */
export function indicator(cell: AuditedCell, atoms: number): number[] {
  const row = Array<number>(atoms).fill(0);
  for (const atom of cell.atoms) row[atom] = 1;
  return row;
}

const sum = (cell: AuditedCell, values: readonly number[]) =>
  cell.atoms.reduce((total, atom) => total + values[atom]!, 0);

/** Whether respondents per atom `n` fit every answer as the method publishes it. */
function countsFit(cells: readonly AuditedCell[], n: readonly number[], rules: Rules): boolean {
  return cells.every((cell) => {
    const total = sum(cell, n);
    if (cell.suppressed) {
      // Withheld: fewer than 3 communities (unchanged here), or a count noise could bring
      // under k.
      return cell.trueCommunities < 3 || total < rules.k + rules.maxDeviation;
    }
    return total >= rules.k && Math.abs(cell.sampleSize! - total) <= rules.maxDeviation;
  });
}

/**
 * Another count vector fitting every answer, under which `hidden` holds another number of
 * respondents; null if none is found among the moves of one respondent into, out of, or
 * between atoms (at least one respondent left in each).
 */
export function countWitness(
  cells: readonly AuditedCell[],
  atoms: readonly Atom[],
  hidden: AuditedCell,
  rules: Rules,
): number[] | null {
  const truth = atoms.map((a) => a.n);
  const inside = new Set(hidden.atoms);
  for (const a of hidden.atoms) {
    for (const b of [null, ...truth.keys()]) {
      if (b !== null && inside.has(b)) continue;
      for (const delta of [1, -1]) {
        const n = [...truth];
        n[a] = n[a]! + delta;
        if (b !== null) n[b] = n[b]! - delta;
        if (n[a] < 1 || (b !== null && n[b]! < 1)) continue;
        if (countsFit(cells, n, rules)) return n;
      }
    }
  }
  return null;
}

/** Whether sums per atom fit every shown mean of one side, counts at their true values. */
function meansFit(
  cells: readonly AuditedCell[],
  sums: readonly number[],
  n: readonly number[],
  side: 'baseline' | 'latest',
  rules: Rules,
): boolean {
  return cells.every((cell) => {
    const published = cell[side];
    if (cell.suppressed || published === null) return true;
    const size = sum(cell, n);
    const mean = sum(cell, sums) / size;
    return Math.abs(published - mean) <= (rules.valueDeviation * Math.abs(mean)) / size + 1e-12;
  });
}

/**
 * The widest shift ε (up to a tenth of the atom's own sum) of value from one atom of `hidden`
 * to an atom outside it (or out of the data) under which every shown mean still fits: the
 * hidden mean can then be anything in ± ε / n. Zero when no shift fits.
 */
export function meanWitness(
  cells: readonly AuditedCell[],
  atoms: readonly Atom[],
  hidden: AuditedCell,
  side: 'baseline' | 'latest',
  rules: Rules,
): number {
  const n = atoms.map((a) => a.n);
  const truth = atoms.map((a) => (side === 'baseline' ? a.baselineSum : a.latestSum));
  const inside = new Set(hidden.atoms);
  let widest = 0;
  for (const a of hidden.atoms) {
    if (truth[a] === 0) continue;
    for (const b of [null, ...truth.keys()]) {
      if (b !== null && inside.has(b)) continue;
      for (const sign of [1, -1]) {
        let epsilon = Math.abs(truth[a]!) / 10;
        for (let tries = 0; tries < 40 && epsilon > widest; tries += 1, epsilon /= 2) {
          const sums = [...truth];
          sums[a] = sums[a]! + sign * epsilon;
          if (b !== null) sums[b] = sums[b]! - sign * epsilon;
          if (meansFit(cells, sums, n, side, rules)) {
            widest = epsilon;
            break;
          }
        }
      }
    }
  }
  return widest;
}

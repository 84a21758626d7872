/**
 * Whether the run's server is the coordinator of a Citus cluster (scripts/citus-cluster.sh
 * prints CITUS_WORKER_URLS beside DATABASE_URL; docs/scaling.md).
 */
export const onCitus = (process.env.CITUS_WORKER_URLS ?? '') !== '';

/**
 * `it`, except on a Citus cluster, where the test is skipped: for the few behaviours that do
 * not work there yet. Each use names its reason, and docs/scaling.md ("Known gaps on Citus")
 * lists every one; `grep -rn skipOnCitus test` finds them.
 */
export function skipOnCitus(reason: string): jest.It {
  if (reason.trim() === '') throw new Error('skipOnCitus needs the reason');
  return onCitus ? it.skip : it;
}

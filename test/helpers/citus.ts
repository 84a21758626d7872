/**
 * Whether the run's server is the coordinator of a Citus cluster (scripts/citus-cluster.sh
 * prints CITUS_WORKER_URLS beside DATABASE_URL; docs/scaling.md).
 */
export const onCitus = (process.env.CITUS_WORKER_URLS ?? '') !== '';

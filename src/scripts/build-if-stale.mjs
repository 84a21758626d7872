// `node src/scripts/build-if-stale.mjs [--always]`: compiles the server into dist/ and bundles
// the explorer, but only what changed since the last build, so `npm start`, `npm run token`
// and the other scripts start at once when nothing did. Prints nothing on standard output
// (`npm run --silent token` is captured by scripts); compiler errors go to standard error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExplorer, isExplorerFresh } from '../../explorer/build.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Touched after each successful compile: sources newer than it need compiling again. */
const STAMP = join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['src', 'migrations', 'seeds', 'bench'];
const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time among the compiler's inputs. */
function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return;
    if (stats.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else {
      newest = Math.max(newest, stats.mtimeMs);
    }
  };
  for (const name of [...SOURCE_DIRS, ...SOURCE_FILES]) visit(join(root, name));
  return newest;
}

function compiledIsFresh() {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  return stamp !== undefined && stamp.mtimeMs >= newestSource();
}

function compile() {
  const startedAt = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, '');
  // A source saved while the compiler ran is newer than the stamp: the next call compiles it.
  utimesSync(STAMP, startedAt, startedAt);
}

const always = process.argv.includes('--always');
if (always || !compiledIsFresh()) compile();
if (always || !(await isExplorerFresh())) await buildExplorer();

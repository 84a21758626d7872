// Bundles the explorer (GraphiQL and React) into static files the API serves itself:
// `<outdir>/explorer.js` and `<outdir>/explorer.css`, fonts and images inlined, nothing
// loaded from another host. Run by `npm run build`; tests call buildExplorer().
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Where the server looks for the bundle: dist/explorer at the project's root. */
export const DEFAULT_OUTDIR = resolve(here, '..', 'dist', 'explorer');

/** Builds the bundle into outdir and checks it references no other host. */
export async function buildExplorer(outdir = DEFAULT_OUTDIR) {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: { explorer: join(here, 'app.tsx') },
    outdir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: {
      '.woff': 'dataurl',
      '.woff2': 'dataurl',
      '.ttf': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  const css = await readFile(join(outdir, 'explorer.css'), 'utf8');
  const remote = css.match(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
  if (remote) throw new Error(`The explorer's CSS loads from another host: ${remote[0]}`);
  return outdir;
}

/**
 * Whether the bundle in outdir is newer than its sources and the lock file (a changed
 * dependency changes the lock), so that `npm start` and `npm run token` skip the rebuild.
 */
export async function isExplorerFresh(outdir = DEFAULT_OUTDIR) {
  const built = await stat(join(outdir, 'explorer.js')).catch(() => null);
  if (!built) return false;
  const sources = (await readdir(here)).map((name) => join(here, name));
  sources.push(resolve(here, '..', 'package-lock.json'));
  for (const source of sources) {
    const { mtimeMs } = await stat(source).catch(() => ({ mtimeMs: Infinity }));
    if (mtimeMs > built.mtimeMs) return false;
  }
  return true;
}

// `node explorer/build.mjs [outdir]`: builds unless fresh; prints only on stderr, since
// `npm run --silent token` output is captured by scripts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = process.argv[2] ? resolve(process.argv[2]) : DEFAULT_OUTDIR;
  if (!(await isExplorerFresh(outdir))) await buildExplorer(outdir);
}

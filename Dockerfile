# English Practice API and queue worker: one image, two commands (compose: `app`, `worker`).
#   docker build -t english-practice-api .                      builds inside Docker (npm ci, tsc)
#   docker build --target prebuilt -t english-practice-api DIR  takes dist/ and a production
#       node_modules built on the host (DIR as scripts/compose lays it out): for machines where
#       npm cannot reach the registry from inside a build.
# Stages are ordered so that the legacy builder, which builds every stage up to the target,
# never runs the npm stages for `prebuilt`.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
# tini as PID 1: it forwards SIGTERM to Node (graceful shutdown) and reaps zombies.
RUN command -v tini >/dev/null || { apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; } \
  && { id -u node >/dev/null 2>&1 || useradd --uid 1000 --user-group --create-home node; } \
  && mkdir -p /app /data/uploads && chown node:node /data/uploads
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    STORAGE_LOCAL_DIR=/data/uploads
USER node
EXPOSE 3000
# Readiness, not liveness: a replica that lost its database is taken out of Nginx's upstream
# and reported unhealthy. The first success ends the start period, which is long because
# replicas started together share the box's cores. The worker has no HTTP port: compose
# disables this for it.
# bash's /dev/tcp rather than a Node process: a check every 5 s in each replica stays cheap.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
ENTRYPOINT ["tini", "--"]
# The V8 flags: see ecosystem.config.js (fewer full garbage collections under load).
CMD ["node", "--heap-growing-percent=300", "--no-memory-reducer", "dist/server.js"]

FROM base AS prebuilt
COPY --chown=root:root package.json ./
COPY --chown=root:root assets ./assets
COPY --chown=root:root node_modules ./node_modules
COPY --chown=root:root dist ./dist

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

FROM base AS runtime
COPY --chown=root:root package.json ./
COPY --chown=root:root assets ./assets
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist

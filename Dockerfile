# One image recipe for every controller. Build from the repository root, naming the controller:
#   docker build --build-arg CONTROLLER=source-controller -t tide/source-controller .
# NODE_IMAGE is the current Node LTS; release builds pass it pinned by digest
# (--build-arg NODE_IMAGE=node:26-alpine@sha256:<digest>).
ARG NODE_IMAGE=node:26-alpine

FROM ${NODE_IMAGE} AS build
ARG CONTROLLER
WORKDIR /src
COPY . .
# No lifecycle scripts run: nothing in the build context executes but tsc.
RUN test -d "controllers/${CONTROLLER}" \
 && npm ci --ignore-scripts --no-audit --no-fund \
 && npx tsc -b "controllers/${CONTROLLER}" \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# The runtime tree: production node_modules and, of each package, its package.json and the
# compiled src (no sources, tests, fixtures or build info). The controller sits at /app/controller.
RUN mkdir -p /out/libs \
 && cp -R node_modules package.json /out/ \
 && for dir in libs/*; do \
      [ -d "$dir/dist/src" ] || continue; \
      mkdir -p "/out/$dir/dist" && cp "$dir/package.json" "/out/$dir/" && cp -R "$dir/dist/src" "/out/$dir/dist/"; \
    done \
 && mkdir -p /out/controller/dist \
 && cp "controllers/${CONTROLLER}/package.json" /out/controller/ \
 && cp -R "controllers/${CONTROLLER}/dist/src" /out/controller/dist/

FROM ${NODE_IMAGE}
# The package manager is not needed to run; only node stays.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=build --chown=0:0 /out ./
# Tenant data never reaches Object.prototype through __proto__ (a second wall behind the
# null-prototype value maps).
ENV NODE_ENV=production NODE_OPTIONS=--disable-proto=delete
# A fixed non-root user; the chart runs the root filesystem read-only with /tmp (and, for
# source-controller, /data) mounted.
USER 65532:65532
EXPOSE 8080 9090 9440
ENTRYPOINT ["node", "controller/dist/src/main.js"]

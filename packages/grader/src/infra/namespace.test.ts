import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { namespaceName, waitForTopicLeaders } from './namespace.ts';

const partition = (partitionId: number, leader: number): PartitionMetadata => ({ partitionId, leader, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 });

/** A fake admin answering `answers` in turn (an Error is thrown), repeating the last one. */
function admin(answers: (PartitionMetadata[] | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetchTopicMetadata: () => {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve({ topics: [{ name: 't', partitions: answer ?? [] }] });
    },
  };
}

const kafkaError = (type: string, message: string): Error => Object.assign(new Error(message), { type });

describe('waitForTopicLeaders', () => {
  it('waits through the UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers right after creation', async () => {
    const fake = admin([
      kafkaError('UNKNOWN_TOPIC_OR_PARTITION', 'This server does not host this topic-partition'),
      [partition(0, 1), partition(1, -1)],
      [partition(0, 1), partition(1, 1)],
    ]);
    await waitForTopicLeaders(fake, 't', 2);
    expect(fake.calls).toBe(3);
  });

  it('rethrows any other error at once', async () => {
    const fake = admin([kafkaError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics')]);
    await expect(waitForTopicLeaders(fake, 't', 1)).rejects.toThrow('Not authorized');
    expect(fake.calls).toBe(1);
  });

  it('gives up after the timeout, saying what it last saw', async () => {
    const fake = admin([[partition(0, 1), partition(1, -1)]]);
    await expect(waitForTopicLeaders(fake, 't', 2, 100)).rejects.toThrow(/topic t has no leader for every partition after \d+ ms \(last seen: 1 of 2 partitions have a leader\)/);
  });
});

describe('namespaceName', () => {
  it('keeps a readable, safe label', () => {
    expect(namespaceName('Hot SKU!', 'abcd1234')).toBe('grader_hot_sku_abcd1234');
  });
});

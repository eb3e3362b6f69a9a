import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../reference-fix/src/validation.ts';
import {
  adjust,
  fallbackMessageId,
  invalidPayloads,
  LIMITS,
  messageKey,
  order,
  restock,
  sale,
  serialise,
  stockEffects,
  toRecord,
} from './messages.ts';

describe('constructors', () => {
  it('build contract messages', () => {
    expect(adjust('m1', 'A', -3)).toEqual({ id: 'm1', type: 'adjust', sku: 'A', delta: -3 });
    expect(restock('m2', 'A', 4).delta).toBe(4);
    expect(sale('m3', 'A', 4).delta).toBe(-4);
    expect(order('o1', [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }])).toEqual({
      id: 'o1',
      type: 'order',
      lines: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }],
    });
  });

  it('refuse what the contract calls invalid', () => {
    expect(() => adjust('', 'A', 1)).toThrow(RangeError);
    expect(() => adjust('x'.repeat(LIMITS.maxIdLength + 1), 'A', 1)).toThrow(RangeError);
    expect(() => adjust('m', '', 1)).toThrow(RangeError);
    expect(() => adjust('m', 'A', 0)).toThrow(RangeError);
    expect(() => adjust('m', 'A', 1.5)).toThrow(RangeError);
    expect(() => adjust('m', 'A', LIMITS.maxAbsDelta + 1)).toThrow(RangeError);
    expect(() => order('o', [])).toThrow(RangeError);
    expect(() => order('o', [{ sku: 'A', quantity: 0 }])).toThrow(RangeError);
    expect(() => order('o', [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }])).toThrow(RangeError);
    expect(() => order('o', Array.from({ length: LIMITS.maxLines + 1 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })))).toThrow(RangeError);
  });
});

describe('serialisation', () => {
  it('writes JSON in contract field order', () => {
    expect(serialise(adjust('m1', 'A', -3))).toBe('{"id":"m1","type":"adjust","sku":"A","delta":-3}');
    expect(serialise(order('o1', [{ sku: 'B', quantity: 1 }]))).toBe('{"id":"o1","type":"order","lines":[{"sku":"B","quantity":1}]}');
  });

  it('keys by SKU (first line for orders) and lets a partition override the key', () => {
    expect(messageKey(adjust('m', 'A', 1))).toBe('A');
    expect(messageKey(order('o', [{ sku: 'C', quantity: 1 }, { sku: 'A', quantity: 1 }]))).toBe('C');
    expect(toRecord(adjust('m', 'A', 1))).toEqual({ id: 'm', key: 'A', value: '{"id":"m","type":"adjust","sku":"A","delta":1}' });
    expect(toRecord(adjust('m', 'A', 1), 4).partition).toBe(4);
  });

  it('round-trips through the reference validator', () => {
    for (const message of [adjust('m', 'A', -7), order('o', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }])]) {
      expect(parseMessage(serialise(message))).toEqual({ ok: true, message });
    }
  });
});

describe('stockEffects', () => {
  it('adds the delta of an adjustment and subtracts order quantities', () => {
    expect(stockEffects(adjust('m', 'A', 5))).toEqual(new Map([['A', 5]]));
    expect(stockEffects(order('o', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }]))).toEqual(
      new Map([
        ['A', -2],
        ['B', -1],
      ]),
    );
  });
});

describe('invalidPayloads', () => {
  const payloads = invalidPayloads('bad', 'A');

  it('has distinct reasons and ids', () => {
    expect(new Set(payloads.map((p) => p.reason)).size).toBe(payloads.length);
    const ids = payloads.flatMap((p) => (p.id === null ? [] : [p.id]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every payload is invalid for the reference validator, with the id the catalogue promises', () => {
    for (const payload of payloads) {
      const result = parseMessage(payload.value);
      // Unknown SKUs are only detectable in the database: the validator accepts their shape.
      if (payload.reason.startsWith('unknown sku')) {
        expect(result.ok, payload.reason).toBe(true);
        continue;
      }
      expect(result.ok, payload.reason).toBe(false);
      if (!result.ok) expect(result.id ?? null, payload.reason).toBe(payload.id);
    }
  });

  it('fallback ids are <topic>/<partition>/<offset>', () => {
    expect(fallbackMessageId('t', 2, 10n)).toBe('t/2/10');
    expect(fallbackMessageId('t', 0, '3')).toBe('t/0/3');
  });
});

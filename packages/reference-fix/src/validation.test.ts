import { describe, expect, it } from 'vitest';
import { fallbackMessageId, LIMITS, parseMessage } from './validation.ts';

const json = (value: unknown): string => JSON.stringify(value);

describe('parseMessage: valid messages', () => {
  it('accepts a restock and a sale', () => {
    expect(parseMessage(json({ id: 'm1', type: 'adjust', sku: 'A', delta: 5 }))).toEqual({
      ok: true,
      message: { id: 'm1', type: 'adjust', sku: 'A', delta: 5 },
    });
    expect(parseMessage(Buffer.from(json({ id: 'm2', type: 'adjust', sku: 'A', delta: -1_000_000 })))).toMatchObject({
      ok: true,
      message: { delta: -1_000_000 },
    });
  });

  it('accepts an order and keeps its lines in message order', () => {
    const result = parseMessage(json({ id: 'o1', type: 'order', lines: [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }] }));
    expect(result).toEqual({
      ok: true,
      message: { id: 'o1', type: 'order', lines: [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }] },
    });
  });

  it('ignores extra fields and treats 3.0 as the integer 3', () => {
    expect(parseMessage('{"id":"m","type":"adjust","sku":"A","delta":3.0,"note":"x"}')).toEqual({
      ok: true,
      message: { id: 'm', type: 'adjust', sku: 'A', delta: 3 },
    });
  });

  it('accepts the limits themselves', () => {
    const lines = Array.from({ length: LIMITS.maxLines }, (_, i) => ({ sku: `S${i}`, quantity: LIMITS.maxQuantity }));
    expect(parseMessage(json({ id: 'x'.repeat(LIMITS.maxIdLength), type: 'order', lines })).ok).toBe(true);
  });
});

describe('parseMessage: invalid messages never throw', () => {
  const cases: [string, string | Buffer | null, string | undefined, RegExp][] = [
    ['null value', null, undefined, /empty/],
    ['not JSON', '{"id": "m1", "type": ', undefined, /not UTF-8 JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), undefined, /not UTF-8 JSON/],
    ['JSON null', 'null', undefined, /not a JSON object/],
    ['JSON array', '[1,2]', undefined, /not a JSON object/],
    ['JSON string', '"hello"', undefined, /not a JSON object/],
    ['missing id', json({ type: 'adjust', sku: 'A', delta: 1 }), undefined, /id must be/],
    ['numeric id', json({ id: 7, type: 'adjust', sku: 'A', delta: 1 }), undefined, /id must be/],
    ['empty id', json({ id: '', type: 'adjust', sku: 'A', delta: 1 }), undefined, /id must be/],
    ['id too long', json({ id: 'x'.repeat(201), type: 'adjust', sku: 'A', delta: 1 }), undefined, /id must be/],
    ['unknown type', json({ id: 'm', type: 'refund' }), 'm', /unknown type "refund"/],
    ['missing type', json({ id: 'm', sku: 'A', delta: 1 }), 'm', /unknown type/],
    ['missing sku', json({ id: 'm', type: 'adjust', delta: 1 }), 'm', /sku must be/],
    ['numeric sku', json({ id: 'm', type: 'adjust', sku: 5, delta: 1 }), 'm', /sku must be/],
    ['zero delta', json({ id: 'm', type: 'adjust', sku: 'A', delta: 0 }), 'm', /must not be 0/],
    ['fractional delta', json({ id: 'm', type: 'adjust', sku: 'A', delta: 1.5 }), 'm', /integer/],
    ['string delta', json({ id: 'm', type: 'adjust', sku: 'A', delta: '5' }), 'm', /integer/],
    ['delta too large', json({ id: 'm', type: 'adjust', sku: 'A', delta: 1_000_001 }), 'm', /integer in/],
    ['delta too small', json({ id: 'm', type: 'adjust', sku: 'A', delta: -1_000_001 }), 'm', /integer in/],
    ['missing lines', json({ id: 'm', type: 'order' }), 'm', /lines must be/],
    ['lines not an array', json({ id: 'm', type: 'order', lines: { sku: 'A', quantity: 1 } }), 'm', /lines must be/],
    ['empty lines', json({ id: 'm', type: 'order', lines: [] }), 'm', /lines must be/],
    ['51 lines', json({ id: 'm', type: 'order', lines: Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }), 'm', /lines must be/],
    ['line not an object', json({ id: 'm', type: 'order', lines: ['A'] }), 'm', /line 0 is not an object/],
    ['zero quantity', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: 0 }] }), 'm', /quantity/],
    ['negative quantity', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: -2 }] }), 'm', /quantity/],
    ['quantity too large', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: 1_000_001 }] }), 'm', /quantity/],
    ['fractional quantity', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: 0.5 }] }), 'm', /quantity/],
    ['duplicate sku', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }] }), 'm', /appears twice/],
  ];

  for (const [name, value, id, reason] of cases) {
    it(name, () => {
      const result = parseMessage(value);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.id).toBe(id);
      expect(result.reason).toMatch(reason);
    });
  }
});

describe('fallbackMessageId', () => {
  it('is <topic>/<partition>/<offset>', () => {
    expect(fallbackMessageId('inv', 3, '41')).toBe('inv/3/41');
  });
});

import { describe, expect, it } from 'vitest';
import { fallbackMessageId, parseMessage, ValidationError } from './validation.ts';

const json = (value: unknown): string => JSON.stringify(value);

describe('parseMessage', () => {
  it('accepts a restock, a sale and an order', () => {
    expect(parseMessage(json({ id: 'm1', type: 'adjust', sku: 'A', delta: 5 }))).toEqual({ id: 'm1', type: 'adjust', sku: 'A', delta: 5 });
    expect(parseMessage(Buffer.from(json({ id: 'm2', type: 'adjust', sku: 'A', delta: -2 })))).toMatchObject({ delta: -2 });
    expect(parseMessage(json({ id: 'o1', type: 'order', lines: [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }] }))).toEqual({
      id: 'o1',
      type: 'order',
      lines: [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }],
    });
  });

  const invalid: [string, string, string | undefined][] = [
    ['JSON array', '[1]', undefined],
    ['missing id', json({ type: 'adjust', sku: 'A', delta: 1 }), undefined],
    ['unknown type', json({ id: 'm', type: 'refund' }), 'm'],
    ['zero delta', json({ id: 'm', type: 'adjust', sku: 'A', delta: 0 }), 'm'],
    ['fractional delta', json({ id: 'm', type: 'adjust', sku: 'A', delta: 0.5 }), 'm'],
    ['empty order', json({ id: 'm', type: 'order', lines: [] }), 'm'],
    ['negative quantity', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: -1 }] }), 'm'],
    ['duplicate sku', json({ id: 'm', type: 'order', lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }] }), 'm'],
  ];
  for (const [name, value, id] of invalid) {
    it(`refuses ${name} with a ValidationError carrying the id`, () => {
      let caught: unknown;
      try {
        parseMessage(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).messageId).toBe(id);
    });
  }

  it('builds the fallback id', () => {
    expect(fallbackMessageId('inv', 2, '7')).toBe('inv/2/7');
  });
});

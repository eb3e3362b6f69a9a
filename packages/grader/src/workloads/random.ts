import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** A seeded generator: the same seed and label always produce the same sequence. */
export class SeededRandom {
  private readonly rng: RandomGenerator;

  constructor(seed: number, label: string) {
    // Mixing the label in gives each scenario its own stream from one --seed.
    let h = seed | 0;
    for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1);
    this.rng = xoroshiro128plus(h);
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.rng);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** `count` distinct items. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffle(items).slice(0, count);
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

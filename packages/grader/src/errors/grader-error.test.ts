import { describe, expect, it } from 'vitest';
import { GraderError, InterruptedError } from './grader-error.ts';

describe('GraderError', () => {
  it('prints one line with code and hint', () => {
    const line = new GraderError('PORT_IN_USE', 'port 1\n in use', 'pick another').toLine();
    expect(line).toBe('error[PORT_IN_USE]: port 1 in use (hint: pick another)');
    expect(line).not.toContain('\n');
  });

  it('infrastructure errors exit 2, interruptions 130', () => {
    expect(new GraderError('KAFKA_NOT_READY', 'x', 'y').exitCode).toBe(2);
    expect(new InterruptedError('SIGINT').exitCode).toBe(130);
  });
});

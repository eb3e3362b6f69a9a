import { afterAll, beforeAll } from 'vitest';
import { LocalInfra, type StartedLocalInfra } from '../../src/infra/local-infra.ts';

/**
 * Local infrastructure (real Kafka and PostgreSQL) booted once for the enclosing describe block
 * and stopped after it. Returns a getter that throws if the boot failed.
 */
export function localInfraForSuite(): () => StartedLocalInfra {
  let infra: StartedLocalInfra | undefined;
  beforeAll(async () => {
    infra = await new LocalInfra().start();
  }, 180_000);
  afterAll(async () => {
    await infra?.stop();
  });
  return () => {
    if (!infra) throw new Error('infrastructure did not start');
    return infra;
  };
}

import Dockerode from 'dockerode';
import { DockerInfra } from '../src/infra/docker-infra.ts';
import { silentLogger } from '../src/infra/infra.ts';
import { BUILT_KAFKA_IMAGE, BUILT_POSTGRES_IMAGE } from '../src/infra/versions.ts';

export interface DockerBootSample {
  readonly label: string;
  /** The whole start(): engine ping, sweep, images (built on the cold run), both containers ready. */
  readonly startMs: number;
  readonly kafkaMs: number;
  readonly postgresMs: number;
}

async function bootOnce(label: string): Promise<DockerBootSample> {
  const started = Date.now();
  const infra = await new DockerInfra({ logger: silentLogger }).start();
  const startMs = Date.now() - started;
  await infra.stop();
  return { label, startMs, kafkaMs: infra.bootTimes.kafkaMs, postgresMs: infra.bootTimes.postgresMs };
}

/**
 * Cold: the images `grader infra images` builds are removed first (the Debian base is kept), so
 * the start builds them again, as the first docker run on a machine without a registry does.
 * Warm: images present, as on every later run. Needs an engine (tools/docker-engine up).
 */
export async function benchDockerBoot(warmRuns = 3): Promise<{ cold: DockerBootSample; warm: DockerBootSample[] }> {
  const docker = new Dockerode();
  for (const image of [BUILT_KAFKA_IMAGE, BUILT_POSTGRES_IMAGE]) {
    await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  }
  const cold = await bootOnce('cold (images built first)');
  const warm: DockerBootSample[] = [];
  for (let i = 1; i <= warmRuns; i++) warm.push(await bootOnce(`warm #${i}`));
  return { cold, warm };
}

import { mkdirSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../infra.ts';
import { KAFKA_VERSION } from '../versions.ts';
import { KafkaRuntime, parseJavaMajor } from './kafka-runtime.ts';
import { kraftProperties, newClusterId } from './local-kafka.ts';
import { tempDir } from '../../../test/helpers/temp-dirs.ts';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = (): string => tempDir('grader-unit-');

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_372"', 8],
    ['nonsense', undefined],
  ])('%s → %s', (text, major) => {
    expect(parseJavaMajor(text)).toBe(major);
  });
});

describe('KafkaRuntime', () => {
  it('names the missing Java and how to get one', async () => {
    const runtime = new KafkaRuntime({ logger: silentLogger, env: { ...process.env, JAVA_HOME: '/nonexistent-jdk' }, cacheDir: tmp() });
    await expect(runtime.resolve()).rejects.toMatchObject({ code: 'JAVA_NOT_FOUND', message: expect.stringContaining('/nonexistent-jdk') as string });
  });

  it('says Maven is missing when the jars are not cached and mvn is not on PATH', async () => {
    // A PATH with java but without mvn.
    const bin = tmp();
    const java = execaSync('sh', ['-c', 'command -v java']).stdout.trim();
    symlinkSync(java, join(bin, 'java'));
    const runtime = new KafkaRuntime({ logger: silentLogger, env: { PATH: bin, HOME: tmp() }, cacheDir: tmp() });
    await expect(runtime.resolve()).rejects.toMatchObject({ code: 'MAVEN_NOT_FOUND', hint: expect.stringContaining('KAFKA_HOME') as string });
  });

  it('rejects a KAFKA_HOME without Kafka jars', async () => {
    const home = tmp();
    const runtime = new KafkaRuntime({ logger: silentLogger, env: { ...process.env, KAFKA_HOME: home }, cacheDir: tmp() });
    await expect(runtime.resolve()).rejects.toMatchObject({ code: 'KAFKA_HOME_INVALID' });
  });

  it('honours a KAFKA_HOME distribution and reports its version', async () => {
    const home = tmp();
    mkdirSync(join(home, 'libs'));
    writeFileSync(join(home, 'libs', `kafka_2.13-${KAFKA_VERSION}.jar`), '');
    const runtime = new KafkaRuntime({ logger: silentLogger, env: { ...process.env, KAFKA_HOME: home }, cacheDir: tmp() });
    await expect(runtime.resolve()).resolves.toMatchObject({ source: 'KAFKA_HOME', version: KAFKA_VERSION, classpath: join(home, 'libs', '*') });
  });

  it('uses a completed Maven cache without running Maven', async () => {
    const cache = tmp();
    mkdirSync(join(cache, `kafka-${KAFKA_VERSION}`, 'libs'), { recursive: true });
    writeFileSync(join(cache, `kafka-${KAFKA_VERSION}`, 'libs', '.complete'), '');
    const runtime = new KafkaRuntime({ logger: silentLogger, env: { ...process.env, KAFKA_HOME: '' }, cacheDir: cache });
    await expect(runtime.resolve()).resolves.toMatchObject({ source: 'maven-cache', resolveMs: 0 });
  });
});

describe('pinned versions', () => {
  it('kafka/pom.xml defaults to the version every provider uses', () => {
    const pom = readFileSync(resolve(here, '../../../kafka/pom.xml'), 'utf8');
    expect(pom).toContain(`<kafka.version>${KAFKA_VERSION}</kafka.version>`);
  });
});

describe('kraftProperties', () => {
  it('binds both listeners to 127.0.0.1 and advertises only the broker', () => {
    const props = kraftProperties(1111, 2222, '/x');
    expect(props).toContain('listeners=PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:2222');
    expect(props).toContain('advertised.listeners=PLAINTEXT://127.0.0.1:1111\n');
    expect(props).toContain('controller.quorum.voters=1@127.0.0.1:2222');
    expect(props).not.toMatch(/0\.0\.0\.0/);
  });
});

describe('newClusterId', () => {
  it('is 22 URL-safe base64 characters and never starts with "-" (the storage tool would take it for an option)', () => {
    const dash = Buffer.from([0xf8, ...new Array<number>(15).fill(1)]); // base64url "-A…"
    const fine = Buffer.from(new Array<number>(16).fill(7));
    const sequence = [dash, dash, fine];
    const id = newClusterId(() => sequence.shift() ?? fine);
    expect(dash.toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(fine.toString('base64url'));
    expect(sequence).toHaveLength(0);
    for (let i = 0; i < 2000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

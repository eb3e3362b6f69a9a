import { describe, expect, it } from 'vitest';
import { needsVisibleProc } from './container-host.ts';

// What Docker shows by default: a /proc with paths masked by mounts over them.
const DOCKER = [
  '600 590 0:60 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
  '601 600 0:60 /bus /proc/bus ro,nosuid,nodev,noexec,relatime - proc proc rw',
  '602 600 0:60 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw',
  '603 600 0:64 / /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755',
  '604 600 0:65 / /proc/acpi ro,relatime - tmpfs tmpfs ro',
];

describe('needsVisibleProc', () => {
  it('is true for a masked /proc with no other procfs (a default container)', () => {
    expect(needsVisibleProc(DOCKER.join('\n'))).toBe(true);
  });

  it('is false for an unmasked /proc (a host, or systempaths=unconfined)', () => {
    expect(needsVisibleProc('600 590 0:60 / /proc rw,nosuid - proc proc rw')).toBe(false);
  });

  it('is false once an uncovered procfs is mounted elsewhere (the grader\'s own, from an earlier run)', () => {
    expect(needsVisibleProc([...DOCKER, '700 590 0:70 / /run/inventory-grader/proc rw,nosuid - proc proc rw'].join('\n'))).toBe(false);
    // One with paths masked in turn does not count.
    expect(needsVisibleProc([...DOCKER, '700 590 0:70 / /run/p rw - proc proc rw', '701 700 0:71 / /run/p/kcore rw - tmpfs tmpfs rw'].join('\n'))).toBe(true);
  });
});

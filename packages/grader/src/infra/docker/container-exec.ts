import type Dockerode from 'dockerode';
import { demuxDockerLogs } from './container-logs.ts';

/** How a command run in a container ended: its exit code (null if the engine does not say) and its output. */
export interface ContainerExecResult {
  readonly exitCode: number | null;
  readonly output: string;
}

/** Runs `cmd` in a running container (`docker exec`) and waits for it to end, at most `timeoutMs`. */
export async function execInContainer(container: Dockerode.Container, cmd: readonly string[], env: readonly string[] = [], timeoutMs = 60_000): Promise<ContainerExecResult> {
  const exec = await container.exec({ Cmd: [...cmd], Env: [...env], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new Error(`${cmd.join(' ')} did not end within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    stream.once('error', (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? null, output: demuxDockerLogs(Buffer.concat(chunks)) };
}

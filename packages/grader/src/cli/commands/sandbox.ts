import type { Argv } from 'yargs';
import { delegateSandbox } from '../../sandbox/delegate.ts';
import { SessionRegistry } from '../../infra/session/session-registry.ts';
import { ensureSandboxTools } from '../../sandbox/sandbox-tools.ts';
import { pickOptions } from '../options.ts';
import type { Output } from '../output.ts';

export function sandboxCommand(yargs: Argv, output: Output): Argv {
  return yargs
    .command(
      'check',
      'prove the sandbox works here (a probe through the whole chain) and print what contains targets, or one line with the set-up that is missing',
      {},
      () => {
        const registry = new SessionRegistry();
        const tools = ensureSandboxTools(output, registry);
        const who = tools.rootless ? `rootless as ${tools.rootless.user} (a uid per submission from the subordinate ids ${tools.rootless.uids.start}-${tools.rootless.uids.start + tools.rootless.uids.count - 1})` : 'as root (a host uid per submission)';
        output.data(`sandbox ready: ${who}; ${tools.cgroupRoot.backend}; bwrap ${tools.bwrap}, pasta ${tools.pasta}`);
      },
    )
    .command(
      'delegate',
      'run once as root: let --user grade contained without root (subordinate ids, cgroups it may create, a check of user namespaces)',
      (y) => y.options(pickOptions(['user'] as const)),
      (argv) => {
        const report = delegateSandbox(argv.user);
        for (const line of report.done) output.data(line);
        for (const line of report.warnings) output.warn(line);
        output.info(report.warnings.length === 0 ? `done: \`grader sandbox check\` as ${argv.user} proves it` : `${report.warnings.length} thing(s) above need the administrator before ${argv.user} can grade contained`);
      },
    )
    .demandCommand(1, 'name a subcommand: check or delegate');
}

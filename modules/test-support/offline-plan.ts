/**
 * Test support: run the README's deploy steps as a user would, up to an offline `terraform plan`, on these machines
 * that have terraform and a provider mirror but no registry and no AWS account.
 *
 * What differs from a user's machine, and nothing else:
 *  - the checkout is a copy of this working tree (tracked and untracked, not ignored files) with node_modules
 *    linked in, so the test never writes into the developer's cdktf.out or dist;
 *  - TF_CLI_CONFIG_FILE names a CLI config that installs providers from the filesystem mirror;
 *  - fake AWS credentials in the environment, and `provider_override.tf.json` beside the stack that sets only the
 *    provider's three skip flags (terraform merges `*_override.tf.json` into the user's provider block).
 *
 * The mirror is TF_PROVIDER_MIRROR, or the parent of the first `registry.terraform.io` directory found within
 * four levels of `/` (what `find / -maxdepth 4 -type d -name registry.terraform.io` finds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const skippedRoots = new Set(['/proc', '/sys', '/dev', '/run', '/tmp', '/var/lib/docker']);

/** The provider mirror directory, or undefined when this machine has none. */
export const findProviderMirror = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const configured = env.TF_PROVIDER_MIRROR;
  if (configured !== undefined && configured !== '')
    return existsSync(join(configured, 'registry.terraform.io')) ? configured : undefined;
  let level = ['/'];
  for (let depth = 0; depth < 4; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let children: string[];
      try {
        children = readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory() && d.name !== 'node_modules' && !d.name.startsWith('.'))
          .map((d) => d.name);
      } catch {
        continue;
      }
      if (
        children.includes('registry.terraform.io') &&
        existsSync(join(dir, 'registry.terraform.io', 'hashicorp', 'aws'))
      )
        return dir;
      next.push(...children.map((c) => join(dir, c)).filter((p) => !skippedRoots.has(p)));
    }
    level = next;
  }
  return undefined;
};

/** The terraform binary's version, or undefined when terraform is not on PATH. */
export const terraformVersion = (): string | undefined => {
  try {
    return (
      JSON.parse(
        execFileSync('terraform', ['version', '-json'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          env: { ...process.env, CHECKPOINT_DISABLE: '1' },
        }),
      ) as { terraform_version: string }
    ).terraform_version;
  } catch {
    return undefined;
  }
};

/** Why the offline plan cannot run here, or undefined when it can. */
export const offlinePlanUnavailable = (): string | undefined => {
  if (terraformVersion() === undefined) return 'terraform is not on PATH';
  if (findProviderMirror() === undefined)
    return 'no provider mirror (set TF_PROVIDER_MIRROR or install one with registry.terraform.io/hashicorp/aws)';
  return undefined;
};

/** The only provider settings the test adds to the user's stack: no credential check, no account lookup, no IMDS. */
export const offlineProviderSettings = {
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
} as const;

/** The file name terraform merges into the stack's own configuration (Terraform override files). */
export const providerOverrideFile = 'provider_override.tf.json';

/** Writes the skip flags as an override of the stack's `aws` provider; returns its path. */
export const writeProviderOverride = (stackDir: string): string => {
  const file = join(stackDir, providerOverrideFile);
  writeFileSync(file, `${JSON.stringify({ provider: { aws: offlineProviderSettings } }, null, 2)}\n`);
  return file;
};

/** A CLI config that installs every registry.terraform.io provider from the mirror and nothing from the network. */
export const writeMirrorCliConfig = (dir: string, mirror: string): string => {
  const file = join(dir, 'offline.tfrc');
  writeFileSync(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n`,
  );
  return file;
};

/** The environment of a user with AWS credentials, except that the credentials are fake and nothing is downloaded. */
export const offlineEnv = (cliConfig: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLANFAKE',
    AWS_SECRET_ACCESS_KEY: 'offline-plan-fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  for (const key of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'TF_CLOUD_ORGANIZATION', 'TF_STATE_BUCKET', 'STAGES'])
    delete env[key];
  return env;
};

/**
 * Copies the working tree's files (tracked, and untracked but not ignored: what `git status` shows) into `dest`,
 * and links node_modules: a checkout after `npm ci`, without touching the developer's own outputs.
 */
export const copyCheckout = (rootDir: string, dest: string): void => {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: rootDir,
    encoding: 'utf8',
  });
  for (const file of listed.split('\0').filter((f) => f !== '')) {
    const from = join(rootDir, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
  symlinkSync(join(rootDir, 'node_modules'), join(dest, 'node_modules'), 'dir');
};

export interface StepRun {
  readonly command: string;
  readonly cwd: string;
  readonly status: number | null;
  readonly output: string;
}

/** Runs one README line with bash in `cwd`, as a user pastes it. */
export const runStep = (command: string, cwd: string, env: NodeJS.ProcessEnv): StepRun => {
  const result = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // terraform colours its output even without a terminal; the README's commands have no -no-color, so strip it here.
  return {
    command,
    cwd,
    status: result.status,
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes this strips
    output: `${result.stdout}${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, ''),
  };
};

/** The sh code of the README block that follows `marker` (an HTML comment), one command per line. */
export const readmeCommands = (readme: string, marker: string): string[] => {
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`the README has no ${marker}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (block === null) throw new Error(`no sh block after ${marker}`);
  return block[1]
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
};

/** "Plan: N to add, C to change, D to destroy." as numbers, or undefined when the output has no such line. */
export const planCounts = (output: string): { add: number; change: number; destroy: number } | undefined => {
  const match = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(output);
  return match === null ? undefined : { add: Number(match[1]), change: Number(match[2]), destroy: Number(match[3]) };
};

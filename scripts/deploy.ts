/**
 * One command from a checkout to a running stage:
 *
 *   npm run deploy -- --stage dev          # bundle, image, synth, apply, dashboard upload, invalidation, URLs
 *   npm run deploy -- --stage dev --plan   # everything that needs no AWS account, then `terraform plan`
 *
 * Order, and why: the ECR repository must exist before the image can be pushed, and the ECS service must not be
 * created before its image exists; so a first targeted apply creates the repository, the image is pushed under its
 * content tag (modules/image-tag.ts, the tag synth writes into the task definition; an existing tag is not pushed
 * again: the repository is IMMUTABLE), then the full apply. The dashboard is uploaded after the apply (its bucket
 * and distribution come from the stack's outputs), with long-lived caching for hashed assets and none for
 * index.html, then CloudFront is invalidated.
 *
 * Needs on PATH: terraform (version in .terraform-version), and for a real deploy the AWS CLI v2 and docker buildx
 * with credentials for the stage's account. Progress goes to stderr, the closing summary line too.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { apiDockerfile, apiImageTag } from '../modules/image-tag';
import { stackName } from '../modules/platform-stack';
import { deployableStageConfig, StageConfigInvalidError } from '../modules/stage-config';

const rootDir = resolve(__dirname, '..');

export interface DeployOptions {
  readonly stage: string;
  readonly planOnly: boolean;
}

/** `--stage dev [--plan]` from the command line; throws naming what is wrong. */
export const parseDeployArgs = (argv: readonly string[]): DeployOptions => {
  const at = argv.indexOf('--stage');
  const stage = at >= 0 ? argv[at + 1] : undefined;
  if (stage === undefined || stage.startsWith('--'))
    throw new DeployUsageError('usage: npm run deploy -- --stage <dev|prod> [--plan]');
  const unknown = argv.filter((arg, i) => arg.startsWith('--') && !['--stage', '--plan'].includes(arg) && i !== at + 1);
  if (unknown.length > 0)
    throw new DeployUsageError(
      `unknown option ${unknown.join(', ')}; usage: npm run deploy -- --stage <dev|prod> [--plan]`,
    );
  return { stage, planOnly: argv.includes('--plan') };
};

export class DeployUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployUsageError';
  }
}

export class DeployStepFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployStepFailedError';
  }
}

/** Cache-Control of the dashboard's files: Vite's content-hashed assets forever, index.html and the rest revalidated. */
export const dashboardCacheControl = {
  hashedAssets: 'public, max-age=31536000, immutable',
  other: 'no-cache',
} as const;

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const run = (command: string, args: readonly string[], options: SpawnSyncOptions = {}): void => {
  say(
    `  $ ${[command, ...args].join(' ')}${options.cwd === undefined ? '' : `   (in ${relative(rootDir, String(options.cwd)) || '.'})`}`,
  );
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    cwd: rootDir,
    ...options,
    env: { CHECKPOINT_DISABLE: '1', ...process.env, ...options.env },
  });
  if (result.error !== undefined)
    throw new DeployStepFailedError(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0)
    throw new DeployStepFailedError(`${command} ${args[0] ?? ''} exited ${String(result.status)}`);
};

const capture = (
  command: string,
  args: readonly string[],
  options: SpawnSyncOptions = {},
): { ok: boolean; out: string } => {
  const result = spawnSync(command, args, {
    cwd: rootDir,
    encoding: 'utf8',
    ...options,
    env: { CHECKPOINT_DISABLE: '1', ...process.env, ...options.env },
  });
  return { ok: result.status === 0, out: String(result.stdout ?? '').trim() };
};

const deploy = (options: DeployOptions): void => {
  const started = performance.now();
  const config = deployableStageConfig(options.stage, process.env);
  const stack = stackName(config);
  const stackDir = join(rootDir, 'cdktf.out', 'stacks', stack);
  const steps = options.planOnly ? 5 : 9;
  let step = 0;
  const next = (what: string) => say(`[${++step}/${steps}] ${what}`);

  next('bundle the functions');
  run('npm', ['run', '--silent', 'bundle', '--', '--strict']);

  const tag = config.api.imageTag ?? apiImageTag(rootDir);
  next(`API image ${tag} (${apiDockerfile})`);
  if (!existsSync(join(rootDir, apiDockerfile))) throw new DeployStepFailedError(`${apiDockerfile} does not exist`);

  next(`synth ${stack}`);
  run('npm', ['run', '--silent', 'synth'], { env: { STAGES: config.stage } });

  next('terraform init');
  run('terraform', ['init', '-input=false'], { cwd: stackDir });

  if (options.planOnly) {
    next('terraform plan (stops here: --plan)');
    run('terraform', ['plan', '-input=false'], { cwd: stackDir });
    say(
      `  image not built (--plan): docker buildx build --platform linux/arm64 -f ${apiDockerfile} -t <account>.dkr.ecr.${config.region}.amazonaws.com/orders-${config.stage}-api:${tag} --push .`,
    );
    say(
      `deploy --plan ${config.stage}: planned ${stack} in ${((performance.now() - started) / 1000).toFixed(0)} s; nothing was changed in AWS`,
    );
    return;
  }

  next('create the image repository (targeted apply)');
  const repositories = capture('terraform', ['state', 'list'], { cwd: stackDir });
  const repositoryAddress = `aws_ecr_repository.${readRepositoryId(stackDir)}`;
  if (!repositories.out.split('\n').includes(repositoryAddress))
    run('terraform', ['apply', '-input=false', '-auto-approve', `-target=${repositoryAddress}`], { cwd: stackDir });

  next(`build and push ${tag} unless the repository has it`);
  const account = capture('aws', ['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text']);
  if (!account.ok)
    throw new DeployStepFailedError('aws sts get-caller-identity failed: no AWS credentials for this stage');
  const registry = `${account.out}.dkr.ecr.${config.region}.amazonaws.com`;
  const repository = `orders-${config.stage}-api`;
  const exists = capture('aws', [
    'ecr',
    'describe-images',
    '--region',
    config.region,
    '--repository-name',
    repository,
    '--image-ids',
    `imageTag=${tag}`,
  ]);
  if (exists.ok) {
    say(`  ${repository}:${tag} is already in the repository: not rebuilt`);
  } else {
    const password = capture('aws', ['ecr', 'get-login-password', '--region', config.region]);
    if (!password.ok) throw new DeployStepFailedError('aws ecr get-login-password failed');
    run('docker', ['login', '--username', 'AWS', '--password-stdin', registry], {
      stdio: ['pipe', 'inherit', 'inherit'],
      input: password.out,
    });
    run('docker', [
      'buildx',
      'build',
      '--platform',
      'linux/arm64',
      '-f',
      apiDockerfile,
      '-t',
      `${registry}/${repository}:${tag}`,
      '--push',
      '.',
    ]);
  }

  next('terraform apply');
  run('terraform', ['apply', '-input=false', '-auto-approve'], { cwd: stackDir });
  const output = (name: string): string => {
    const value = capture('terraform', ['output', '-raw', name], { cwd: stackDir });
    if (!value.ok) throw new DeployStepFailedError(`terraform output ${name} failed`);
    return value.out;
  };

  next('build and upload the dashboard');
  run('npm', ['run', '--silent', 'ui:build']);
  const bucket = output('dashboard_bucket');
  // Assets first, so the new index.html never names an asset that is not there yet.
  run('aws', [
    's3',
    'sync',
    'ui/dist/assets',
    `s3://${bucket}/assets`,
    '--cache-control',
    dashboardCacheControl.hashedAssets,
  ]);
  run('aws', [
    's3',
    'sync',
    'ui/dist',
    `s3://${bucket}`,
    '--delete',
    '--exclude',
    'assets/*',
    '--cache-control',
    dashboardCacheControl.other,
  ]);

  next('invalidate CloudFront');
  run('aws', [
    'cloudfront',
    'create-invalidation',
    '--distribution-id',
    output('dashboard_distribution_id'),
    '--paths',
    '/index.html',
    '/',
  ]);

  const urls = ['dashboard_url', 'api_url', 'ingest_url'].map(
    (name) => `${name.replace(/_url$/, '')}: ${output(name)}`,
  );
  for (const url of urls) say(`  ${url}`);
  say(
    `deploy ${config.stage}: ${stack} applied, image ${tag}, dashboard uploaded, in ${((performance.now() - started) / 1000).toFixed(0)} s; ${urls[0]}`,
  );
};

/** The construct id cdktf gave the ECR repository in the synthesised stack (it ends in a hash). */
const readRepositoryId = (stackDir: string): string => {
  const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
    resource: Record<string, Record<string, unknown>>;
  };
  const ids = Object.keys(json.resource.aws_ecr_repository ?? {});
  if (ids.length !== 1)
    throw new DeployStepFailedError(`expected one aws_ecr_repository in ${stackDir}, found ${ids.length}`);
  return ids[0];
};

if (require.main === module) {
  try {
    deploy(parseDeployArgs(process.argv.slice(2)));
  } catch (error) {
    if (
      error instanceof DeployUsageError ||
      error instanceof DeployStepFailedError ||
      error instanceof StageConfigInvalidError
    ) {
      say(`deploy failed: ${error.message}`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  }
}

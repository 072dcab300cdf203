/**
 * Where a stage keeps its Terraform state: Terraform Cloud when TF_CLOUD_ORGANIZATION is set (workspace
 * `order-platform-<stage>`, overridable with TF_WORKSPACE_PREFIX), otherwise S3 when the stage config or
 * TF_STATE_BUCKET names a bucket, otherwise a local state file per stage.
 */
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, type TerraformStack } from 'cdktf';
import type { S3BackendConfig, StageConfig } from './stage-config';

export type BackendChoice =
  | { readonly kind: 'cloud'; readonly organization: string; readonly workspace: string; readonly hostname?: string }
  | { readonly kind: 's3'; readonly config: S3BackendConfig }
  | { readonly kind: 'local'; readonly path: string };

export type BackendEnv = Readonly<Record<string, string | undefined>>;

/** Decides the backend from the stage config and the environment, without side effects. */
export const chooseBackend = (config: StageConfig, env: BackendEnv): BackendChoice => {
  const organization = env.TF_CLOUD_ORGANIZATION;
  if (organization !== undefined && organization !== '') {
    const workspace = `${env.TF_WORKSPACE_PREFIX ?? 'order-platform'}-${config.stage}`;
    return {
      kind: 'cloud',
      organization,
      workspace,
      ...(env.TF_CLOUD_HOSTNAME === undefined ? {} : { hostname: env.TF_CLOUD_HOSTNAME }),
    };
  }
  if (config.s3Backend !== undefined) return { kind: 's3', config: config.s3Backend };
  const bucket = env.TF_STATE_BUCKET;
  if (bucket !== undefined && bucket !== '') {
    return {
      kind: 's3',
      config: {
        bucket,
        key: `order-platform/${config.stage}.tfstate`,
        region: env.TF_STATE_REGION ?? config.region,
        useLockfile: true,
      },
    };
  }
  return { kind: 'local', path: `terraform.${config.stage}.tfstate` };
};

/** Adds the chosen backend to a stack. */
export const addBackend = (stack: TerraformStack, choice: BackendChoice): void => {
  switch (choice.kind) {
    case 'cloud':
      new CloudBackend(stack, {
        organization: choice.organization,
        workspaces: new NamedCloudWorkspace(choice.workspace),
        ...(choice.hostname === undefined ? {} : { hostname: choice.hostname }),
      });
      return;
    case 's3': {
      const backend = new S3Backend(stack, {
        bucket: choice.config.bucket,
        key: choice.config.key,
        region: choice.config.region,
        encrypt: true,
      });
      // cdktf 0.21 predates S3-native locking (Terraform >= 1.10); the override writes it into the backend block.
      if (choice.config.useLockfile) backend.addOverride('use_lockfile', true);
      return;
    }
    case 'local':
      new LocalBackend(stack, { path: choice.path });
      return;
  }
};

import { Testing, TerraformStack } from 'cdktf';
import { addBackend, chooseBackend } from './backend';
import { stages } from './stage-config';

const synthBackend = (env: Record<string, string>, config = stages.dev) => {
  const stack = new TerraformStack(Testing.app(), 'backend-test');
  addBackend(stack, chooseBackend(config, env));
  return (
    JSON.parse(Testing.synth(stack)) as {
      terraform: { backend?: Record<string, unknown>; cloud?: Record<string, unknown> };
    }
  ).terraform;
};

describe('state backend choice', () => {
  it('uses Terraform Cloud with a workspace per stage when TF_CLOUD_ORGANIZATION is set, even if S3 is configured', () => {
    const config = { ...stages.prod, s3Backend: { bucket: 'b', key: 'k', region: 'eu-west-1', useLockfile: true } };
    expect(chooseBackend(config, { TF_CLOUD_ORGANIZATION: 'acme' })).toEqual({
      kind: 'cloud',
      organization: 'acme',
      workspace: 'order-platform-prod',
    });
    expect(synthBackend({ TF_CLOUD_ORGANIZATION: 'acme' })).toMatchObject({
      cloud: { organization: 'acme', workspaces: { name: 'order-platform-dev' } },
    });
  });

  it('uses S3 with lockfile locking when TF_STATE_BUCKET is set', () => {
    expect(synthBackend({ TF_STATE_BUCKET: 'acme-state' })).toMatchObject({
      backend: {
        s3: {
          bucket: 'acme-state',
          key: 'order-platform/dev.tfstate',
          region: 'eu-west-1',
          encrypt: true,
          use_lockfile: true,
        },
      },
    });
  });

  it('uses a local state file per stage otherwise, also for an empty organization', () => {
    expect(chooseBackend(stages.dev, { TF_CLOUD_ORGANIZATION: '' })).toEqual({
      kind: 'local',
      path: 'terraform.dev.tfstate',
    });
    expect(synthBackend({})).toMatchObject({ backend: { local: { path: 'terraform.dev.tfstate' } } });
  });
});

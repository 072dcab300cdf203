import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalSecretsManager } from './local-secrets';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('local Secrets Manager through the unmodified client', () => {
  let edge: RunningEdge;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    edge = await startEdge({ services: [new LocalSecretsManager()] });
    client = new SecretsManagerClient({ endpoint: edge.url, region: 'us-east-1', credentials });
  });
  afterAll(async () => {
    client.destroy();
    await edge.close();
  });

  it('answers the current value by name and by ARN after PutSecretValue', async () => {
    const created = await client.send(
      new CreateSecretCommand({ Name: 'partner-secrets', SecretString: '{"acme":"whsec_1"}' }),
    );

    await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: '{"acme":"whsec_2"}' }));

    expect((await client.send(new GetSecretValueCommand({ SecretId: 'partner-secrets' }))).SecretString).toBe(
      '{"acme":"whsec_2"}',
    );
    expect((await client.send(new GetSecretValueCommand({ SecretId: created.ARN }))).SecretString).toBe(
      '{"acme":"whsec_2"}',
    );
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:partner-secrets-[0-9a-f]{6}$/);
  });

  it('answers ResourceNotFoundException for an unknown secret and ResourceExistsException for a duplicate', async () => {
    expect.assertions(2);
    await client.send(new CreateSecretCommand({ Name: 'twice', SecretString: 'x' }));

    await client
      .send(new GetSecretValueCommand({ SecretId: 'missing' }))
      .catch((error: Error) => expect(error.name).toBe('ResourceNotFoundException'));
    await client
      .send(new CreateSecretCommand({ Name: 'twice', SecretString: 'y' }))
      .catch((error: Error) => expect(error.name).toBe('ResourceExistsException'));
  });
});

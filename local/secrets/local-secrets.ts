/**
 * Secrets Manager for the local cloud (signing name `secretsmanager`, JSON 1.1): CreateSecret, GetSecretValue,
 * PutSecretValue and DescribeSecret, enough for the partner signing secrets. A secret is found by name, full ARN or
 * ARN without its random suffix, as in AWS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  jsonResponse,
  type EdgeRequest,
  type EdgeResponse,
  type ServiceEmulator,
} from '../edge/types';

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly createdDate: number;
  versionId: string;
  value: string;
}

export class LocalSecretsManager implements ServiceEmulator {
  readonly signingNames = ['secretsmanager'] as const;
  private readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly region = process.env.AWS_REGION ?? 'us-east-1',
    private readonly accountId = '000000000000',
  ) {}

  async handle(request: EdgeRequest): Promise<EdgeResponse> {
    let body: Record<string, unknown>;
    try {
      body = request.body.length > 0 ? (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      throw new AwsServiceError('InvalidRequestException', 'The request body is not JSON');
    }
    const str = (name: string): string => {
      const value = body[name];
      if (typeof value !== 'string' || value.length === 0)
        throw new AwsServiceError('InvalidParameterException', `${name} is required`);
      return value;
    };
    switch (request.action) {
      case 'CreateSecret': {
        const secret = this.createSecret(
          str('Name'),
          str('SecretString'),
          typeof body.Description === 'string' ? body.Description : undefined,
        );
        return jsonResponse({ ARN: secret.arn, Name: secret.name, VersionId: secret.versionId });
      }
      case 'GetSecretValue': {
        const secret = this.find(str('SecretId'));
        return jsonResponse({
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          SecretString: secret.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: secret.createdDate / 1000,
        });
      }
      case 'PutSecretValue': {
        const secret = this.putSecretValue(str('SecretId'), str('SecretString'));
        return jsonResponse({
          ARN: secret.arn,
          Name: secret.name,
          VersionId: secret.versionId,
          VersionStages: ['AWSCURRENT'],
        });
      }
      case 'DescribeSecret': {
        const secret = this.find(str('SecretId'));
        return jsonResponse({
          ARN: secret.arn,
          Name: secret.name,
          Description: secret.description,
          CreatedDate: secret.createdDate / 1000,
        });
      }
      default:
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local Secrets Manager does not support the action '${request.action ?? '(none)'}'`,
        );
    }
  }

  /** Creates a secret (also the in-process API the local cloud seeds with); its ARN carries AWS's 6-character suffix. */
  createSecret(name: string, value: string, description?: string): Secret {
    if (this.secrets.has(name))
      throw new AwsServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    const suffix = randomBytes(3).toString('hex');
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${suffix}`,
      name,
      description,
      createdDate: Date.now(),
      versionId: randomUUID(),
      value,
    };
    this.secrets.set(name, secret);
    return secret;
  }

  putSecretValue(secretId: string, value: string): Secret {
    const secret = this.find(secretId);
    secret.value = value;
    secret.versionId = randomUUID();
    return secret;
  }

  arnOf(name: string): string {
    return this.find(name).arn;
  }

  find(secretId: string): Secret {
    for (const secret of this.secrets.values()) {
      const partialArn = secret.arn.slice(0, -7);
      if (secret.name === secretId || secret.arn === secretId || partialArn === secretId) return secret;
    }
    throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }
}

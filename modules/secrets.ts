/** Secrets layer: the secrets of the description, created empty; values are put out of band, functions get ARNs. */
import { Construct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { physicalName, type SecretSpec } from '../core/platform/resources';

export interface SecretsLayerProps {
  readonly prefix: string;
  readonly secrets: readonly SecretSpec[];
  readonly recoveryWindowDays: number;
}

export class SecretsLayer extends Construct {
  readonly secrets = new Map<string, SecretsmanagerSecret>();

  constructor(scope: Construct, id: string, props: SecretsLayerProps) {
    super(scope, id);
    for (const spec of props.secrets) {
      this.secrets.set(
        spec.name,
        new SecretsmanagerSecret(this, `secret-${spec.name}`, {
          name: physicalName(props.prefix, spec.name),
          description: spec.description,
          recoveryWindowInDays: props.recoveryWindowDays,
        }),
      );
    }
  }
}

/**
 * The Secrets Manager adapter of PartnerSecrets: one secret holding a JSON map `{ partnerId: "whsec_..." }`
 * (resource `partner-secrets`), read at most once a minute so a rotation takes effect without a deploy.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { PartnerSecretsInvalidError } from '../partners/errors';
import type { PartnerSecrets } from '../partners/ingest';

const SecretMapSchema = z.record(z.string(), z.string().startsWith('whsec_'));

export class SecretsManagerPartnerSecrets implements PartnerSecrets {
  private cached: { readonly at: number; readonly map: Readonly<Record<string, string>> } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async secretOf(partnerId: string): Promise<string | undefined> {
    const map = await this.load();
    return Object.hasOwn(map, partnerId) ? map[partnerId] : undefined;
  }

  /** Every partner id with its secret (the local control plane lists them for demos). */
  async all(): Promise<Readonly<Record<string, string>>> {
    return this.load();
  }

  private async load(): Promise<Readonly<Record<string, string>>> {
    if (this.cached !== undefined && this.now() - this.cached.at < this.maxAgeMs) return this.cached.map;
    const response = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    let raw: unknown;
    try {
      raw = JSON.parse(response.SecretString ?? '');
    } catch (cause) {
      throw new PartnerSecretsInvalidError(`${this.secretArn} is not a JSON map of partner secrets`, { cause });
    }
    const parsed = SecretMapSchema.safeParse(raw);
    if (!parsed.success)
      throw new PartnerSecretsInvalidError(`${this.secretArn} must map partner ids to whsec_ secrets`, {
        cause: parsed.error,
      });
    this.cached = { at: this.now(), map: parsed.data };
    return parsed.data;
  }
}

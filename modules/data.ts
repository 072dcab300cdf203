/** Data layer: every DynamoDB table and S3 bucket of the description. */
import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { type BucketSpec, physicalName, type TableSpec } from '../core/platform/resources';
import { PrivateBucket } from './base/private-bucket';

export interface DataLayerProps {
  readonly prefix: string;
  readonly tables: readonly TableSpec[];
  readonly buckets: readonly BucketSpec[];
  readonly deletionProtection: boolean;
}

export class DataLayer extends Construct {
  readonly tables = new Map<string, DynamodbTable>();
  readonly buckets = new Map<string, S3Bucket>();

  constructor(scope: Construct, id: string, props: DataLayerProps) {
    super(scope, id);
    for (const spec of props.tables) this.tables.set(spec.name, this.table(spec, props));
    for (const spec of props.buckets) {
      const bucket = new PrivateBucket(this, `bucket-${spec.name}`, {
        bucketPrefix: physicalName(props.prefix, spec.name),
        expireAfterDays: spec.expireAfterDays,
        forceDestroy: !props.deletionProtection,
      });
      this.buckets.set(spec.name, bucket.bucket);
    }
  }

  private table(spec: TableSpec, props: DataLayerProps): DynamodbTable {
    const keyNames = [
      spec.partitionKey,
      spec.sortKey,
      ...spec.globalSecondaryIndexes.flatMap((gsi) => [gsi.partitionKey, gsi.sortKey]),
    ];
    return new DynamodbTable(this, `table-${spec.name}`, {
      name: physicalName(props.prefix, spec.name),
      billingMode: 'PAY_PER_REQUEST',
      hashKey: spec.partitionKey,
      rangeKey: spec.sortKey,
      attribute: [...new Set(keyNames)].map((name) => ({ name, type: 'S' })),
      globalSecondaryIndex: spec.globalSecondaryIndexes.map((gsi) => ({
        name: gsi.name,
        hashKey: gsi.partitionKey,
        rangeKey: gsi.sortKey,
        projectionType: gsi.projection,
      })),
      ttl: { attributeName: spec.ttlAttribute, enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: props.deletionProtection,
      ...(spec.stream === undefined ? {} : { streamEnabled: true, streamViewType: spec.stream }),
    });
  }
}

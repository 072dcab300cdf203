/**
 * The action and ARN each operation is authorised on, as AWS documents them per service (the "Actions, resources
 * and condition keys" pages): a table's index, a transaction's per-item actions, every bus of a PutEvents, an
 * object for HeadObject, the queue of a query-protocol form, a function by name.
 */
import type { EdgeRequest } from '../edge/types';
import { coveredOperations, requiredPermissions, type ResourceContext } from './operations';

const ctx: ResourceContext = {
  region: 'eu-west-1',
  account: '123456789012',
  queueArn: (reference) => `arn:aws:sqs:eu-west-1:123456789012:${reference.split('/').at(-1) ?? reference}`,
  redriveSourceArns: () => ['arn:aws:sqs:eu-west-1:123456789012:orders'],
  secretArn: (id) => (id.startsWith('arn:') ? id : `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${id}-AbCdEf`),
};

const json = (service: string, target: string, body: unknown): EdgeRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: Buffer.from(JSON.stringify(body)),
  service,
  action: target,
});

const rest = (service: string, method: string, path: string, headers: Record<string, string> = {}): EdgeRequest => ({
  method,
  path,
  query: new URLSearchParams(),
  headers,
  body: Buffer.alloc(0),
  service,
});

describe('what each operation needs from IAM', () => {
  it('authorises a Query on an index on the index ARN', () => {
    expect(requiredPermissions(json('dynamodb', 'Query', { TableName: 'orders', IndexName: 'GSI1' }), ctx)).toEqual([
      { action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/GSI1' },
    ]);
  });

  it("authorises TransactWriteItems by each item's own action on its table", () => {
    const request = json('dynamodb', 'TransactWriteItems', {
      TransactItems: [
        { ConditionCheck: { TableName: 'a' } },
        { Put: { TableName: 'b' } },
        { Update: { TableName: 'a' } },
      ],
    });

    expect(requiredPermissions(request, ctx)?.map((p) => `${p.action} ${p.resource.split(':').at(-1) ?? ''}`)).toEqual([
      'dynamodb:ConditionCheckItem table/a',
      'dynamodb:PutItem table/b',
      'dynamodb:UpdateItem table/a',
    ]);
  });

  it('authorises PutEvents once per bus its entries name (default when none)', () => {
    const request = json('events', 'PutEvents', {
      Entries: [{ EventBusName: 'orders' }, {}, { EventBusName: 'orders' }],
    });

    expect(requiredPermissions(request, ctx)?.map((p) => p.resource)).toEqual([
      'arn:aws:events:eu-west-1:123456789012:event-bus/orders',
      'arn:aws:events:eu-west-1:123456789012:event-bus/default',
    ]);
  });

  it('authorises HeadObject as s3:GetObject on the object, and listing on the bucket', () => {
    expect(requiredPermissions(rest('s3', 'HEAD', '/receipts/receipts/o-1.pdf'), ctx)).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::receipts/receipts/o-1.pdf' },
    ]);
    expect(requiredPermissions(rest('s3', 'GET', '/receipts'), ctx)).toEqual([
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::receipts' },
    ]);
  });

  it('reads a query-protocol form and authorises the batch as its single action', () => {
    const request: EdgeRequest = {
      ...rest('sqs', 'POST', '/'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from(
        'Action=SendMessageBatch&QueueUrl=http%3A%2F%2F127.0.0.1%3A4566%2F123456789012%2Femail&Version=2012-11-05',
      ),
    };

    expect(requiredPermissions(request, ctx)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:eu-west-1:123456789012:email' },
    ]);
  });

  it('needs SendMessage on every source queue for a redrive without a destination', () => {
    expect(
      requiredPermissions(
        json('sqs', 'StartMessageMoveTask', { SourceArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' }),
        ctx,
      ),
    ).toEqual([
      { action: 'sqs:StartMessageMoveTask', resource: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' },
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:eu-west-1:123456789012:orders' },
    ]);
  });

  it('authorises a secret named by name on its full ARN, and a Lambda invoke on the function ARN', () => {
    expect(requiredPermissions(json('secretsmanager', 'GetSecretValue', { SecretId: 'partners' }), ctx)).toEqual([
      {
        action: 'secretsmanager:GetSecretValue',
        resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partners-AbCdEf',
      },
    ]);
    expect(
      requiredPermissions(rest('lambda', 'POST', '/2015-03-31/functions/local-outbox-relay/invocations'), ctx),
    ).toEqual([
      {
        action: 'lambda:InvokeFunction',
        resource: 'arn:aws:lambda:eu-west-1:123456789012:function:local-outbox-relay',
      },
    ]);
  });

  it('evaluates an operation it does not map on "*", so a role scoped to resources does not get it', () => {
    expect(requiredPermissions(json('dynamodb', 'RestoreTableFromBackup', {}), ctx)).toEqual([
      { action: 'dynamodb:RestoreTableFromBackup', resource: '*' },
    ]);
  });

  it('maps 129 operations exactly', () => {
    expect(coveredOperations()).toHaveLength(129);
  });
});

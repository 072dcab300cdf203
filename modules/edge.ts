/**
 * Edge layer: the API Gateway HTTP API that exposes POST /webhooks/ingest/{partnerId} to partners (the ingest function
 * verifies signatures), and the dashboard as static files in a private S3 bucket behind CloudFront with
 * origin access control.
 */
import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { PrivateBucket } from './base/private-bucket';

/** AWS managed cache policy "CachingOptimized" (a fixed, documented id: no data source at plan time). */
export const cachingOptimizedPolicyId = '658327ea-f89d-4fab-a63d-7e88639e58f6';

export interface EdgeLayerProps {
  readonly prefix: string;
  readonly ingestFunction: LambdaFunction;
  readonly logRetentionDays: number;
  readonly forceDestroy: boolean;
}

export class EdgeLayer extends Construct {
  readonly httpApi: Apigatewayv2Api;
  readonly distribution: CloudfrontDistribution;

  constructor(scope: Construct, id: string, props: EdgeLayerProps) {
    super(scope, id);
    const { prefix } = props;
    this.httpApi = new Apigatewayv2Api(this, 'ingest-api', { name: `${prefix}-ingest`, protocolType: 'HTTP', description: 'Partner event ingestion' });
    const integration = new Apigatewayv2Integration(this, 'ingest-integration', {
      apiId: this.httpApi.id,
      integrationType: 'AWS_PROXY',
      integrationUri: props.ingestFunction.invokeArn,
      payloadFormatVersion: '2.0',
      timeoutMilliseconds: 10000,
    });
    new Apigatewayv2Route(this, 'ingest-route', { apiId: this.httpApi.id, routeKey: 'POST /webhooks/ingest/{partnerId}', target: `integrations/${integration.id}` });
    const accessLogs = new CloudwatchLogGroup(this, 'ingest-access-logs', { name: `/aws/apigateway/${prefix}-ingest`, retentionInDays: props.logRetentionDays });
    new Apigatewayv2Stage(this, 'ingest-stage', {
      apiId: this.httpApi.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 20 },
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: JSON.stringify({ requestId: '$context.requestId', ip: '$context.identity.sourceIp', route: '$context.routeKey', status: '$context.status', latency: '$context.responseLatency' }),
      },
    });
    new LambdaPermission(this, 'ingest-permission', {
      statementId: 'http-api-ingest',
      action: 'lambda:InvokeFunction',
      functionName: props.ingestFunction.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.httpApi.executionArn}/*/*/webhooks/ingest/*`,
    });

    const site = new PrivateBucket(this, 'dashboard', { bucketName: `${prefix}-dashboard`, forceDestroy: props.forceDestroy });
    const oac = new CloudfrontOriginAccessControl(this, 'dashboard-oac', {
      name: `${prefix}-dashboard`,
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    const originId = 'dashboard-bucket';
    this.distribution = new CloudfrontDistribution(this, 'dashboard-cdn', {
      enabled: true,
      comment: `${prefix} dashboard`,
      defaultRootObject: 'index.html',
      priceClass: 'PriceClass_100',
      httpVersion: 'http2and3',
      origin: [{ domainName: site.bucket.bucketRegionalDomainName, originId, originAccessControlId: oac.id }],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD'],
        cachedMethods: ['GET', 'HEAD'],
        compress: true,
        cachePolicyId: cachingOptimizedPolicyId,
      },
      customErrorResponse: [{ errorCode: 403, responseCode: 200, responsePagePath: '/index.html' }],
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: { cloudfrontDefaultCertificate: true },
    });
    const readPolicy = new DataAwsIamPolicyDocument(this, 'dashboard-read', {
      statement: [
        {
          sid: 'CloudFrontReads',
          actions: ['s3:GetObject'],
          resources: [`${site.bucket.arn}/*`],
          principals: [{ type: 'Service', identifiers: ['cloudfront.amazonaws.com'] }],
          condition: [{ test: 'StringEquals', variable: 'AWS:SourceArn', values: [this.distribution.arn] }],
        },
      ],
    });
    new S3BucketPolicy(this, 'dashboard-policy', { bucket: site.bucket.id, policy: readPolicy.json });
  }
}

/**
 * Edge layer: the API Gateway HTTP API that exposes POST /webhooks/ingest/{partnerId} to partners (the ingest function
 * verifies signatures), and the dashboard behind one CloudFront distribution over HTTPS: its static files from a
 * private S3 bucket (origin access control), and `/api/*` and `/config.json` from the API, so the dashboard calls
 * its own origin (no CORS, no mixed content). Client-side routes get index.html from a CloudFront Function on the
 * S3 behaviour only: a distribution-wide 403 -> index.html rewrite would also turn the API's 403s into HTML.
 */
import { Construct } from 'constructs';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Integration } from '@cdktf/provider-aws/lib/apigatewayv2-integration';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontFunction } from '@cdktf/provider-aws/lib/cloudfront-function';
import { CloudfrontOriginAccessControl } from '@cdktf/provider-aws/lib/cloudfront-origin-access-control';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { PrivateBucket } from './base/private-bucket';

/** AWS managed cache policy "CachingOptimized" (a fixed, documented id: no data source at plan time). */
export const cachingOptimizedPolicyId = '658327ea-f89d-4fab-a63d-7e88639e58f6';
/** AWS managed cache policy "CachingDisabled": every API request reaches the API. */
export const cachingDisabledPolicyId = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
/** AWS managed origin request policy "AllViewerExceptHostHeader": headers (Authorization), cookies, query strings. */
export const allViewerExceptHostPolicyId = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/** Paths CloudFront sends to the API origin; everything else is the dashboard's static files. */
export const apiPathPatterns = ['/api/*', '/config.json', '/asyncapi.json'] as const;

/** viewer-request function: a path without a file extension is a dashboard route, answered by index.html. */
export const spaRewriteFunction = `function handler(event) {
  var request = event.request;
  if (!/.[a-zA-Z0-9]+$/.test(request.uri)) request.uri = '/index.html';
  return request;
}
`;

/** How CloudFront reaches the API: the ALB by the name its certificate covers (HTTPS), or its DNS name (HTTP). */
export interface ApiOrigin {
  readonly domainName: string;
  readonly protocol: 'https-only' | 'http-only';
}

export interface EdgeLayerProps {
  readonly prefix: string;
  readonly ingestFunction: LambdaFunction;
  readonly logRetentionDays: number;
  readonly forceDestroy: boolean;
  readonly apiOrigin: ApiOrigin;
}

export class EdgeLayer extends Construct {
  readonly httpApi: Apigatewayv2Api;
  readonly distribution: CloudfrontDistribution;
  readonly siteBucket: S3Bucket;

  constructor(scope: Construct, id: string, props: EdgeLayerProps) {
    super(scope, id);
    const { prefix } = props;
    this.httpApi = new Apigatewayv2Api(this, 'ingest-api', {
      name: `${prefix}-ingest`,
      protocolType: 'HTTP',
      description: 'Partner event ingestion',
    });
    const integration = new Apigatewayv2Integration(this, 'ingest-integration', {
      apiId: this.httpApi.id,
      integrationType: 'AWS_PROXY',
      integrationUri: props.ingestFunction.invokeArn,
      payloadFormatVersion: '2.0',
      timeoutMilliseconds: 10000,
    });
    new Apigatewayv2Route(this, 'ingest-route', {
      apiId: this.httpApi.id,
      routeKey: 'POST /webhooks/ingest/{partnerId}',
      target: `integrations/${integration.id}`,
    });
    const accessLogs = new CloudwatchLogGroup(this, 'ingest-access-logs', {
      name: `/aws/apigateway/${prefix}-ingest`,
      retentionInDays: props.logRetentionDays,
    });
    new Apigatewayv2Stage(this, 'ingest-stage', {
      apiId: this.httpApi.id,
      name: '$default',
      autoDeploy: true,
      defaultRouteSettings: { throttlingBurstLimit: 50, throttlingRateLimit: 20 },
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          route: '$context.routeKey',
          status: '$context.status',
          latency: '$context.responseLatency',
        }),
      },
    });
    new LambdaPermission(this, 'ingest-permission', {
      statementId: 'http-api-ingest',
      action: 'lambda:InvokeFunction',
      functionName: props.ingestFunction.functionName,
      principal: 'apigateway.amazonaws.com',
      sourceArn: `${this.httpApi.executionArn}/*/*/webhooks/ingest/*`,
    });

    const site = new PrivateBucket(this, 'dashboard', {
      bucketPrefix: `${prefix}-dashboard`,
      forceDestroy: props.forceDestroy,
    });
    this.siteBucket = site.bucket;
    const oac = new CloudfrontOriginAccessControl(this, 'dashboard-oac', {
      name: `${prefix}-dashboard`,
      originAccessControlOriginType: 's3',
      signingBehavior: 'always',
      signingProtocol: 'sigv4',
    });
    const originId = 'dashboard-bucket';
    const apiOriginId = 'api';
    const spaRewrite = new CloudfrontFunction(this, 'dashboard-routes', {
      name: `${prefix}-dashboard-routes`,
      runtime: 'cloudfront-js-2.0',
      comment: 'dashboard routes -> index.html',
      publish: true,
      code: spaRewriteFunction,
    });
    this.distribution = new CloudfrontDistribution(this, 'dashboard-cdn', {
      enabled: true,
      comment: `${prefix} dashboard`,
      defaultRootObject: 'index.html',
      priceClass: 'PriceClass_100',
      httpVersion: 'http2and3',
      origin: [
        { domainName: site.bucket.bucketRegionalDomainName, originId, originAccessControlId: oac.id },
        {
          domainName: props.apiOrigin.domainName,
          originId: apiOriginId,
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: props.apiOrigin.protocol,
            originSslProtocols: ['TLSv1.2'],
            // The event stream (/api/stream) stays open between events; CloudFront's default 30 s would cut it.
            originReadTimeout: 60,
            originKeepaliveTimeout: 60,
          },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD'],
        cachedMethods: ['GET', 'HEAD'],
        compress: true,
        cachePolicyId: cachingOptimizedPolicyId,
        functionAssociation: [{ eventType: 'viewer-request', functionArn: spaRewrite.arn }],
      },
      orderedCacheBehavior: apiPathPatterns.map((pathPattern) => ({
        pathPattern,
        targetOriginId: apiOriginId,
        viewerProtocolPolicy: 'https-only',
        allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        cachedMethods: ['GET', 'HEAD'],
        compress: true,
        cachePolicyId: cachingDisabledPolicyId,
        originRequestPolicyId: allViewerExceptHostPolicyId,
      })),
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

import {
  deployableStageConfig,
  StageConfigInvalidError,
  stageConfigProblems,
  stages,
  withEnvironment,
} from './stage-config';

const certificateArn = 'arn:aws:acm:eu-west-1:210987654321:certificate/3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69';
const real = { ...stages.dev, alarmEmail: 'alarms@platform.acme.test', emailSender: 'orders@shop.acme.test' };

describe('stage config validation at synth', () => {
  it('accepts a stage with real addresses and no pinned tag', () => {
    expect(stageConfigProblems(real)).toEqual([]);
  });

  it('names the key and its variable for a placeholder address', () => {
    expect(stageConfigProblems({ ...real, alarmEmail: 'platform-alarms-dev@example.com' })).toEqual([
      expect.stringMatching(
        /^stages\.dev\.alarmEmail \(modules\/stage-config\.ts, or ORDERS_DEV_ALARM_EMAIL\): .*placeholder/,
      ),
    ]);
  });

  it('names the key for a malformed email address', () => {
    expect(stageConfigProblems({ ...real, emailSender: 'orders-at-shop' })).toEqual([
      expect.stringMatching(/^stages\.dev\.emailSender .*not an email address/),
    ]);
  });

  it('requires a certificate in prod, naming certificateArn', () => {
    expect(stageConfigProblems({ ...real, stage: 'prod' })).toEqual([
      expect.stringMatching(
        /^stages\.prod\.certificateArn .*ORDERS_PROD_CERTIFICATE_ARN.*prod requires an ACM certificate/,
      ),
    ]);
    expect(
      stageConfigProblems({ ...real, stage: 'prod', certificateArn, apiDomainName: 'api.shop.acme.test' }),
    ).toEqual([]);
  });

  it('refuses a certificate of another region or of the documentation account', () => {
    const withName = { ...real, apiDomainName: 'api.shop.acme.test' };
    expect(
      stageConfigProblems({ ...withName, certificateArn: certificateArn.replace('eu-west-1', 'us-east-1') }),
    ).toEqual([expect.stringContaining('an ALB needs a certificate of its own region')]);
    expect(
      stageConfigProblems({ ...withName, certificateArn: certificateArn.replace('210987654321', '123456789012') }),
    ).toEqual([expect.stringContaining('is a placeholder')]);
  });

  it('requires the DNS name a certificate covers, naming apiDomainName', () => {
    expect(stageConfigProblems({ ...real, certificateArn })).toEqual([
      expect.stringMatching(/^stages\.dev\.apiDomainName .*ORDERS_DEV_API_DOMAIN_NAME.*DNS name it covers/),
    ]);
  });

  it("names webhookDelivery for a schedule that does not parse, and for a policy whose pauses would reach SQS's maxReceiveCount", () => {
    expect(
      stageConfigProblems({ ...real, webhookDelivery: { ...real.webhookDelivery, retrySchedule: '0s,5 min' } }),
    ).toEqual([
      expect.stringMatching(/^stages\.dev\.webhookDelivery .*WEBHOOK_RETRY_SCHEDULE: "5 min" is not a duration/),
    ]);
    expect(
      stageConfigProblems({
        ...real,
        webhookDelivery: { ...real.webhookDelivery, breakerCooldown: '1m,10m', maxDeliveryAge: '10d' },
      }),
    ).toEqual([expect.stringMatching(/^stages\.dev\.webhookDelivery .*maxReceiveCount \(150\)/)]);
  });

  it('refuses the image tag latest, naming imageTag', () => {
    expect(stageConfigProblems({ ...real, api: { ...real.api, imageTag: 'latest' } })).toEqual([
      expect.stringMatching(/^stages\.dev\.imageTag .*ORDERS_DEV_IMAGE_TAG.*"latest" cannot be pushed twice/),
    ]);
  });

  it('fails synth of the shipped placeholders with every problem listed, and passes once the environment sets them', () => {
    expect.assertions(3);
    try {
      deployableStageConfig('prod', {});
    } catch (error) {
      expect(error).toBeInstanceOf(StageConfigInvalidError);
      expect((error as StageConfigInvalidError).problems.map((p) => p.split(' ')[0])).toEqual([
        'stages.prod.alarmEmail',
        'stages.prod.emailSender',
        'stages.prod.certificateArn',
      ]);
    }
    const env = {
      ORDERS_PROD_ALARM_EMAIL: 'alarms@platform.acme.test',
      ORDERS_PROD_EMAIL_SENDER: 'orders@shop.acme.test',
      ORDERS_PROD_CERTIFICATE_ARN: certificateArn,
      ORDERS_PROD_API_DOMAIN_NAME: 'api.shop.acme.test',
    };
    expect(deployableStageConfig('prod', env)).toEqual(withEnvironment(stages.prod, env));
  });

  it('takes the workflow type from ORDERS_<STAGE>_WORKFLOW_TYPE, and names the key for an unknown type', () => {
    const express = withEnvironment(real, { ORDERS_DEV_WORKFLOW_TYPE: 'express' });
    const unknown = withEnvironment(real, { ORDERS_DEV_WORKFLOW_TYPE: 'fast' });

    expect([stages.dev.workflowType, stages.prod.workflowType, express.workflowType]).toEqual([
      'STANDARD',
      'EXPRESS',
      'EXPRESS',
    ]);
    expect(stageConfigProblems(unknown)).toEqual([
      'stages.dev.workflowType (modules/stage-config.ts, or ORDERS_DEV_WORKFLOW_TYPE): "FAST" is neither STANDARD nor EXPRESS',
    ]);
  });
});

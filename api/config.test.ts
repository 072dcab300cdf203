import { AuthConfigInvalidError, ConfigKeyMissingError, ConfigValueInvalidError, loadConfig } from './config';

const base = {
  TABLE_NAME: 'local-orders',
  EVENT_BUS_NAME: 'local-orders',
  USER_POOL_ID: 'eu-west-1_AbC123',
  USER_POOL_CLIENT_ID: 'client',
};

describe('loadConfig', () => {
  it('samples by the account’s rules unless XRAY_SAMPLING says otherwise, and refuses an unknown mode', () => {
    expect(loadConfig(base).tracingSampling).toBe('centralized');
    expect(loadConfig({ ...base, XRAY_SAMPLING: 'LOCAL' }).tracingSampling).toBe('local');
    expect(() => loadConfig({ ...base, XRAY_SAMPLING: 'sometimes' })).toThrow(ConfigValueInvalidError);
  });

  it('reads a complete environment into a frozen config with PORT defaulting to 3000', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      tableName: 'local-orders',
      eventBusName: 'local-orders',
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'INFO',
      webhookAllowLoopback: false,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting of the API, the route settings and the user pool included', () => {
    // act
    const config = loadConfig({
      ...base,
      HOST: '0.0.0.0',
      RECEIPTS_BUCKET: 'receipts',
      PARTNER_SECRETS_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:p',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      LOCAL_CONTROL_PLANE_URL: 'http://127.0.0.1:4566/_local/',
      DASHBOARD_DIR: 'ui/dist',
    });
    // assess
    expect(config).toMatchObject({
      host: '0.0.0.0',
      receiptsBucket: 'receipts',
      partnerSecretsArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:p',
      webhookAllowLoopback: true,
      localControlPlane: 'http://127.0.0.1:4566/_local',
      dashboardDir: 'ui/dist',
      auth: {
        userPoolId: 'eu-west-1_AbC123',
        userPoolClientId: 'client',
        cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com',
        tokenUse: 'id',
      },
    });
  });

  it('leaves the optional route settings absent rather than guessing a value', () => {
    const config = loadConfig(base);
    expect(Object.keys(config)).not.toEqual(expect.arrayContaining(['receiptsBucket']));
    expect(Object.keys(config)).not.toEqual(expect.arrayContaining(['partnerSecretsArn']));
  });

  it.each(['TABLE_NAME', 'EVENT_BUS_NAME'])('throws naming %s when it is missing', (key) => {
    expect.assertions(2);
    try {
      loadConfig({ ...base, [key]: undefined });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigKeyMissingError);
      expect((error as Error).message).toContain(key);
    }
  });

  it('throws naming USER_POOL_ID when the user pool is missing', () => {
    expect.assertions(2);
    try {
      loadConfig({ ...base, USER_POOL_ID: undefined });
    } catch (error) {
      expect(error).toBeInstanceOf(AuthConfigInvalidError);
      expect((error as AuthConfigInvalidError).key).toBe('USER_POOL_ID');
    }
  });

  it('rejects a PORT that is not a port number', () => {
    expect(() => loadConfig({ ...base, PORT: '80a' })).toThrow(ConfigValueInvalidError);
  });
});

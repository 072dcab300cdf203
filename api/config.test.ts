import { ConfigKeyMissingError, ConfigValueInvalidError, loadConfig } from './config';

const base = { TABLE_NAME: 'local-orders', EVENT_BUS_NAME: 'local-orders' };

describe('loadConfig', () => {
  it('reads a complete environment into a frozen config with PORT defaulting to 3000', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ tableName: 'local-orders', eventBusName: 'local-orders', port: 3000, logLevel: 'INFO' });
    expect(Object.isFrozen(config)).toBe(true);
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

  it('rejects a PORT that is not a port number', () => {
    expect(() => loadConfig({ ...base, PORT: '80a' })).toThrow(ConfigValueInvalidError);
  });
});

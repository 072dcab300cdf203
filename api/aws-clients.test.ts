import { createAwsClients } from './aws-clients';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

describe('createAwsClients', () => {
  it("drops the SDK's logger middleware from the clients given no logger, and keeps it for one given a logger", () => {
    // prepare
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    // act
    const clients = createAwsClients({ dynamodb: local, eventBridge: { ...local, logger } });
    // assess
    try {
      expect(clients.documentClient.middlewareStack.identify()).not.toContain('loggerMiddleware - initialize');
      expect(clients.eventBridge.middlewareStack.identify()).toContain('loggerMiddleware - initialize');
    } finally {
      clients.destroy();
    }
  });

  it('resolves the EventBridge middleware once per command (cacheMiddleware), never the DynamoDB one', () => {
    // act
    const clients = createAwsClients({ dynamodb: local, eventBridge: local });
    // assess
    try {
      expect(clients.eventBridge.config.cacheMiddleware).toBe(true);
      expect(clients.documentClient.config.cacheMiddleware).not.toBe(true);
    } finally {
      clients.destroy();
    }
  });
});

import { IncomingRequestData, processTraceData, Segment } from './xray-core';

/** cls-hooked keeps its namespaces on `process`; the X-Ray SDK's automatic mode is the one named AWSXRay. */
const xrayNamespace = (): unknown =>
  (process as unknown as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay;

describe('the X-Ray SDK parts the API loads', () => {
  it("creates no cls-hooked namespace (the SDK's automatic mode), whose async hooks would run on every promise", () => {
    // act
    const segment = new Segment('orders-api');
    segment.close();
    // assess
    expect(xrayNamespace()).toBeUndefined();
    expect(processTraceData('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1')).toMatchObject({
      root: '1-5759e988-bd862e3fe1be46a994272793',
      sampled: '1',
    });
    expect(typeof IncomingRequestData).toBe('function');
  });

  it("makes segments with the SDK and service data the SDK's own index sets", async () => {
    // prepare
    const ours = JSON.parse(new Segment('orders-api').format()) as Record<string, unknown>;
    // act: the full SDK, as another part of the process may load it, sets its values again
    const sdk = (await import('aws-xray-sdk-core')).default;
    const theirs = JSON.parse(new sdk.Segment('orders-api').format()) as Record<string, unknown>;
    // assess
    expect(xrayNamespace()).toBeDefined();
    expect(ours.aws).toEqual(theirs.aws);
    expect(ours.service).toEqual(theirs.service);
    expect((ours.aws as { xray?: { sdk?: string } }).xray?.sdk).toBe('X-Ray for Node.js');
  });
});

/**
 * The parts of aws-xray-sdk-core the API uses (segments, subsegments, the AWS attributes, incoming request data, the
 * trace header parser, the sampler), loaded from their own modules rather than from the package's index. The index
 * loads the SDK's context module, which creates its cls-hooked namespace (automatic mode) as it loads, unless
 * AWS_XRAY_MANUAL_MODE was set before: from then on async hooks with a destroy hook run on every promise of the
 * process, sampled request or not. The API keeps the request's segment in AsyncLocalStorage (./tracing.ts) and
 * never reads that namespace; in a profile under POST alone the async hooks were 11% of the API's CPU with it and 4%
 * without it (docs/decisions.md). The environment variable is not set here: the end-to-end tests run the API in the process of
 * the local cloud, whose functions' Powertools Tracer needs automatic mode.
 *
 * What the index does besides the namespace, and segments show, is done here too: the SDK and service data every
 * segment carries (`aws.xray`, `service`), set only when nothing set them first.
 */
// `import = require` for the two modules whose functions assign to `this`: a namespace import would be a copy (or a
// getter-only view) of the module object, and the sampler they set would not be the one the SDK reads.
import middleware = require('aws-xray-sdk-core/dist/lib/middleware/mw_utils');
import IncomingRequestData from 'aws-xray-sdk-core/dist/lib/middleware/incoming_request_data';
import Segment from 'aws-xray-sdk-core/dist/lib/segments/segment';
import AwsAttributes from 'aws-xray-sdk-core/dist/lib/segments/attributes/aws';
import type Subsegment from 'aws-xray-sdk-core/dist/lib/segments/attributes/subsegment';
import segmentUtils = require('aws-xray-sdk-core/dist/lib/segments/segment_utils');
import { processTraceData } from 'aws-xray-sdk-core/dist/lib/utils';
// A static import, so that the image's bundle (api/Dockerfile) carries it as the SDK's index does its own.
import sdkPackage from 'aws-xray-sdk-core/package.json';

const UNKNOWN = 'unknown';

/** The same values the SDK's index sets as it loads (aws-xray.js); a no-op when it was loaded already. */
const setSegmentDefaults = (): void => {
  const current = segmentUtils as unknown as { sdkData?: object; serviceData?: object };
  if (current.sdkData === undefined)
    segmentUtils.setSDKData({ sdk: 'X-Ray for Node.js', sdk_version: sdkPackage.version, package: sdkPackage.name });
  if (current.serviceData === undefined)
    segmentUtils.setServiceData({
      runtime: process.release?.name ?? UNKNOWN,
      runtime_version: process.version,
      version: process.env.npm_package_version ?? UNKNOWN,
      name: process.env.npm_package_name ?? UNKNOWN,
    });
};
setSegmentDefaults();

export { AwsAttributes, IncomingRequestData, middleware, processTraceData, Segment };
export type { Subsegment };

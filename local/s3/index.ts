/** The local S3 (subpath `@order-platform/local-cloud/s3`), for tests that serve it on an edge of their own. */
export { LocalS3, S3RequestError } from './local-s3';

/** The local SES v2, capturing mail (subpath `@order-platform/local-cloud/ses`). */
export { LocalSes } from './local-ses';

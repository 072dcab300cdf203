/** The local SQS (subpath `@order-platform/local-cloud/sqs`). */
export { LocalSqs } from './local-sqs';
export { fileMessagePersistence, type MessagePersistence } from './persistence';

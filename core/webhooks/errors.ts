/** The base of the webhooks area (outbound endpoints, signing, URL safety): catch it to catch every webhook error. */
import { PlatformError } from '../errors';
import type { PlatformErrorOptions } from '../errors';

export abstract class WebhookError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

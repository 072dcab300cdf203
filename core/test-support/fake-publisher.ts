/**
 * Test support, not shipped: a fake of the EventPublisher port for the order use cases' tests (records what was
 * published, fails while `failing` is set). Lives here rather than next to the port so nothing in a deployable
 * folder of core/ exists only for tests.
 */
import type { PlatformEvent } from '../events/order-events';
import { EventPublishFailedError } from '../orders/ports';
import type { EventPublisher } from '../orders/ports';

export class FakePublisher implements EventPublisher {
  readonly published: PlatformEvent<object>[] = [];
  failing = false;

  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    if (this.failing) throw new EventPublishFailedError('PutEvents failed (fake)', []);
    this.published.push(...events);
  }
}

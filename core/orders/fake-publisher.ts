import type { PlatformEvent } from '../events/order-events';
import { EventPublishFailedError } from './ports';
import type { EventPublisher } from './ports';

/** A fake of the EventPublisher port for tests: records what was published, fails while `failing` is set. */
export class FakePublisher implements EventPublisher {
  readonly published: PlatformEvent<object>[] = [];
  failing = false;

  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    if (this.failing) throw new EventPublishFailedError('PutEvents failed (fake)', []);
    this.published.push(...events);
  }
}

import { exampleOrder } from './contracts';
import { OrderEventDetailSchema, orderContentOf, orderEvent } from './order-events';

const order = exampleOrder('PENDING');

describe('the order an event carries', () => {
  it('is the order as placed: its lines with names and prices, its total and when it was placed', () => {
    const detail = OrderEventDetailSchema.parse(
      orderEvent({ ...order, status: 'CONFIRMED' }, 'e-1', '2026-12-01T10:00:05.000Z').detail,
    );

    expect(orderContentOf(detail)).toEqual({
      orderId: order.orderId,
      customerId: order.customerId,
      createdAt: order.createdAt,
      lines: order.lines,
      total: order.total,
    });
  });

  it('is unknown for an event published before events carried it, so its consumer reads the order instead', () => {
    const { createdAt: _createdAt, ...detail } = orderEvent(order, 'e-1', order.createdAt).detail;
    const withoutNames = { ...detail, lines: detail.lines.map(({ productId, quantity }) => ({ productId, quantity })) };

    expect(orderContentOf(OrderEventDetailSchema.parse(withoutNames))).toBeUndefined();
    expect(
      orderContentOf(OrderEventDetailSchema.parse({ ...withoutNames, createdAt: order.createdAt })),
    ).toBeUndefined();
    expect(orderContentOf(OrderEventDetailSchema.parse({ ...detail }))).toBeUndefined();
  });
});

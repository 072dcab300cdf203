import { renderEmail, renderTemplate, TemplateValueMissingError } from './templates';

const confirmed = {
  customerName: 'Alice <3',
  orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA',
  total: '62.30 EUR',
  lines: [
    { name: 'Espresso beans 1 kg', quantity: 2, lineTotal: '49.80 EUR' },
    { name: 'Mug & saucer', quantity: 1, lineTotal: '12.50 EUR' },
  ],
};

describe('email templates', () => {
  it('renders the confirmation in text with every line and the total', () => {
    // act
    const email = renderEmail('order-confirmed', confirmed);
    // assess
    expect(email.subject).toBe('Your order 01JD8ZQ3K5V7T2X9W4R6M1N0PA is confirmed');
    expect(email.text).toContain('2 x Espresso beans 1 kg  49.80 EUR');
    expect(email.text).toContain('1 x Mug & saucer  12.50 EUR');
    expect(email.text).toContain('Total: 62.30 EUR');
    expect(email.text).not.toContain('{{');
  });

  it('escapes values in the HTML part', () => {
    // act
    const email = renderEmail('order-confirmed', confirmed);
    // assess
    expect(email.html).toContain('Alice &#60;3');
    expect(email.html).toContain('Mug &#38; saucer');
    expect(email.html).not.toContain('<3');
    expect(email.html).not.toContain('{{');
  });

  it('renders the failure email with its reason', () => {
    const email = renderEmail('order-failed', { customerName: 'Bob', orderId: 'X1', reason: 'PAYMENT_DECLINED' });
    expect(email.subject).toBe('Your order X1 could not be completed');
    expect(email.text).toContain('(PAYMENT_DECLINED)');
    expect(email.html).toContain('<strong>X1</strong>');
  });

  it('throws naming a value the model lacks instead of sending a placeholder', () => {
    expect(() => renderEmail('order-failed', { customerName: 'Bob', orderId: 'X1' })).toThrow(
      TemplateValueMissingError,
    );
    expect(() => renderEmail('order-failed', { customerName: 'Bob', orderId: 'X1' })).toThrow(
      'order-failed.txt uses {{reason}}',
    );
  });

  it('repeats a section once per row and leaves other text alone', () => {
    expect(renderTemplate('a{{#rows}}[{{v}}]{{/rows}}b', 't', { rows: [{ v: 1 }, { v: 2 }] })).toBe('a[1][2]b');
  });
});

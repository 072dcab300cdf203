import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PDFDocument } from 'pdf-lib';
import { money } from '../domain/money';
import type { Order } from '../domain/order';
import { formatMoney } from './format-money';
import { receiptKey, renderReceiptPdf } from './receipt-pdf';

const order: Order = {
  orderId: '01JD8ZQ3K5V7T2X9W4R6M1N0PA',
  customerId: 'alice',
  lines: [
    {
      productId: 'espresso-beans',
      name: 'Espresso beans 1 kg',
      quantity: 2,
      unitPrice: money(2490, 'EUR'),
      lineTotal: money(4980, 'EUR'),
    },
    {
      productId: 'mug',
      name: 'Stoneware mug',
      quantity: 1,
      unitPrice: money(1250, 'EUR'),
      lineTotal: money(1250, 'EUR'),
    },
  ],
  total: money(6230, 'EUR'),
  status: 'CONFIRMED',
  timeline: [],
  paymentToken: 'tok_visa',
  createdAt: '2026-11-21T10:00:00.000Z',
  updatedAt: '2026-11-21T10:00:05.000Z',
};

/** The text a real PDF reader (poppler's pdftotext) extracts. */
const pdfText = (bytes: Uint8Array): string => {
  const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
  try {
    writeFileSync(join(dir, 'r.pdf'), bytes);
    return execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('receipt PDF', () => {
  it('is a PDF that pdf-lib loads back, titled with the order id', async () => {
    // act
    const bytes = await renderReceiptPdf(order, '2026-11-21T10:00:06.000Z');
    // assess
    expect(Buffer.from(bytes.slice(0, 5)).toString('latin1')).toBe('%PDF-');
    const loaded = await PDFDocument.load(bytes);
    expect(loaded.getPageCount()).toBe(1);
    expect(loaded.getTitle()).toBe(`Receipt ${order.orderId}`);
  });

  it('shows the order id, every line and the total to a PDF reader', async () => {
    // act
    const text = pdfText(await renderReceiptPdf(order, '2026-11-21T10:00:06.000Z'));
    // assess
    expect(text).toContain(order.orderId);
    expect(text).toContain('Espresso beans 1 kg');
    expect(text).toContain('Stoneware mug');
    expect(text).toMatch(/Total\s+62\.30 EUR/);
  });

  it('continues on further pages when the order has many lines', async () => {
    // prepare
    const many = {
      ...order,
      lines: Array.from({ length: 65 }, (_, index) => ({ ...order.lines[1], name: `Mug ${index}` })),
    };
    // act
    const loaded = await PDFDocument.load(await renderReceiptPdf(many, '2026-11-21T10:00:06.000Z'));
    // assess
    expect(loaded.getPageCount()).toBe(3);
  });

  it('keys the receipt at receipts/{orderId}.pdf', () => {
    expect(receiptKey(order.orderId)).toBe('receipts/01JD8ZQ3K5V7T2X9W4R6M1N0PA.pdf');
  });
});

describe('formatMoney', () => {
  it('writes minor units with the currency decimals', () => {
    expect(formatMoney(money(5, 'EUR'))).toBe('0.05 EUR');
    expect(formatMoney(money(123456, 'USD'))).toBe('1234.56 USD');
    expect(formatMoney(money(500, 'JPY'))).toBe('500 JPY');
  });

  it('round-trips every amount of a two-decimal currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (amount) => {
        const [major, minor] = formatMoney(money(amount, 'EUR')).split(' ')[0].split('.');
        expect(Number(major) * 100 + Number(minor)).toBe(amount);
      }),
    );
  });
});

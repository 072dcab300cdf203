/**
 * The PDF receipt of a confirmed order, drawn with pdf-lib (standard Helvetica, no embedded files): the order id,
 * date, customer, one row per line (name, quantity, unit price, line total) and the total.
 */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { OrderContent } from '../domain/order';
import { formatMoney } from './format-money';

/** The S3 key of an order's receipt. */
export const receiptKey = (orderId: string): string => `receipts/${orderId}.pdf`;

const PAGE = { width: 595.28, height: 841.89 }; // A4 in points
const MARGIN = 50;
const ROWS_PER_PAGE = 30;

/** WinAnsi (the standard fonts' encoding) cannot draw every character; anything else becomes '?'. */
const printable = (text: string): string => text.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');

export const renderReceiptPdf = async (order: OrderContent, issuedAt: string): Promise<Uint8Array> => {
  const document = await PDFDocument.create();
  document.setTitle(`Receipt ${order.orderId}`);
  document.setSubject(`Order ${order.orderId}`);
  document.setProducer('order-platform');
  document.setCreationDate(new Date(issuedAt));
  document.setModificationDate(new Date(issuedAt));
  const regular = await document.embedFont(StandardFonts.Helvetica);
  const bold = await document.embedFont(StandardFonts.HelveticaBold);

  const columns = [MARGIN, 330, 390, 480];
  let page = document.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - MARGIN;
  const text = (value: string, x: number, size = 10, font = regular) =>
    page.drawText(printable(value), { x, y, size, font, color: rgb(0, 0, 0) });

  text('Receipt', MARGIN, 22, bold);
  y -= 30;
  text(`Order ${order.orderId}`, MARGIN, 12, bold);
  y -= 16;
  text(`Customer ${order.customerId}`, MARGIN);
  y -= 14;
  text(`Placed ${order.createdAt}   Issued ${issuedAt}`, MARGIN);
  y -= 28;
  const header = () => {
    ['Item', 'Qty', 'Unit price', 'Amount'].forEach((title, index) => {
      text(title, columns[index], 10, bold);
    });
    y -= 6;
    page.drawLine({ start: { x: MARGIN, y }, end: { x: PAGE.width - MARGIN, y }, thickness: 0.5 });
    y -= 14;
  };
  header();
  order.lines.forEach((line, index) => {
    if (index > 0 && index % ROWS_PER_PAGE === 0) {
      page = document.addPage([PAGE.width, PAGE.height]);
      y = PAGE.height - MARGIN;
      header();
    }
    text(line.name.length > 48 ? `${line.name.slice(0, 47)}...` : line.name, columns[0]);
    text(String(line.quantity), columns[1]);
    text(formatMoney(line.unitPrice), columns[2]);
    text(formatMoney(line.lineTotal), columns[3]);
    y -= 14;
  });
  y -= 4;
  page.drawLine({ start: { x: MARGIN, y }, end: { x: PAGE.width - MARGIN, y }, thickness: 0.5 });
  y -= 16;
  text('Total', columns[2], 11, bold);
  text(formatMoney(order.total), columns[3], 11, bold);
  return document.save({ useObjectStreams: false });
};

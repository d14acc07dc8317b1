/** At or below this many units, the shop says how many are left. */
export const FEW_LEFT = 5;

/** The stock state in words: "In stock", "Only N left", "Sold out". */
export function stockWords(stock: number): string {
  if (stock <= 0) return 'Sold out';
  if (stock <= FEW_LEFT) return `Only ${stock} left`;
  return 'In stock';
}

const STATUS_WORDS: Record<string, string> = { PLACED: 'Placed', REJECTED: 'Rejected', CANCELLED: 'Cancelled', PENDING: 'Pending' };

/** An order status as a word (Placed, Rejected, Cancelled, Pending). */
export function statusWord(status: string): string {
  return STATUS_WORDS[status] ?? status.charAt(0) + status.slice(1).toLowerCase();
}

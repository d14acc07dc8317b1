import type { OrderItemResolvers } from '../../gen/graphql.js';
import { optionalMoneyOf } from './convert.js';

/*
 * A line is priced (name, unit price, subtotal from the reservation's snapshot) once its order is
 * PLACED; the lines of PENDING and REJECTED orders never were, and those fields are null.
 */
export const OrderItem: OrderItemResolvers = {
  // The product as it is now, batched across every item of every order in the response.
  product: (line, _args, { loaders }) => loaders.product.load(line.productId),
  name: (line) => (line.unitPrice === undefined ? null : line.name),
  unitPrice: (line) => optionalMoneyOf(line.unitPrice, 'order line unit_price'),
  subtotal: (line) => optionalMoneyOf(line.subtotal, 'order line subtotal'),
};

import type { OrderItemResolvers } from '../../gen/graphql.js';
import { moneyOf } from './convert.js';

export const OrderItem: OrderItemResolvers = {
  // The product as it is now, batched across every item of every order in the response.
  product: (line, _args, { loaders }) => loaders.product.load(line.productId),
  unitPrice: (line) => moneyOf(line.unitPrice, 'order line unit_price'),
  subtotal: (line) => moneyOf(line.subtotal, 'order line subtotal'),
};

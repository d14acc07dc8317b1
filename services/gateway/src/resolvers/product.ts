import type { ProductResolvers } from '../../gen/graphql.js';
import { moneyOf, required } from './convert.js';

export const Product: ProductResolvers = {
  price: (product) => moneyOf(product.price, 'product.price'),
  createdAt: (product) => required(product.createTime, 'product.create_time'),
  updatedAt: (product) => required(product.updateTime ?? product.createTime, 'product.update_time'),
};

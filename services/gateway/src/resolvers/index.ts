import type { Resolvers } from '../../gen/graphql.js';
import { guarded, rules } from '../auth.js';
import { Account } from './account.js';
import { Money } from './money.js';
import { mutation } from './mutation.js';
import { Order } from './order.js';
import { OrderItem } from './order-item.js';
import { Product } from './product.js';
import { query } from './query.js';
import { DateTime, Decimal } from './scalars.js';
import { StockShortage } from './stock-shortage.js';

/**
 * The whole resolver map. Every entry point (Query and Mutation field) is wrapped in its rule
 * from auth.ts here, in one place; the object types below are reachable only through them.
 */
export const resolvers: Resolvers = {
  DateTime,
  Decimal,
  Query: {
    viewer: guarded(rules.Query.viewer, query.viewer),
    account: guarded(rules.Query.account, query.account),
    accounts: guarded(rules.Query.accounts, query.accounts),
    product: guarded(rules.Query.product, query.product),
    products: guarded(rules.Query.products, query.products),
    order: guarded(rules.Query.order, query.order),
  },
  Mutation: {
    signUp: guarded(rules.Mutation.signUp, mutation.signUp),
    logIn: guarded(rules.Mutation.logIn, mutation.logIn),
    createProduct: guarded(rules.Mutation.createProduct, mutation.createProduct),
    updateProduct: guarded(rules.Mutation.updateProduct, mutation.updateProduct),
    createOrder: guarded(rules.Mutation.createOrder, mutation.createOrder),
    cancelOrder: guarded(rules.Mutation.cancelOrder, mutation.cancelOrder),
  },
  Account,
  Product,
  Order,
  OrderItem,
  StockShortage,
  Money,
};

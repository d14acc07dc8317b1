import type { GraphQLResolveInfo } from 'graphql';
import type { Resolvers } from '../../gen/graphql.js';
import { withAuthBudget } from '../guards/password-guessing-budgets.js';
import { guarded, rules } from './authorization.js';
import type { GatewayContext } from './context.js';
import { Account } from './account.js';
import { Money } from './money.js';
import { mutation } from './mutation.js';
import { Order } from './order.js';
import { OrderItem } from './order-item.js';
import { Product } from './product.js';
import { query } from './query.js';
import { DateTime, Decimal } from './scalars.js';
import { StockShortage } from './stock-shortage.js';

function writes<Parent, Args, Result>(
  resolve: (parent: Parent, args: Args, context: GatewayContext, info: GraphQLResolveInfo) => Result,
): (parent: Parent, args: Args, context: GatewayContext, info: GraphQLResolveInfo) => Result {
  return (parent, args, context, info) => {
    context.loaders.clearAll();
    return resolve(parent, args, context, info);
  };
}

/**
 * The whole resolver map. Every entry point (Query and Mutation field) is wrapped in its rule
 * from authorization.ts here, in one place; the object types below are reachable only through them.
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
  // Mutations run one after another; each starts with fresh loaders, so what a mutation returns
  // (and any later field) never shows a product or order as it was before an earlier write.
  Mutation: {
    // Each spends its password-guessing budgets before the account service hashes anything.
    signUp: guarded(rules.Mutation.signUp, writes(withAuthBudget('signUp', mutation.signUp))),
    logIn: guarded(rules.Mutation.logIn, writes(withAuthBudget('logIn', mutation.logIn))),
    refreshToken: guarded(rules.Mutation.refreshToken, writes(mutation.refreshToken)),
    logOut: guarded(rules.Mutation.logOut, writes(mutation.logOut)),
    createProduct: guarded(rules.Mutation.createProduct, writes(mutation.createProduct)),
    updateProduct: guarded(rules.Mutation.updateProduct, writes(mutation.updateProduct)),
    createOrder: guarded(rules.Mutation.createOrder, writes(mutation.createOrder)),
    cancelOrder: guarded(rules.Mutation.cancelOrder, writes(mutation.cancelOrder)),
  },
  Account,
  Product,
  Order,
  OrderItem,
  StockShortage,
  Money,
};

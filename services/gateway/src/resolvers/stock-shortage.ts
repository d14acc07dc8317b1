import type { StockShortageResolvers } from '../../gen/graphql.js';

export const StockShortage: StockShortageResolvers = {
  product: (shortage, _args, { loaders }) => loaders.product.load(shortage.productId),
};

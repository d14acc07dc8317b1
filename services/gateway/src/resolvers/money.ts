import { formatDecimal } from '@emporium/kit/money.js';
import type { MoneyResolvers } from '../../gen/graphql.js';

export const Money: MoneyResolvers = {
  amount: (money) => formatDecimal(money),
  currencyCode: (money) => money.currencyCode,
};

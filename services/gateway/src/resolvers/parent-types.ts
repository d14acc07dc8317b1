import type { Account } from '@emporium/contracts/emporium/account/v1/account.js';
import type { Product } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import type { Order, OrderLine } from '@emporium/contracts/emporium/order/v1/order.js';
import type { StockShortage } from '@emporium/catalog/client.js';
import type { Money } from '@emporium/kit/money.js';

/*
 * What the resolvers pass around for each GraphQL object type (graphql-codegen "mappers").
 * Objects stay in the backends' generated shapes until a field is asked for: a resolver converts
 * only what the query selects, and a parent can hand its child exactly what the backend returned
 * (an Order's lines become its items without copying).
 */
export type AccountModel = Account;
export type ProductModel = Product;
export type OrderModel = Order;
export type OrderItemModel = OrderLine;
export type StockShortageModel = StockShortage;
/** Exact money from the kit (bigint minor units); Money.amount formats it as a Decimal. */
export type MoneyModel = Money;

export interface PageInfoModel {
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly hasPreviousPage: boolean;
  readonly startCursor: string | null;
}

export interface Edge<T> {
  readonly cursor: string;
  readonly node: T;
}

/** One page of a Relay connection, built once by relay-paging.ts and read field by field. */
export interface Connection<T> {
  readonly edges: readonly Edge<T>[];
  readonly nodes: readonly T[];
  readonly pageInfo: PageInfoModel;
  readonly totalCount: number;
}

export type AccountConnectionModel = Connection<Account>;
export type AccountEdgeModel = Edge<Account>;
export type ProductConnectionModel = Connection<Product>;
export type ProductEdgeModel = Edge<Product>;
export type OrderConnectionModel = Connection<Order>;
export type OrderEdgeModel = Edge<Order>;

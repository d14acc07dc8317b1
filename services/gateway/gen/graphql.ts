import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { AccountModel, ProductModel, OrderModel, OrderItemModel, StockShortageModel, MoneyModel, AccountConnectionModel, AccountEdgeModel, ProductConnectionModel, ProductEdgeModel, OrderConnectionModel, OrderEdgeModel, PageInfoModel } from '../src/resolvers/parent-types.js';
import type { GatewayContext } from '../src/resolvers/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An instant, as an RFC 3339 string in UTC with milliseconds, e.g. "2026-11-24T09:30:00.000Z". */
  DateTime: { input: Date; output: Date; }
  /**
   * An exact decimal number as a string, e.g. "19.99". Never a JSON number: floats cannot hold
   * money exactly. As input, at most as many decimal places as the currency has (2 for USD).
   */
  Decimal: { input: string; output: string; }
};

/** A customer or an administrator. Customers can see only their own account. */
export type Account = {
  __typename?: 'Account';
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** Newest first. `first` is at most 100. */
  orders: OrderConnection;
  role: Role;
};


/** A customer or an administrator. Customers can see only their own account. */
export type AccountOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type AccountConnection = {
  __typename?: 'AccountConnection';
  edges: Array<AccountEdge>;
  nodes: Array<Account>;
  pageInfo: PageInfo;
  /** The number of accounts in the whole result, not just this page. */
  totalCount: Scalars['Int']['output'];
};

export type AccountEdge = {
  __typename?: 'AccountEdge';
  cursor: Scalars['String']['output'];
  node: Account;
};

/**
 * A login: a short-lived access token and a refresh token to get the next one. Browsers also get
 * the refresh token as an httpOnly cookie (see `refreshToken`) and need not keep it anywhere.
 */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  account: Account;
  /** When the access token stops being accepted (ACCESS_TOKEN_TTL_SECONDS, 15 minutes by default). */
  expiresAt: Scalars['DateTime']['output'];
  /**
   * Opaque; exchange it with `refreshToken` for a new access token and a new refresh token. It can
   * be used once: presenting it again after it was used logs out the whole session. Also set as the
   * httpOnly cookie `emporium_refresh` (path /graphql), so browsers need not handle it.
   */
  refreshToken: Scalars['String']['output'];
  /** When the refresh token stops being accepted (REFRESH_TOKEN_TTL_SECONDS, 30 days by default). */
  refreshTokenExpiresAt: Scalars['DateTime']['output'];
  /** The access token, a signed JWT: send it as `Authorization: Bearer <token>`. Keep it in memory, never in localStorage. */
  token: Scalars['String']['output'];
};

export type CancelOrderInput = {
  orderId: Scalars['ID']['input'];
};

export type CreateOrderInput = {
  /** Order on behalf of this account (administrators only). Defaults to the caller's own account. */
  accountId?: InputMaybe<Scalars['ID']['input']>;
  /** Optional. Sending the same key again answers with the same order instead of placing another. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** 1-50 items; items naming the same product are merged. */
  items: Array<OrderItemInput>;
};

export type CreateProductInput = {
  /** At most 5,000 characters. */
  description: Scalars['String']['input'];
  /** 1-200 characters, any script. */
  name: Scalars['String']['input'];
  /** In the store currency, at least zero and at most 10^14 minor units (1000000000000.00 in USD), e.g. "19.99". */
  price: Scalars['Decimal']['input'];
  /** At least zero. */
  stock: Scalars['Int']['input'];
};

export type LogInInput = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

export type LogOutInput = {
  /** A refresh token whose session to end as well; when absent, the one in the `emporium_refresh` cookie. */
  refreshToken?: InputMaybe<Scalars['String']['input']>;
};

export type LogOutPayload = {
  __typename?: 'LogOutPayload';
  /** True when a session was ended; false when there was none to end (already logged out). */
  revoked: Scalars['Boolean']['output'];
};

/** An exact amount of money in one currency. */
export type Money = {
  __typename?: 'Money';
  /** In major units, e.g. "19.99" for 19.99 USD. */
  amount: Scalars['Decimal']['output'];
  /** ISO 4217 code, e.g. "USD". */
  currencyCode: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Cancels a PLACED order of the caller's (any order, for administrators) and returns its stock. */
  cancelOrder: Order;
  /** Needs a logged-in account. OUT_OF_STOCK lists the short products in extensions.shortages. */
  createOrder: Order;
  /** Administrators only. */
  createProduct: Product;
  logIn: AuthPayload;
  /**
   * Ends the session of the request's access token (and of the refresh token given or in the
   * cookie): its refresh tokens and access tokens are refused from now on, on every gateway.
   * Clears the cookie. Needs an access token or a refresh token.
   */
  logOut: LogOutPayload;
  /**
   * Exchanges a refresh token (from the input or the `emporium_refresh` cookie) for a new access
   * token and a new refresh token; the one presented is used up. Reusing a used refresh token ends
   * the whole session (UNAUTHENTICATED). Send it without an expired Authorization header.
   */
  refreshToken: AuthPayload;
  /** Creates a CUSTOMER account and logs it in. */
  signUp: AuthPayload;
  /** Administrators only. */
  updateProduct: Product;
};


export type MutationCancelOrderArgs = {
  input: CancelOrderInput;
};


export type MutationCreateOrderArgs = {
  input: CreateOrderInput;
};


export type MutationCreateProductArgs = {
  input: CreateProductInput;
};


export type MutationLogInArgs = {
  input: LogInInput;
};


export type MutationLogOutArgs = {
  input: LogOutInput;
};


export type MutationRefreshTokenArgs = {
  input: RefreshTokenInput;
};


export type MutationSignUpArgs = {
  input: SignUpInput;
};


export type MutationUpdateProductArgs = {
  input: UpdateProductInput;
};

export type Order = {
  __typename?: 'Order';
  account: Account;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Every line as ordered; see OrderItem for which fields a line has in each status. */
  items: Array<OrderItem>;
  /** Why the order was rejected: set for REJECTED orders, null for every other status. */
  rejection?: Maybe<OrderRejection>;
  /** For a REJECTED order that was short of stock: which products, and what was available. The same as `rejection.shortages`. */
  shortages: Array<StockShortage>;
  status: OrderStatus;
  /** The sum of the items' subtotals. Null for PENDING (not priced yet) and REJECTED (never priced) orders. */
  total?: Maybe<Money>;
  updatedAt: Scalars['DateTime']['output'];
};

export type OrderConnection = {
  __typename?: 'OrderConnection';
  edges: Array<OrderEdge>;
  nodes: Array<Order>;
  pageInfo: PageInfo;
  /** The number of orders in the whole result, not just this page. */
  totalCount: Scalars['Int']['output'];
};

export type OrderEdge = {
  __typename?: 'OrderEdge';
  cursor: Scalars['String']['output'];
  node: Order;
};

/**
 * One line of an order, with the name and price the product had when the order was placed. A line
 * is priced once its order is PLACED (and stays so when CANCELLED); the lines of PENDING and REJECTED
 * orders were never priced and have null `name`, `unitPrice` and `subtotal`.
 */
export type OrderItem = {
  __typename?: 'OrderItem';
  /** The product's name when the order was placed; null when the line was never priced. */
  name?: Maybe<Scalars['String']['output']>;
  /** The product as it is now; null if it does not exist. */
  product?: Maybe<Product>;
  productId: Scalars['ID']['output'];
  quantity: Scalars['Int']['output'];
  /** unitPrice × quantity; null when the line was never priced. */
  subtotal?: Maybe<Money>;
  /** The price of one unit when the order was placed; null when the line was never priced. */
  unitPrice?: Maybe<Money>;
};

export type OrderItemInput = {
  productId: Scalars['ID']['input'];
  /** 1-1,000. */
  quantity: Scalars['Int']['input'];
};

/** Why a REJECTED order was rejected. Nothing is held for a rejected order. */
export type OrderRejection = {
  __typename?: 'OrderRejection';
  /** For people; the wording may change, `reason` does not. */
  message: Scalars['String']['output'];
  reason: OrderRejectionReason;
  /** With OUT_OF_STOCK: every short product, with what was available. Empty otherwise. */
  shortages: Array<StockShortage>;
};

/** Why an order was rejected. */
export type OrderRejectionReason =
  /** A reason this version of the API does not know. */
  | 'OTHER'
  /** Some products had fewer units than ordered: `shortages` lists each. */
  | 'OUT_OF_STOCK'
  /** Some product has a price above the maximum (data from before there was one); it cannot be ordered until it is repriced. */
  | 'PRICE_OUT_OF_RANGE'
  /** Some product does not exist. */
  | 'PRODUCT_NOT_FOUND'
  /** The stock could not be confirmed in time, so the order was given up; nothing is held. */
  | 'TIMED_OUT'
  /** The total would exceed the largest amount an order can hold; order fewer units. */
  | 'TOTAL_OUT_OF_RANGE';

/**
 * Where an order stands. What each status has: PLACED and CANCELLED orders are priced (`total`, and
 * each item's `name`, `unitPrice` and `subtotal`, as they were when the stock was reserved); PENDING
 * and REJECTED orders were never priced, so those fields are null; only REJECTED orders have a
 * `rejection`.
 */
export type OrderStatus =
  /** Was placed, then cancelled; the stock went back. Keeps the prices it was placed at. */
  | 'CANCELLED'
  /** Written, stock not yet confirmed (a moment, or until the catalog answers again). Not priced yet. */
  | 'PENDING'
  /** Stock reserved; the order stands. Priced. */
  | 'PLACED'
  /** Could not be placed; nothing is held. `rejection` says why. Never priced. */
  | 'REJECTED';

/** Where a page of a connection ends (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last edge: pass it as `after` for the next page. Null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  /** True when the page was asked for with `after` and something came before it. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first edge; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** Something for sale. Anyone may read products. */
export type Product = {
  __typename?: 'Product';
  createdAt: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  price: Money;
  /** Units available to order. */
  stock: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type ProductConnection = {
  __typename?: 'ProductConnection';
  edges: Array<ProductEdge>;
  nodes: Array<Product>;
  pageInfo: PageInfo;
  /** The number of products in the whole result, not just this page. */
  totalCount: Scalars['Int']['output'];
};

export type ProductEdge = {
  __typename?: 'ProductEdge';
  cursor: Scalars['String']['output'];
  node: Product;
};

export type Query = {
  __typename?: 'Query';
  /** Customers may read only their own account; any other id is NOT_FOUND. */
  account?: Maybe<Account>;
  /** Administrators only. Newest first; `first` is at most 100. */
  accounts: AccountConnection;
  /** Customers may read only their own orders; any other id is NOT_FOUND. */
  order?: Maybe<Order>;
  product?: Maybe<Product>;
  /** Newest first, or with `query` a full-text search, best match first. `first` is at most 100. */
  products: ProductConnection;
  /** The account the request's token belongs to; null without a token. */
  viewer?: Maybe<Account>;
};


export type QueryAccountArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAccountsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  query?: InputMaybe<Scalars['String']['input']>;
};

/** Browsers give `{}` and send the cookie. */
export type RefreshTokenInput = {
  /** The refresh token; when absent, the one in the `emporium_refresh` cookie. */
  refreshToken?: InputMaybe<Scalars['String']['input']>;
};

export type Role =
  | 'ADMIN'
  | 'CUSTOMER';

export type SignUpInput = {
  email: Scalars['String']['input'];
  /** 1-100 characters, any script. */
  name: Scalars['String']['input'];
  /** At least 8 characters. */
  password: Scalars['String']['input'];
};

/** A product that had fewer units than were ordered. */
export type StockShortage = {
  __typename?: 'StockShortage';
  available: Scalars['Int']['output'];
  product?: Maybe<Product>;
  productId: Scalars['ID']['output'];
  requested: Scalars['Int']['output'];
};

/** Changes only the fields given; at least one is required. */
export type UpdateProductInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
  /** As in CreateProductInput: at least zero, at most 10^14 minor units. */
  price?: InputMaybe<Scalars['Decimal']['input']>;
  stock?: InputMaybe<Scalars['Int']['input']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Account: ResolverTypeWrapper<AccountModel>;
  AccountConnection: ResolverTypeWrapper<AccountConnectionModel>;
  AccountEdge: ResolverTypeWrapper<AccountEdgeModel>;
  AuthPayload: ResolverTypeWrapper<Omit<AuthPayload, 'account'> & { account: ResolversTypes['Account'] }>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CancelOrderInput: CancelOrderInput;
  CreateOrderInput: CreateOrderInput;
  CreateProductInput: CreateProductInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Decimal: ResolverTypeWrapper<Scalars['Decimal']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  LogInInput: LogInInput;
  LogOutInput: LogOutInput;
  LogOutPayload: ResolverTypeWrapper<LogOutPayload>;
  Money: ResolverTypeWrapper<MoneyModel>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Order: ResolverTypeWrapper<OrderModel>;
  OrderConnection: ResolverTypeWrapper<OrderConnectionModel>;
  OrderEdge: ResolverTypeWrapper<OrderEdgeModel>;
  OrderItem: ResolverTypeWrapper<OrderItemModel>;
  OrderItemInput: OrderItemInput;
  OrderRejection: ResolverTypeWrapper<Omit<OrderRejection, 'shortages'> & { shortages: Array<ResolversTypes['StockShortage']> }>;
  OrderRejectionReason: OrderRejectionReason;
  OrderStatus: OrderStatus;
  PageInfo: ResolverTypeWrapper<PageInfoModel>;
  Product: ResolverTypeWrapper<ProductModel>;
  ProductConnection: ResolverTypeWrapper<ProductConnectionModel>;
  ProductEdge: ResolverTypeWrapper<ProductEdgeModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RefreshTokenInput: RefreshTokenInput;
  Role: Role;
  SignUpInput: SignUpInput;
  StockShortage: ResolverTypeWrapper<StockShortageModel>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  UpdateProductInput: UpdateProductInput;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Account: AccountModel;
  AccountConnection: AccountConnectionModel;
  AccountEdge: AccountEdgeModel;
  AuthPayload: Omit<AuthPayload, 'account'> & { account: ResolversParentTypes['Account'] };
  Boolean: Scalars['Boolean']['output'];
  CancelOrderInput: CancelOrderInput;
  CreateOrderInput: CreateOrderInput;
  CreateProductInput: CreateProductInput;
  DateTime: Scalars['DateTime']['output'];
  Decimal: Scalars['Decimal']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  LogInInput: LogInInput;
  LogOutInput: LogOutInput;
  LogOutPayload: LogOutPayload;
  Money: MoneyModel;
  Mutation: Record<PropertyKey, never>;
  Order: OrderModel;
  OrderConnection: OrderConnectionModel;
  OrderEdge: OrderEdgeModel;
  OrderItem: OrderItemModel;
  OrderItemInput: OrderItemInput;
  OrderRejection: Omit<OrderRejection, 'shortages'> & { shortages: Array<ResolversParentTypes['StockShortage']> };
  PageInfo: PageInfoModel;
  Product: ProductModel;
  ProductConnection: ProductConnectionModel;
  ProductEdge: ProductEdgeModel;
  Query: Record<PropertyKey, never>;
  RefreshTokenInput: RefreshTokenInput;
  SignUpInput: SignUpInput;
  StockShortage: StockShortageModel;
  String: Scalars['String']['output'];
  UpdateProductInput: UpdateProductInput;
};

export type AccountResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  email?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  orders?: Resolver<ResolversTypes['OrderConnection'], ParentType, ContextType, RequireFields<AccountOrdersArgs, 'first'>>;
  role?: Resolver<ResolversTypes['Role'], ParentType, ContextType>;
};

export type AccountConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AccountConnection'] = ResolversParentTypes['AccountConnection']> = {
  edges?: Resolver<Array<ResolversTypes['AccountEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Account']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type AccountEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AccountEdge'] = ResolversParentTypes['AccountEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
};

export type AuthPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['AuthPayload'] = ResolversParentTypes['AuthPayload']> = {
  account?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  refreshToken?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  refreshTokenExpiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface DecimalScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Decimal'], any> {
  name: 'Decimal';
}

export type LogOutPayloadResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['LogOutPayload'] = ResolversParentTypes['LogOutPayload']> = {
  revoked?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type MoneyResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = {
  amount?: Resolver<ResolversTypes['Decimal'], ParentType, ContextType>;
  currencyCode?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'input'>>;
  createOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationCreateOrderArgs, 'input'>>;
  createProduct?: Resolver<ResolversTypes['Product'], ParentType, ContextType, RequireFields<MutationCreateProductArgs, 'input'>>;
  logIn?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationLogInArgs, 'input'>>;
  logOut?: Resolver<ResolversTypes['LogOutPayload'], ParentType, ContextType, RequireFields<MutationLogOutArgs, 'input'>>;
  refreshToken?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationRefreshTokenArgs, 'input'>>;
  signUp?: Resolver<ResolversTypes['AuthPayload'], ParentType, ContextType, RequireFields<MutationSignUpArgs, 'input'>>;
  updateProduct?: Resolver<ResolversTypes['Product'], ParentType, ContextType, RequireFields<MutationUpdateProductArgs, 'input'>>;
};

export type OrderResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order']> = {
  account?: Resolver<ResolversTypes['Account'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['OrderItem']>, ParentType, ContextType>;
  rejection?: Resolver<Maybe<ResolversTypes['OrderRejection']>, ParentType, ContextType>;
  shortages?: Resolver<Array<ResolversTypes['StockShortage']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  total?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type OrderConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = {
  edges?: Resolver<Array<ResolversTypes['OrderEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type OrderEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['OrderEdge'] = ResolversParentTypes['OrderEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
};

export type OrderItemResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['OrderItem'] = ResolversParentTypes['OrderItem']> = {
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  subtotal?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  unitPrice?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
};

export type OrderRejectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['OrderRejection'] = ResolversParentTypes['OrderRejection']> = {
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['OrderRejectionReason'], ParentType, ContextType>;
  shortages?: Resolver<Array<ResolversTypes['StockShortage']>, ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ProductResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  price?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  stock?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
};

export type ProductConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ProductConnection'] = ResolversParentTypes['ProductConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ProductEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Product']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ProductEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['ProductEdge'] = ResolversParentTypes['ProductEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  account?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType, RequireFields<QueryAccountArgs, 'id'>>;
  accounts?: Resolver<ResolversTypes['AccountConnection'], ParentType, ContextType, RequireFields<QueryAccountsArgs, 'first'>>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
  products?: Resolver<ResolversTypes['ProductConnection'], ParentType, ContextType, RequireFields<QueryProductsArgs, 'first'>>;
  viewer?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType>;
};

export type StockShortageResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['StockShortage'] = ResolversParentTypes['StockShortage']> = {
  available?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  requested?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GatewayContext> = {
  Account?: AccountResolvers<ContextType>;
  AccountConnection?: AccountConnectionResolvers<ContextType>;
  AccountEdge?: AccountEdgeResolvers<ContextType>;
  AuthPayload?: AuthPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Decimal?: GraphQLScalarType;
  LogOutPayload?: LogOutPayloadResolvers<ContextType>;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEdge?: OrderEdgeResolvers<ContextType>;
  OrderItem?: OrderItemResolvers<ContextType>;
  OrderRejection?: OrderRejectionResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  ProductConnection?: ProductConnectionResolvers<ContextType>;
  ProductEdge?: ProductEdgeResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StockShortage?: StockShortageResolvers<ContextType>;
};


/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CancelOrderInput = {
  orderId: string;
};

export type CreateOrderInput = {
  /** Order on behalf of this account (administrators only). Defaults to the caller's own account. */
  accountId?: string | null | undefined;
  /** Optional. Sending the same key again answers with the same order instead of placing another. */
  idempotencyKey?: string | null | undefined;
  /** 1-50 items; items naming the same product are merged. */
  items: Array<OrderItemInput>;
};

export type CreateProductInput = {
  /** At most 5,000 characters. */
  description: string;
  /** 1-200 characters, any script. */
  name: string;
  /** In the store currency, at least zero and at most 10^14 minor units (1000000000000.00 in USD), e.g. "19.99". */
  price: string;
  /** At least zero. */
  stock: number;
};

export type LogInInput = {
  email: string;
  password: string;
};

export type OrderItemInput = {
  productId: string;
  /** 1-1,000. */
  quantity: number;
};

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

export type Role =
  | 'ADMIN'
  | 'CUSTOMER';

export type SignUpInput = {
  email: string;
  /** 1-100 characters, any script. */
  name: string;
  /** At least 8 characters. */
  password: string;
};

/** Changes only the fields given; at least one is required. */
export type UpdateProductInput = {
  description?: string | null | undefined;
  id: string;
  name?: string | null | undefined;
  /** As in CreateProductInput: at least zero, at most 10^14 minor units. */
  price?: string | null | undefined;
  stock?: number | null | undefined;
};

export type SessionFieldsFragment = { token: string, expiresAt: string, account: { id: string, name: string, email: string, role: Role } };

export type RefreshMutationVariables = Exact<{ [key: string]: never; }>;


export type RefreshMutation = { refreshToken: { token: string, expiresAt: string, account: { id: string, name: string, email: string, role: Role } } };

export type LogInMutationVariables = Exact<{
  input: LogInInput;
}>;


export type LogInMutation = { logIn: { token: string, expiresAt: string, account: { id: string, name: string, email: string, role: Role } } };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { signUp: { token: string, expiresAt: string, account: { id: string, name: string, email: string, role: Role } } };

export type LogOutMutationVariables = Exact<{ [key: string]: never; }>;


export type LogOutMutation = { logOut: { revoked: boolean } };

export type CreateProductMutationVariables = Exact<{
  input: CreateProductInput;
}>;


export type CreateProductMutation = { createProduct: { id: string, name: string } };

export type AdminOverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type AdminOverviewQuery = { products: { totalCount: number, nodes: Array<{ id: string, name: string, stock: number, price: { amount: string, currencyCode: string } }> }, accounts: { totalCount: number, nodes: Array<{ id: string, name: string, email: string, role: Role, orders: { totalCount: number, nodes: Array<{ id: string, status: OrderStatus, createdAt: string, total: { amount: string, currencyCode: string } | null }> } }> } };

export type CartProductQueryVariables = Exact<{
  id: string;
}>;


export type CartProductQuery = { product: { id: string, name: string, stock: number, price: { amount: string, currencyCode: string } } | null };

export type PlaceOrderMutationVariables = Exact<{
  input: CreateOrderInput;
}>;


export type PlaceOrderMutation = { createOrder: { id: string, status: OrderStatus } };

export type MyOrdersQueryVariables = Exact<{ [key: string]: never; }>;


export type MyOrdersQuery = { viewer: { id: string, orders: { totalCount: number, nodes: Array<{ id: string, status: OrderStatus, createdAt: string, total: { amount: string, currencyCode: string } | null, items: Array<{ productId: string, name: string | null, quantity: number, unitPrice: { amount: string, currencyCode: string } | null, subtotal: { amount: string, currencyCode: string } | null, product: { name: string } | null }>, rejection: { message: string } | null }> } } | null };

export type OrderFieldsFragment = { id: string, status: OrderStatus, createdAt: string, total: { amount: string, currencyCode: string } | null, items: Array<{ productId: string, name: string | null, quantity: number, unitPrice: { amount: string, currencyCode: string } | null, subtotal: { amount: string, currencyCode: string } | null, product: { name: string } | null }>, rejection: { message: string } | null };

export type CancelOrderMutationVariables = Exact<{
  input: CancelOrderInput;
}>;


export type CancelOrderMutation = { cancelOrder: { id: string, status: OrderStatus } };

export type EditProductQueryVariables = Exact<{
  id: string;
}>;


export type EditProductQuery = { product: { id: string, name: string, description: string, stock: number, price: { amount: string } } | null };

export type UpdateProductMutationVariables = Exact<{
  input: UpdateProductInput;
}>;


export type UpdateProductMutation = { updateProduct: { id: string, updatedAt: string } };

export type ProductQueryVariables = Exact<{
  id: string;
}>;


export type ProductQuery = { product: { id: string, name: string, description: string, stock: number, price: { amount: string, currencyCode: string } } | null };

export type ProductsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
  query?: string | null | undefined;
}>;


export type ProductsQuery = { products: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, name: string, stock: number, price: { amount: string, currencyCode: string } }> } };

export type ProductSummaryFragment = { id: string, name: string, stock: number, price: { amount: string, currencyCode: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const SessionFieldsFragmentDoc = new TypedDocumentString(`
    fragment SessionFields on AuthPayload {
  token
  expiresAt
  account {
    id
    name
    email
    role
  }
}
    `, {"fragmentName":"SessionFields"}) as unknown as TypedDocumentString<SessionFieldsFragment, unknown>;
export const OrderFieldsFragmentDoc = new TypedDocumentString(`
    fragment OrderFields on Order {
  id
  status
  createdAt
  total {
    amount
    currencyCode
  }
  items {
    productId
    name
    quantity
    unitPrice {
      amount
      currencyCode
    }
    subtotal {
      amount
      currencyCode
    }
    product {
      name
    }
  }
  rejection {
    message
  }
}
    `, {"fragmentName":"OrderFields"}) as unknown as TypedDocumentString<OrderFieldsFragment, unknown>;
export const ProductSummaryFragmentDoc = new TypedDocumentString(`
    fragment ProductSummary on Product {
  id
  name
  price {
    amount
    currencyCode
  }
  stock
}
    `, {"fragmentName":"ProductSummary"}) as unknown as TypedDocumentString<ProductSummaryFragment, unknown>;
export const RefreshDocument = new TypedDocumentString(`
    mutation Refresh {
  refreshToken(input: {}) {
    ...SessionFields
  }
}
    fragment SessionFields on AuthPayload {
  token
  expiresAt
  account {
    id
    name
    email
    role
  }
}`) as unknown as TypedDocumentString<RefreshMutation, RefreshMutationVariables>;
export const LogInDocument = new TypedDocumentString(`
    mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on AuthPayload {
  token
  expiresAt
  account {
    id
    name
    email
    role
  }
}`) as unknown as TypedDocumentString<LogInMutation, LogInMutationVariables>;
export const SignUpDocument = new TypedDocumentString(`
    mutation SignUp($input: SignUpInput!) {
  signUp(input: $input) {
    ...SessionFields
  }
}
    fragment SessionFields on AuthPayload {
  token
  expiresAt
  account {
    id
    name
    email
    role
  }
}`) as unknown as TypedDocumentString<SignUpMutation, SignUpMutationVariables>;
export const LogOutDocument = new TypedDocumentString(`
    mutation LogOut {
  logOut(input: {}) {
    revoked
  }
}
    `) as unknown as TypedDocumentString<LogOutMutation, LogOutMutationVariables>;
export const CreateProductDocument = new TypedDocumentString(`
    mutation CreateProduct($input: CreateProductInput!) {
  createProduct(input: $input) {
    id
    name
  }
}
    `) as unknown as TypedDocumentString<CreateProductMutation, CreateProductMutationVariables>;
export const AdminOverviewDocument = new TypedDocumentString(`
    query AdminOverview {
  products(first: 50) {
    totalCount
    nodes {
      ...ProductSummary
    }
  }
  accounts(first: 50) {
    totalCount
    nodes {
      id
      name
      email
      role
      orders(first: 10) {
        totalCount
        nodes {
          id
          status
          createdAt
          total {
            amount
            currencyCode
          }
        }
      }
    }
  }
}
    fragment ProductSummary on Product {
  id
  name
  price {
    amount
    currencyCode
  }
  stock
}`) as unknown as TypedDocumentString<AdminOverviewQuery, AdminOverviewQueryVariables>;
export const CartProductDocument = new TypedDocumentString(`
    query CartProduct($id: ID!) {
  product(id: $id) {
    ...ProductSummary
  }
}
    fragment ProductSummary on Product {
  id
  name
  price {
    amount
    currencyCode
  }
  stock
}`) as unknown as TypedDocumentString<CartProductQuery, CartProductQueryVariables>;
export const PlaceOrderDocument = new TypedDocumentString(`
    mutation PlaceOrder($input: CreateOrderInput!) {
  createOrder(input: $input) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<PlaceOrderMutation, PlaceOrderMutationVariables>;
export const MyOrdersDocument = new TypedDocumentString(`
    query MyOrders {
  viewer {
    id
    orders(first: 50) {
      totalCount
      nodes {
        ...OrderFields
      }
    }
  }
}
    fragment OrderFields on Order {
  id
  status
  createdAt
  total {
    amount
    currencyCode
  }
  items {
    productId
    name
    quantity
    unitPrice {
      amount
      currencyCode
    }
    subtotal {
      amount
      currencyCode
    }
    product {
      name
    }
  }
  rejection {
    message
  }
}`) as unknown as TypedDocumentString<MyOrdersQuery, MyOrdersQueryVariables>;
export const CancelOrderDocument = new TypedDocumentString(`
    mutation CancelOrder($input: CancelOrderInput!) {
  cancelOrder(input: $input) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<CancelOrderMutation, CancelOrderMutationVariables>;
export const EditProductDocument = new TypedDocumentString(`
    query EditProduct($id: ID!) {
  product(id: $id) {
    id
    name
    description
    price {
      amount
    }
    stock
  }
}
    `) as unknown as TypedDocumentString<EditProductQuery, EditProductQueryVariables>;
export const UpdateProductDocument = new TypedDocumentString(`
    mutation UpdateProduct($input: UpdateProductInput!) {
  updateProduct(input: $input) {
    id
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<UpdateProductMutation, UpdateProductMutationVariables>;
export const ProductDocument = new TypedDocumentString(`
    query Product($id: ID!) {
  product(id: $id) {
    id
    name
    description
    price {
      amount
      currencyCode
    }
    stock
  }
}
    `) as unknown as TypedDocumentString<ProductQuery, ProductQueryVariables>;
export const ProductsDocument = new TypedDocumentString(`
    query Products($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    nodes {
      ...ProductSummary
    }
  }
}
    fragment ProductSummary on Product {
  id
  name
  price {
    amount
    currencyCode
  }
  stock
}`) as unknown as TypedDocumentString<ProductsQuery, ProductsQueryVariables>;
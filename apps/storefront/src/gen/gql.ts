/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment SessionFields on AuthPayload {\n    token\n    expiresAt\n    account {\n      id\n      name\n      email\n      role\n    }\n  }\n": typeof types.SessionFieldsFragmentDoc,
    "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...SessionFields\n    }\n  }\n": typeof types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...SessionFields\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  mutation LogOut {\n    logOut(input: {}) {\n      revoked\n    }\n  }\n": typeof types.LogOutDocument,
    "\n  mutation CreateProduct($input: CreateProductInput!) {\n    createProduct(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateProductDocument,
    "\n  query AdminOverview {\n    products(first: 50) {\n      totalCount\n      nodes {\n        ...ProductSummary\n      }\n    }\n    accounts(first: 50) {\n      totalCount\n      nodes {\n        id\n        name\n        email\n        role\n        orders(first: 10) {\n          totalCount\n          nodes {\n            id\n            status\n            createdAt\n            total {\n              amount\n              currencyCode\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.AdminOverviewDocument,
    "\n  query CartProduct($id: ID!) {\n    product(id: $id) {\n      ...ProductSummary\n    }\n  }\n": typeof types.CartProductDocument,
    "\n  mutation PlaceOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  query MyOrders {\n    viewer {\n      id\n      orders(first: 50) {\n        totalCount\n        nodes {\n          ...OrderFields\n        }\n      }\n    }\n  }\n": typeof types.MyOrdersDocument,
    "\n  fragment OrderFields on Order {\n    id\n    status\n    createdAt\n    total {\n      amount\n      currencyCode\n    }\n    items {\n      productId\n      name\n      quantity\n      unitPrice {\n        amount\n        currencyCode\n      }\n      subtotal {\n        amount\n        currencyCode\n      }\n      product {\n        name\n      }\n    }\n    rejection {\n      message\n    }\n  }\n": typeof types.OrderFieldsFragmentDoc,
    "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) {\n      id\n      status\n    }\n  }\n": typeof types.CancelOrderDocument,
    "\n  query EditProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n      }\n      stock\n    }\n  }\n": typeof types.EditProductDocument,
    "\n  mutation UpdateProduct($input: UpdateProductInput!) {\n    updateProduct(input: $input) {\n      id\n      updatedAt\n    }\n  }\n": typeof types.UpdateProductDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n        currencyCode\n      }\n      stock\n    }\n  }\n": typeof types.ProductDocument,
    "\n  query Products($first: Int!, $after: String, $query: String) {\n    products(first: $first, after: $after, query: $query) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductSummary\n      }\n    }\n  }\n": typeof types.ProductsDocument,
    "\n  fragment ProductSummary on Product {\n    id\n    name\n    price {\n      amount\n      currencyCode\n    }\n    stock\n  }\n": typeof types.ProductSummaryFragmentDoc,
};
const documents: Documents = {
    "\n  fragment SessionFields on AuthPayload {\n    token\n    expiresAt\n    account {\n      id\n      name\n      email\n      role\n    }\n  }\n": types.SessionFieldsFragmentDoc,
    "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n": types.RefreshDocument,
    "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...SessionFields\n    }\n  }\n": types.LogInDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...SessionFields\n    }\n  }\n": types.SignUpDocument,
    "\n  mutation LogOut {\n    logOut(input: {}) {\n      revoked\n    }\n  }\n": types.LogOutDocument,
    "\n  mutation CreateProduct($input: CreateProductInput!) {\n    createProduct(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateProductDocument,
    "\n  query AdminOverview {\n    products(first: 50) {\n      totalCount\n      nodes {\n        ...ProductSummary\n      }\n    }\n    accounts(first: 50) {\n      totalCount\n      nodes {\n        id\n        name\n        email\n        role\n        orders(first: 10) {\n          totalCount\n          nodes {\n            id\n            status\n            createdAt\n            total {\n              amount\n              currencyCode\n            }\n          }\n        }\n      }\n    }\n  }\n": types.AdminOverviewDocument,
    "\n  query CartProduct($id: ID!) {\n    product(id: $id) {\n      ...ProductSummary\n    }\n  }\n": types.CartProductDocument,
    "\n  mutation PlaceOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      id\n      status\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  query MyOrders {\n    viewer {\n      id\n      orders(first: 50) {\n        totalCount\n        nodes {\n          ...OrderFields\n        }\n      }\n    }\n  }\n": types.MyOrdersDocument,
    "\n  fragment OrderFields on Order {\n    id\n    status\n    createdAt\n    total {\n      amount\n      currencyCode\n    }\n    items {\n      productId\n      name\n      quantity\n      unitPrice {\n        amount\n        currencyCode\n      }\n      subtotal {\n        amount\n        currencyCode\n      }\n      product {\n        name\n      }\n    }\n    rejection {\n      message\n    }\n  }\n": types.OrderFieldsFragmentDoc,
    "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) {\n      id\n      status\n    }\n  }\n": types.CancelOrderDocument,
    "\n  query EditProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n      }\n      stock\n    }\n  }\n": types.EditProductDocument,
    "\n  mutation UpdateProduct($input: UpdateProductInput!) {\n    updateProduct(input: $input) {\n      id\n      updatedAt\n    }\n  }\n": types.UpdateProductDocument,
    "\n  query Product($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n        currencyCode\n      }\n      stock\n    }\n  }\n": types.ProductDocument,
    "\n  query Products($first: Int!, $after: String, $query: String) {\n    products(first: $first, after: $after, query: $query) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductSummary\n      }\n    }\n  }\n": types.ProductsDocument,
    "\n  fragment ProductSummary on Product {\n    id\n    name\n    price {\n      amount\n      currencyCode\n    }\n    stock\n  }\n": types.ProductSummaryFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionFields on AuthPayload {\n    token\n    expiresAt\n    account {\n      id\n      name\n      email\n      role\n    }\n  }\n"): typeof import('./graphql').SessionFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n"): typeof import('./graphql').RefreshDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogIn($input: LogInInput!) {\n    logIn(input: $input) {\n      ...SessionFields\n    }\n  }\n"): typeof import('./graphql').LogInDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...SessionFields\n    }\n  }\n"): typeof import('./graphql').SignUpDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LogOut {\n    logOut(input: {}) {\n      revoked\n    }\n  }\n"): typeof import('./graphql').LogOutDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateProduct($input: CreateProductInput!) {\n    createProduct(input: $input) {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql').CreateProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminOverview {\n    products(first: 50) {\n      totalCount\n      nodes {\n        ...ProductSummary\n      }\n    }\n    accounts(first: 50) {\n      totalCount\n      nodes {\n        id\n        name\n        email\n        role\n        orders(first: 10) {\n          totalCount\n          nodes {\n            id\n            status\n            createdAt\n            total {\n              amount\n              currencyCode\n            }\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').AdminOverviewDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CartProduct($id: ID!) {\n    product(id: $id) {\n      ...ProductSummary\n    }\n  }\n"): typeof import('./graphql').CartProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: CreateOrderInput!) {\n    createOrder(input: $input) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').PlaceOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrders {\n    viewer {\n      id\n      orders(first: 50) {\n        totalCount\n        nodes {\n          ...OrderFields\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').MyOrdersDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrderFields on Order {\n    id\n    status\n    createdAt\n    total {\n      amount\n      currencyCode\n    }\n    items {\n      productId\n      name\n      quantity\n      unitPrice {\n        amount\n        currencyCode\n      }\n      subtotal {\n        amount\n        currencyCode\n      }\n      product {\n        name\n      }\n    }\n    rejection {\n      message\n    }\n  }\n"): typeof import('./graphql').OrderFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($input: CancelOrderInput!) {\n    cancelOrder(input: $input) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').CancelOrderDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EditProduct($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n      }\n      stock\n    }\n  }\n"): typeof import('./graphql').EditProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProduct($input: UpdateProductInput!) {\n    updateProduct(input: $input) {\n      id\n      updatedAt\n    }\n  }\n"): typeof import('./graphql').UpdateProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Product($id: ID!) {\n    product(id: $id) {\n      id\n      name\n      description\n      price {\n        amount\n        currencyCode\n      }\n      stock\n    }\n  }\n"): typeof import('./graphql').ProductDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Products($first: Int!, $after: String, $query: String) {\n    products(first: $first, after: $after, query: $query) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        ...ProductSummary\n      }\n    }\n  }\n"): typeof import('./graphql').ProductsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProductSummary on Product {\n    id\n    name\n    price {\n      amount\n      currencyCode\n    }\n    stock\n  }\n"): typeof import('./graphql').ProductSummaryFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

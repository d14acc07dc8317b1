/*
 * The graphql runtime, from the one copy Mercurius and graphql-jit use. graphql 16 ships both
 * CommonJS (index.js, what `require('graphql')` and Node's own `import` load) and ESM
 * (index.mjs, what bundlers such as Vite, and so the test runner, pick from "module"). Two copies
 * in one process break graphql's instanceof checks ("Cannot use GraphQLObjectType from another
 * module or realm"), so values shared with Mercurius come from the CommonJS file under either
 * loader. Types may come from 'graphql' directly.
 */
export {
  GraphQLError,
  GraphQLScalarType,
  Kind,
  Lexer,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  Source,
  TokenKind,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  getNamedType,
  getIntrospectionQuery,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  valueFromAST,
} from 'graphql/index.js';

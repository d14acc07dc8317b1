/** Types that tie a ts-proto (outputServices=grpc-js) service definition to plain async functions. */

/** The shape ts-proto generates for every method of a service definition. */
export interface MethodDefinitionLike {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: never) => Buffer;
  readonly requestDeserialize: (value: Buffer) => unknown;
  readonly responseSerialize: (value: never) => Buffer;
  readonly responseDeserialize: (value: Buffer) => unknown;
}

export type ServiceDefinitionLike = Record<string, MethodDefinitionLike>;

export type RequestOf<M> = M extends { readonly requestDeserialize: (value: Buffer) => infer Req } ? Req : never;
export type ResponseOf<M> = M extends { readonly responseDeserialize: (value: Buffer) => infer Res } ? Res : never;

/** A service implemented as one async function per RPC. */
export type Handlers<S extends ServiceDefinitionLike> = {
  [K in keyof S]: (request: RequestOf<S[K]>) => Promise<ResponseOf<S[K]>>;
};

/** "/emporium.account.v1.AccountService/CreateAccount" -> "emporium.account.v1.AccountService" */
export function serviceNameOf(definition: ServiceDefinitionLike): string {
  const [first] = Object.values(definition);
  const name = first?.path.split('/')[1];
  if (name === undefined || name === '') throw new Error('service definition has no methods');
  return name;
}

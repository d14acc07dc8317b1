/**
 * Domain errors: what went wrong, in the terms of the domain. The gRPC adapter maps them to
 * status codes once (grpc-errors.ts); the gateway maps them to GraphQL codes once.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'INTERNAL';

/**
 * A detail in the raising service's own contract, packed as google.protobuf.Any packs one: the
 * message's type URL and its encoded bytes. The kit carries it without knowing what it says.
 */
export interface PackedDetail {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/** A generated message that can be packed as a detail: its type URL and how to encode and decode it. */
export interface DetailType<T> {
  readonly typeUrl: string;
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** The shape ts-proto generates for every message. */
interface MessageFns<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** A detail type from generated code: `detailType(protobufPackage, 'StockShortageDetail', StockShortageDetail)`. */
export function detailType<T>(protobufPackage: string, name: string, fns: MessageFns<T>): DetailType<T> {
  return {
    typeUrl: `type.googleapis.com/${protobufPackage}.${name}`,
    encode: (message) => fns.encode(message).finish(),
    decode: (bytes) => fns.decode(bytes),
  };
}

export function packDetail<T>(type: DetailType<T>, message: T): PackedDetail {
  return { typeUrl: type.typeUrl, value: type.encode(message) };
}

/** The error's detail of this type, decoded; undefined when it has none (or none that decodes). */
export function detailOf<T>(error: DomainError, type: DetailType<T>): T | undefined {
  const packed = error.attached.find((detail) => detail.typeUrl === type.typeUrl);
  if (packed === undefined) return undefined;
  try {
    return type.decode(packed.value);
  } catch {
    return undefined;
  }
}

export interface ErrorDetails {
  /** Stable machine-readable reason; defaults to the kind. */
  readonly reason?: string;
  /** The request field at fault, e.g. "email" or "lines[2].quantity". */
  readonly field?: string;
  /** For RESOURCE_EXHAUSTED: how long to wait before trying again (milliseconds). */
  readonly retryAfterMs?: number;
  /** The raising service's own details (packDetail), e.g. which products were short of stock. */
  readonly attached?: readonly PackedDetail[];
  /**
   * Deprecated fields of emporium.type.v1.ErrorDetail, encoded by the service that raises the
   * error, which older callers still read. The kit sends them ahead of its own fields (protobuf
   * merges concatenated messages) without knowing what they say; a client keeps those it received,
   * so a reader can fall back to them when an older server sent nothing else.
   */
  readonly legacyDetail?: Uint8Array;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly reason: string;
  readonly field: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attached: readonly PackedDetail[];
  readonly legacyDetail: Uint8Array | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    details: ErrorDetails = {},
  ) {
    super(message);
    this.reason = details.reason ?? kind;
    this.field = details.field;
    this.retryAfterMs = details.retryAfterMs;
    this.attached = details.attached ?? [];
    this.legacyDetail = details.legacyDetail;
  }

  /** The details this error was made with, so a copy with another message keeps all of them. */
  get details(): ErrorDetails {
    return {
      reason: this.reason,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      attached: this.attached,
      ...(this.legacyDetail === undefined ? {} : { legacyDetail: this.legacyDetail }),
    };
  }
}

export const invalidArgument = (field: string, message: string): DomainError =>
  new DomainError('INVALID_ARGUMENT', `${field}: ${message}`, { field, reason: 'INVALID_FIELD' });

/** "field: message" when the error is about one request field, so the message names it. */
const withField = (kind: ErrorKind, message: string, field: string | undefined): DomainError =>
  field === undefined ? new DomainError(kind, message) : new DomainError(kind, `${field}: ${message}`, { field });

export const notFound = (message: string, field?: string): DomainError => withField('NOT_FOUND', message, field);

export const alreadyExists = (message: string, field?: string): DomainError =>
  withField('ALREADY_EXISTS', message, field);

export const failedPrecondition = (message: string, details: ErrorDetails = {}): DomainError =>
  new DomainError('FAILED_PRECONDITION', message, details);

export const unauthenticated = (message: string): DomainError => new DomainError('UNAUTHENTICATED', message);

export const permissionDenied = (message: string): DomainError => new DomainError('PERMISSION_DENIED', message);

export const unavailable = (message: string): DomainError => new DomainError('UNAVAILABLE', message);

/**
 * The server is busy (a full queue, a spent budget): the call was not run, and may be sent again
 * after `retryAfterMs`. Callers see RESOURCE_EXHAUSTED (gRPC) or TOO_MANY_REQUESTS (GraphQL, 429).
 */
export const resourceExhausted = (message: string, retryAfterMs: number, reason = 'RESOURCE_EXHAUSTED'): DomainError =>
  new DomainError('RESOURCE_EXHAUSTED', message, { reason, retryAfterMs: Math.max(0, Math.ceil(retryAfterMs)) });

export function isDomainError(error: unknown, kind?: ErrorKind): error is DomainError {
  return error instanceof DomainError && (kind === undefined || error.kind === kind);
}

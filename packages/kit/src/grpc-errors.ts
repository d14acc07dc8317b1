import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { ErrorDetail } from '@emporium/contracts/emporium/type/v1/error.js';
import { DomainError, type ErrorKind } from './errors.js';
import type { Logger } from './logger.js';

/** Binary trailer that carries emporium.type.v1.ErrorDetail next to a non-OK status. */
export const ERROR_DETAIL_TRAILER = 'emporium-error-bin';

const codeOfKind: Record<ErrorKind, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  ABORTED: status.ABORTED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  INTERNAL: status.INTERNAL,
};

const kindOfCode = new Map<status, ErrorKind>(
  Object.entries(codeOfKind).map(([kind, code]) => [code, kind as ErrorKind]),
);

/**
 * The status a server answers for an error. Domain errors keep their message and details;
 * anything else is logged with its stack and becomes a bare INTERNAL, so no SQL, stack trace or
 * hostname ever reaches a caller.
 */
export function toStatus(error: unknown, log: Logger): Partial<StatusObject> {
  if (error instanceof DomainError) {
    const metadata = new Metadata();
    const own = ErrorDetail.encode({
      reason: error.reason,
      field: error.field ?? '',
      shortages: [],
      retryAfterMs: error.retryAfterMs ?? 0,
      details: error.attached.map((detail) => ({ typeUrl: detail.typeUrl, value: Buffer.from(detail.value) })),
    }).finish();
    // The raising service's deprecated fields first, so the kit's own fields win where both are set.
    metadata.set(ERROR_DETAIL_TRAILER, Buffer.concat([error.legacyDetail ?? new Uint8Array(), own]));
    return { code: codeOfKind[error.kind], details: error.message, metadata };
  }
  log.error({ err: error }, 'unexpected error');
  return { code: status.INTERNAL, details: 'internal error' };
}

/** The gRPC status code that stands for an error (a domain error's kind; anything else UNKNOWN). */
export function statusCodeOf(error: unknown): status {
  return error instanceof DomainError ? codeOfKind[error.kind] : status.UNKNOWN;
}

/** The fields of a received ErrorDetail that the kit does not read itself (deprecated ones), as sent. */
function otherFields(detail: ErrorDetail): Uint8Array | undefined {
  const rest = ErrorDetail.encode({ ...detail, reason: '', field: '', retryAfterMs: 0, details: [] }).finish();
  return rest.length === 0 ? undefined : rest;
}

/**
 * The domain error a client sees for a failed call: the same kind and details the server raised,
 * so a service calling another handles its errors as its own.
 */
export function fromServiceError(error: ServiceError): DomainError {
  const kind: ErrorKind =
    error.code === status.CANCELLED ? 'UNAVAILABLE' : (kindOfCode.get(error.code) ?? 'INTERNAL');
  const [raw] = error.metadata.get(ERROR_DETAIL_TRAILER);
  let detail: ErrorDetail | undefined;
  if (Buffer.isBuffer(raw)) {
    try {
      detail = ErrorDetail.decode(raw);
    } catch {
      detail = undefined;
    }
  }
  const message = error.details || status[error.code];
  const legacy = detail && otherFields(detail);
  return new DomainError(kind, message, {
    reason: detail?.reason || kind,
    ...(detail?.field ? { field: detail.field } : {}),
    ...(detail?.retryAfterMs ? { retryAfterMs: detail.retryAfterMs } : {}),
    attached: (detail?.details ?? []).map((any) => ({ typeUrl: any.typeUrl, value: any.value })),
    ...(legacy === undefined ? {} : { legacyDetail: legacy }),
  });
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

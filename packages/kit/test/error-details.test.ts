import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { StockShortageDetail, protobufPackage } from '@emporium/contracts/emporium/catalog/v1/catalog.js';
import { ErrorDetail } from '@emporium/contracts/emporium/type/v1/error.js';
import { DomainError, detailOf, detailType, packDetail } from '../src/errors.js';
import { ERROR_DETAIL_TRAILER, fromServiceError, toStatus } from '../src/grpc-errors.js';
import { createLogger } from '../src/logger.js';

const log = createLogger('test', 'silent');
const shortageDetail = detailType(protobufPackage, 'StockShortageDetail', StockShortageDetail);
const shortages = [{ productId: 'p1', requested: 3, available: 2 }];

/** The error a client sees when a server answers with this one. */
function roundTrip(error: DomainError): { client: DomainError; trailer: Buffer } {
  const answer = toStatus(error, log);
  const metadata = answer.metadata ?? new Metadata();
  const [trailer] = metadata.get(ERROR_DETAIL_TRAILER);
  if (!Buffer.isBuffer(trailer)) throw new Error('no error detail trailer');
  const serviceError = Object.assign(new Error(answer.details), { code: answer.code ?? status.UNKNOWN, details: answer.details ?? '', metadata });
  return { client: fromServiceError(serviceError satisfies ServiceError), trailer };
}

describe('error details in a service’s own contract', () => {
  it('carries a packed detail to the client, which decodes it with the owner’s generated code', () => {
    const error = new DomainError('FAILED_PRECONDITION', 'lines[0].quantity: not enough stock', {
      reason: 'OUT_OF_STOCK',
      field: 'lines[0].quantity',
      attached: [packDetail(shortageDetail, { shortages })],
    });
    const { client } = roundTrip(error);
    expect(client).toMatchObject({ kind: 'FAILED_PRECONDITION', reason: 'OUT_OF_STOCK', field: 'lines[0].quantity' });
    expect(detailOf(client, shortageDetail)).toEqual({ shortages });
    expect(detailOf(new DomainError('NOT_FOUND', 'no such product'), shortageDetail)).toBeUndefined();
  });

  it('sends the raising service’s deprecated fields ahead of its own, so older readers still find them', () => {
    const error = new DomainError('FAILED_PRECONDITION', 'not enough stock', {
      reason: 'OUT_OF_STOCK',
      legacyDetail: ErrorDetail.encode({ reason: 'STALE', field: '', shortages, retryAfterMs: 0, details: [] }).finish(),
    });
    const { client, trailer } = roundTrip(error);
    // An older reader decodes the whole trailer as ErrorDetail: the deprecated field is there, and
    // the kit's own fields win over any the service set.
    expect(ErrorDetail.decode(trailer)).toMatchObject({ reason: 'OUT_OF_STOCK', shortages });
    // A newer reader talking to an older server: the fields the kit does not read reach the client.
    expect(ErrorDetail.decode(client.legacyDetail ?? new Uint8Array())).toMatchObject({ reason: '', shortages });
    expect(roundTrip(new DomainError('NOT_FOUND', 'no such product')).client.legacyDetail).toBeUndefined();
  });
});

import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/**
 * Asks a server's grpc.health.v1.Health/Check about one service ("" = the whole server). Used by
 * the container HEALTHCHECK, the process runner and tests.
 */
export function checkHealth(address: string, service = '', deadlineMs = 2_000): Promise<ServingStatus> {
  const method = healthService.Check;
  if (method === undefined) return Promise.reject(new Error('grpc.health.v1 definition has no Check'));
  const client = new Client(address, credentials.createInsecure());
  return new Promise<ServingStatus>((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      { service },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error: ServiceError | null, response?: unknown) => {
        if (error) reject(error);
        else resolve(statusOf(response));
      },
    );
  }).finally(() => client.close());
}

function statusOf(response: unknown): ServingStatus {
  const status = typeof response === 'object' && response !== null && 'status' in response ? response.status : undefined;
  return status === 'SERVING' || status === 'NOT_SERVING' || status === 'SERVICE_UNKNOWN' ? status : 'UNKNOWN';
}

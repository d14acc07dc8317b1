import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The service names a server lists over gRPC server reflection (v1), as grpcurl would see them. */
export async function listServicesByReflection(address: string): Promise<string[]> {
  const root = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [root], keepCase: true });
  const method = (definition['grpc.reflection.v1.ServerReflection'] as Record<string, MethodDefinition<unknown, unknown>> | undefined)
    ?.ServerReflectionInfo;
  if (!method) throw new Error('reflection proto has no ServerReflectionInfo');
  const client = new Client(address, credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
      call.on('data', (message: { list_services_response?: { service?: Array<{ name: string }> } }) => {
        resolve((message.list_services_response?.service ?? []).map((s) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
  } finally {
    client.close();
  }
}

import { AccountServiceService, Role as ProtoRole, type Account as ProtoAccount } from '@emporium/contracts/emporium/account/v1/account.js';
import { invalidArgument } from '@emporium/kit/errors.js';
import { grpcService, type GrpcService } from '@emporium/kit/grpc-server.js';
import type { Account, AccountService, Role } from './service.js';

function toProto(account: Account): ProtoAccount {
  return {
    id: account.id,
    name: account.name,
    email: account.email,
    role: account.role === 'ADMIN' ? ProtoRole.ROLE_ADMIN : ProtoRole.ROLE_CUSTOMER,
    createTime: account.createTime,
  };
}

function roleFromProto(role: ProtoRole): Role {
  switch (role) {
    case ProtoRole.ROLE_UNSPECIFIED:
    case ProtoRole.ROLE_CUSTOMER:
      return 'CUSTOMER';
    case ProtoRole.ROLE_ADMIN:
      return 'ADMIN';
    default:
      throw invalidArgument('role', 'must be ROLE_CUSTOMER or ROLE_ADMIN');
  }
}

/** The gRPC face of the account service: proto in, domain call, proto out. */
export function accountServer(service: AccountService): GrpcService {
  return grpcService(AccountServiceService, {
    createAccount: async (request) => {
      const account = await service.createAccount({
        name: request.name,
        email: request.email,
        password: request.password,
        role: roleFromProto(request.role),
      });
      return { account: toProto(account) };
    },
    getAccount: async (request) => ({ account: toProto(await service.getAccount(request.id)) }),
    batchGetAccounts: async (request) => {
      const { accounts, notFoundIds } = await service.batchGetAccounts(request.ids);
      return { accounts: accounts.map(toProto), notFoundIds };
    },
    listAccounts: async (request) => {
      const page = await service.listAccounts(request.pageSize, request.pageToken);
      return { accounts: page.accounts.map(toProto), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    },
    authenticateAccount: async (request) => ({
      account: toProto(await service.authenticate(request.email, request.password)),
    }),
  });
}

import {
  AccountServiceService,
  Role as ProtoRole,
  type Account as ProtoAccount,
  type Session as ProtoSession,
} from '@emporium/contracts/emporium/account/v1/account.js';
import { invalidArgument } from '@emporium/kit/errors.js';
import { grpcService, type GrpcService } from '@emporium/kit/grpc-server.js';
import type { Account, Role, Session } from './model.js';
import type { AccountService } from './service.js';
import type { SessionService } from './sessions.js';

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

function sessionToProto(session: Session): ProtoSession {
  return {
    id: session.id,
    accountId: session.accountId,
    createTime: session.createTime,
    expireTime: session.expireTime,
    revokeTime: session.revokeTime,
  };
}

/** The gRPC face of the account service: proto in, domain call, proto out. */
export function accountServer(service: AccountService, sessions: SessionService): GrpcService {
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
    createSession: async (request) => {
      const { session, refreshToken } = await sessions.create(request.accountId, request.refreshTokenTtlSeconds);
      return { session: sessionToProto(session), refreshToken };
    },
    refreshSession: async (request) => {
      const refreshed = await sessions.refresh(request.refreshToken, request.refreshTokenTtlSeconds);
      if (refreshed.reused) return { session: sessionToProto(refreshed.session), account: undefined, refreshToken: '', reused: true };
      return { session: sessionToProto(refreshed.session), account: toProto(refreshed.account), refreshToken: refreshed.refreshToken, reused: false };
    },
    revokeSession: async (request) => {
      const session = await sessions.revoke({ sessionId: request.sessionId, refreshToken: request.refreshToken });
      return { session: session && sessionToProto(session) };
    },
  });
}

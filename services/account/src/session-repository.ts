import type { Kysely, Selectable } from 'kysely';
import { inTransaction, sqlStateOf } from '@emporium/kit/database.js';
import type { Rotation, Session } from './model.js';
import type { SessionDatabase, SessionTable } from './tables.js';

/** How long an ended session is kept (and its reuse recognised) before a new login of its account removes it. */
const ENDED_SESSION_KEPT_MS = 24 * 3600 * 1000;

const SESSION_COLUMNS = ['id', 'account_id', 'create_time', 'expire_time', 'revoke_time'] as const;

function toSession(row: Pick<Selectable<SessionTable>, (typeof SESSION_COLUMNS)[number]>): Session {
  return {
    id: row.id,
    accountId: row.account_id,
    createTime: row.create_time,
    expireTime: row.expire_time,
    revokeTime: row.revoke_time ?? undefined,
  };
}

export class SessionRepository {
  constructor(private readonly db: Kysely<SessionDatabase>) {}

  /**
   * A new session with its first refresh token; undefined when the account does not exist. The
   * account's sessions that ended (expired or revoked) more than a day ago go, with their tokens:
   * so the tables hold the live sessions of each account and little else. A token of a deleted
   * session is merely unknown (refused) instead of reused: its session is over either way.
   */
  async create(session: { id: string; accountId: string; tokenHash: string; expireTime: Date }): Promise<Session | undefined> {
    try {
      return await inTransaction(this.db, async (trx) => {
        const ended = new Date(Date.now() - ENDED_SESSION_KEPT_MS);
        await trx
          .deleteFrom('session')
          .where('account_id', '=', session.accountId)
          .where((eb) => eb.or([eb('expire_time', '<', ended), eb('revoke_time', '<', ended)]))
          .execute();
        const row = await trx
          .insertInto('session')
          .values({ id: session.id, account_id: session.accountId, expire_time: session.expireTime })
          .returning(SESSION_COLUMNS)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('refresh_token')
          .values({ token_hash: session.tokenHash, session_id: session.id, expire_time: session.expireTime })
          .execute();
        return toSession(row);
      });
    } catch (error) {
      // foreign_key_violation: no such account.
      if (sqlStateOf(error) === '23503') return undefined;
      throw error;
    }
  }

  /**
   * Uses up the token with hash `tokenHash` and stores `next` as its session's next token. The
   * token is used up by a conditional update (`used_time is null`), so of two concurrent
   * rotations with one token exactly one wins; the other sees a used token, which is reuse: the
   * session is revoked. An unknown or expired token, or one of a revoked or expired session, is
   * refused and changes nothing.
   */
  async rotate(tokenHash: string, next: { tokenHash: string; expireTime: Date }): Promise<Rotation> {
    return inTransaction(this.db, async (trx) => {
      const now = new Date();
      const won = await trx
        .updateTable('refresh_token')
        .set({ used_time: now })
        .where('token_hash', '=', tokenHash)
        .where('used_time', 'is', null)
        .where('expire_time', '>', now)
        .returning('session_id')
        .executeTakeFirst();
      if (won === undefined) return this.refusedOrReused(trx, tokenHash, now);
      const session = await trx
        .updateTable('session')
        .set({ expire_time: next.expireTime })
        .where('id', '=', won.session_id)
        .where('revoke_time', 'is', null)
        .where('expire_time', '>', now)
        .returning(SESSION_COLUMNS)
        .executeTakeFirst();
      // A revoked or expired session: the update above is rolled back with the refusal, so the
      // token is not even marked used.
      if (session === undefined) throw new RefusedRotation();
      await trx
        .insertInto('refresh_token')
        .values({ token_hash: next.tokenHash, session_id: session.id, expire_time: next.expireTime })
        .execute();
      return { kind: 'rotated', session: toSession(session) } as const;
    }).catch((error: unknown) => {
      if (error instanceof RefusedRotation) return { kind: 'refused' } as const;
      throw error;
    });
  }

  private async refusedOrReused(trx: Kysely<SessionDatabase>, tokenHash: string, now: Date): Promise<Rotation> {
    const token = await trx
      .selectFrom('refresh_token')
      .select(['session_id', 'used_time'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (token?.used_time == null) return { kind: 'refused' };
    // Reuse: revoke the family (once; a later reuse finds it revoked and answers the same).
    await trx.updateTable('session').set({ revoke_time: now }).where('id', '=', token.session_id).where('revoke_time', 'is', null).execute();
    const session = await trx.selectFrom('session').select(SESSION_COLUMNS).where('id', '=', token.session_id).executeTakeFirstOrThrow();
    return { kind: 'reused', session: toSession(session) };
  }

  /** Revokes a session (kept revoked if it already was); undefined when there is none. */
  async revoke(by: { sessionId: string } | { tokenHash: string }): Promise<Session | undefined> {
    return inTransaction(this.db, async (trx) => {
      let sessionId: string | undefined;
      if ('sessionId' in by) sessionId = by.sessionId;
      else {
        const token = await trx.selectFrom('refresh_token').select('session_id').where('token_hash', '=', by.tokenHash).executeTakeFirst();
        sessionId = token?.session_id;
      }
      if (sessionId === undefined) return undefined;
      await trx.updateTable('session').set({ revoke_time: new Date() }).where('id', '=', sessionId).where('revoke_time', 'is', null).execute();
      const row = await trx.selectFrom('session').select(SESSION_COLUMNS).where('id', '=', sessionId).executeTakeFirst();
      return row && toSession(row);
    });
  }
}

/** Rolls back a rotation whose session turned out revoked or expired. */
class RefusedRotation extends Error {}

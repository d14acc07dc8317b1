import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, execute } from './api';
import { graphql } from './gen';
import type { TypedDocumentString } from './gen/graphql';

// Tokens never touch localStorage: the access token lives in this module's memory (React state),
// the refresh token only in the gateway's httpOnly SameSite cookie (path /graphql). A reload
// calls refreshToken(input: {}) — the cookie supplies the token — and gets a new pair.

graphql(`
  fragment SessionFields on AuthPayload {
    token
    expiresAt
    account {
      id
      name
      email
      role
    }
  }
`);

const RefreshDocument = graphql(`
  mutation Refresh {
    refreshToken(input: {}) {
      ...SessionFields
    }
  }
`);

export const LogInDocument = graphql(`
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      ...SessionFields
    }
  }
`);

export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      ...SessionFields
    }
  }
`);

const LogOutDocument = graphql(`
  mutation LogOut {
    logOut(input: {}) {
      revoked
    }
  }
`);

export interface SessionAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly role: 'ADMIN' | 'CUSTOMER';
}

interface Session {
  readonly token: string;
  readonly expiresAt: string;
  readonly account: SessionAccount;
}

export interface Auth {
  /** False until the first refresh (from the cookie) has answered. */
  readonly ready: boolean;
  readonly account: SessionAccount | null;
  /** Runs an operation with the access token, refreshing it once when the gateway says it expired. */
  call<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result>;
  logIn(email: string, password: string): Promise<void>;
  signUp(name: string, email: string, password: string): Promise<void>;
  logOut(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [ready, setReady] = useState(false);
  const sessionRef = useRef<Session | null>(null);
  // One refresh at a time: two concurrent ones with the same cookie would look like token theft.
  const refreshing = useRef<Promise<Session | null> | null>(null);

  const adopt = useCallback((next: Session | null) => {
    sessionRef.current = next;
    setSession(next);
  }, []);

  const refresh = useCallback((): Promise<Session | null> => {
    refreshing.current ??= execute(RefreshDocument, {})
      .then(
        (data) => data.refreshToken as Session,
        (error: unknown) => {
          if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'BAD_USER_INPUT')) return null;
          throw error;
        },
      )
      .then((next) => {
        adopt(next);
        return next;
      })
      .finally(() => {
        refreshing.current = null;
      });
    return refreshing.current;
  }, [adopt]);

  useEffect(() => {
    refresh()
      .catch(() => null)
      .finally(() => setReady(true));
  }, [refresh]);

  useEffect(() => {
    if (session === null) return;
    const delay = Math.max(1_000, Date.parse(session.expiresAt) - Date.now() - REFRESH_AHEAD_MS);
    const timer = setTimeout(() => void refresh().catch(() => null), delay);
    return () => clearTimeout(timer);
  }, [session, refresh]);

  const call = useCallback(
    async <Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result> => {
      const token = sessionRef.current?.token;
      try {
        return await execute(document, variables, token);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'UNAUTHENTICATED' && token !== undefined)) throw error;
        const renewed = await refresh();
        if (renewed === null) throw error;
        return execute(document, variables, renewed.token);
      }
    },
    [refresh],
  );

  const auth = useMemo<Auth>(
    () => ({
      ready,
      account: session?.account ?? null,
      call,
      logIn: async (email, password) => adopt((await execute(LogInDocument, { input: { email, password } })).logIn),
      signUp: async (name, email, password) => adopt((await execute(SignUpDocument, { input: { name, email, password } })).signUp),
      logOut: async () => {
        try {
          await execute(LogOutDocument, {}, sessionRef.current?.token);
        } finally {
          adopt(null);
        }
      },
    }),
    [ready, session, call, adopt],
  );

  return <AuthContext value={auth}>{children}</AuthContext>;
}

export function useAuth(): Auth {
  const auth = use(AuthContext);
  if (auth === null) throw new Error('useAuth outside AuthProvider');
  return auth;
}

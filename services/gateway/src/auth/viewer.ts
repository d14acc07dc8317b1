// Who is calling, as the gateway knows it once a request's token is verified. Its own module so
// that the request context, the tokens and the authorization rules can all name it without
// reaching the generated resolver types (which import the context: a cycle).

/** The roles of the schema's `Role` enum (resolvers/authorization.ts checks the two stay the same). */
export type ViewerRole = 'ADMIN' | 'CUSTOMER';

/** Who is calling: an account, its role and the session its token belongs to, or nobody. */
export type Viewer = { readonly accountId: string; readonly role: ViewerRole; readonly sessionId: string } | null;

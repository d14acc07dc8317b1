import { messageOf } from './api';

/** Text only screen readers read. */
export function Hidden({ children }: { children: React.ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <p role="alert" className="error">
      {messageOf(error)}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="muted">
      Loading {what}…
    </p>
  );
}

import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../auth';
import { ErrorMessage } from '../ui';

/** Where to go after logging in: a path of this shop only. */
function nextPath(value: string | null): string {
  return value !== null && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

function useSubmit(action: () => Promise<void>) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
      void navigate(nextPath(params.get('next')));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { submit, error, busy, next: params.get('next') };
}

export function LogInPage() {
  const auth = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { submit, error, busy, next } = useSubmit(() => auth.logIn(email.trim(), password));
  return (
    <>
      <h1>Log in</h1>
      <form className="stacked" onSubmit={(event) => void submit(event)}>
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorMessage error={error} />
        <button type="submit" className="primary" aria-disabled={busy}>
          Log in
        </button>
      </form>
      <p>
        New here? <Link to={next === null ? '/signup' : `/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </>
  );
}

export function SignUpPage() {
  const auth = useAuth();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { submit, error, busy, next } = useSubmit(() => auth.signUp(name.trim(), email.trim(), password));
  return (
    <>
      <h1>Sign up</h1>
      <form className="stacked" onSubmit={(event) => void submit(event)}>
        <label htmlFor="name">Name</label>
        <input id="name" autoComplete="name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="email">Email</label>
        <input id="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          aria-describedby="password-hint"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <p id="password-hint" className="muted">
          At least 8 characters.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" className="primary" aria-disabled={busy}>
          Sign up
        </button>
      </form>
      <p>
        Have an account? <Link to={next === null ? '/login' : `/login?next=${encodeURIComponent(next)}`}>Log in instead</Link>
      </p>
    </>
  );
}

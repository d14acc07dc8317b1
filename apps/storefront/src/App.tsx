import { lazy, Suspense, useEffect, useRef } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './auth';
import { countUnits, useCart } from './cart';
import { CartPage } from './pages/CartPage';
import { LogInPage, SignUpPage } from './pages/AuthPages';
import { OrdersPage } from './pages/OrdersPage';
import { ProductPage } from './pages/ProductPage';
import { ProductsPage } from './pages/ProductsPage';
import { Loading } from './ui';

// Administration is a separate chunk: shoppers never download it.
const AdminPage = lazy(() => import('./pages/AdminPage'));
const ProductEditPage = lazy(() => import('./pages/ProductEditPage'));

function Header() {
  const auth = useAuth();
  const units = countUnits(useCart());
  return (
    <header className="site-header">
      <Link to="/" className="brand">
        Emporium
      </Link>
      <nav aria-label="Main">
        <ul>
          <li>
            <NavLink to="/" end>
              Products
            </NavLink>
          </li>
          <li>
            <NavLink to="/cart">Cart</NavLink> <span className="badge">({units === 1 ? '1 item' : `${units} items`})</span>
          </li>
          {auth.account !== null && (
            <li>
              <NavLink to="/orders">Orders</NavLink>
            </li>
          )}
          {auth.account?.role === 'ADMIN' && (
            <li>
              <NavLink to="/admin">Admin</NavLink>
            </li>
          )}
          {auth.ready && auth.account === null && (
            <>
              <li>
                <NavLink to="/login">Log in</NavLink>
              </li>
              <li>
                <NavLink to="/signup">Sign up</NavLink>
              </li>
            </>
          )}
          {auth.account !== null && (
            <li className="account">
              <span>{auth.account.name}</span>{' '}
              <button type="button" onClick={() => void auth.logOut()}>
                Log out
              </button>
            </li>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** Moves focus to the new page's main region after a navigation, for keyboard and screen-reader users. */
function useFocusOnNavigate(target: React.RefObject<HTMLElement | null>) {
  const location = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    target.current?.focus();
  }, [location.pathname, target]);
}

export function App() {
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigate(main);
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading what="the page" />}>
          <Routes>
            <Route path="/" element={<ProductsPage />} />
            <Route path="/products/:id" element={<ProductPage />} />
            <Route path="/cart" element={<CartPage />} />
            <Route path="/login" element={<LogInPage />} />
            <Route path="/signup" element={<SignUpPage />} />
            <Route path="/orders" element={<OrdersPage />} />
            <Route path="/admin" element={<AdminPage />} />
            <Route path="/admin/products/:id" element={<ProductEditPage />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/">See the products</Link>
      </p>
    </>
  );
}

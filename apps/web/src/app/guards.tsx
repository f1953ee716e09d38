import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import { Loader2 } from 'lucide-react';
import { usePermissions } from './permissions';
import { useAppSelector } from './store';
import { ForbiddenPage } from '../features/errors/ErrorPages';

export function Splash() {
  return (
    <div role="status" className="flex min-h-screen items-center justify-center gap-3 text-ink-muted">
      <Loader2 aria-hidden className="size-5 animate-spin text-brand-600" />
      <span>Loading Axial…</span>
    </div>
  );
}

/** Requires a session; sends users who must change their password to that page first. */
export function RequireAuth({ allowPasswordChange = false }: { allowPasswordChange?: boolean }) {
  const session = useAppSelector((s) => s.session);
  const location = useLocation();
  if (session.status === 'restoring') return <Splash />;
  if (session.status !== 'authenticated' || !session.user) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (session.user.mustChangePassword && !allowPasswordChange) return <Navigate to="/change-password" replace />;
  return <Outlet />;
}

/** Renders the 403 page (keeping the URL) unless the user holds one of the permissions. */
export function RequirePermission({ anyOf, children }: { anyOf: string[]; children: ReactNode }) {
  const { canAny } = usePermissions();
  if (anyOf.length && !canAny(anyOf)) return <ForbiddenPage />;
  return <>{children}</>;
}

import { Suspense, useState } from 'react';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { DropdownMenu } from 'radix-ui';
import { ChevronDown, Home, LogOut, Menu, UserCircle, X } from 'lucide-react';
import { navItemsFor, roleLabel, usePermissions, type NavItem } from './permissions';
import { sessionEnded } from './session';
import { useAppDispatch, useAppSelector } from './store';
import { useRealtime } from './useRealtime';
import { useSessionKeeper } from './useSessionKeeper';
import { initials } from './format';
import { useLogoutMutation } from '../features/auth/authApi';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { cn, Spinner } from '../ui';

const GROUP_LABELS: Record<NavItem['group'], string> = {
  clinical: 'Clinical',
  admin: 'Administration',
  account: 'Account',
};

export function Shell() {
  useSessionKeeper();
  useRealtime();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="flex min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-surface focus:px-3 focus:py-2">
        Skip to content
      </a>
      <Sidebar open={menuOpen} onNavigate={() => setMenuOpen(false)} />
      <div className="flex min-w-0 flex-1 flex-col">
        <Header onToggleMenu={() => setMenuOpen((o) => !o)} menuOpen={menuOpen} />
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-[1400px] flex-1 px-6 py-6 focus:outline-none">
          <Suspense fallback={<Spinner />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

function Brand() {
  return (
    <Link to="/" className="flex items-center gap-2.5 rounded px-1 text-ink" aria-label="Axial home">
      <svg aria-hidden viewBox="0 0 32 32" className="size-7">
        <rect width="32" height="32" rx="7" fill="var(--color-brand-700)" />
        <circle cx="16" cy="16" r="9" fill="none" stroke="#e6f4f1" strokeWidth="2.5" />
        <path d="M16 4v24M4 16h24" stroke="#7fd1c3" strokeWidth="1.5" />
      </svg>
      <span className="text-base font-semibold tracking-tight">Axial</span>
    </Link>
  );
}

function Sidebar({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const { set } = usePermissions();
  const items = navItemsFor(set);
  const groups = (['clinical', 'admin', 'account'] as const)
    .map((g) => ({ group: g, items: items.filter((i) => i.group === g) }))
    .filter((g) => g.items.length > 0);
  const linkClass = ({ isActive }: { isActive: boolean }) =>
    cn(
      'flex items-center gap-2.5 rounded-md px-2.5 py-1.5 text-sm transition-colors',
      isActive ? 'bg-brand-50 font-semibold text-brand-700' : 'text-ink-muted hover:bg-sunken hover:text-ink',
    );
  return (
    <aside
      className={cn(
        'fixed inset-y-0 left-0 z-30 w-60 shrink-0 flex-col border-r border-border bg-surface lg:sticky lg:top-0 lg:flex lg:h-screen',
        open ? 'flex shadow-(--shadow-overlay)' : 'hidden',
      )}
    >
      <div className="flex h-14 items-center border-b border-border px-4">
        <Brand />
      </div>
      <nav aria-label="Main" className="flex-1 overflow-y-auto px-3 py-4">
        <NavLink to="/" end className={linkClass} onClick={onNavigate}>
          <Home aria-hidden className="size-4" />
          Home
        </NavLink>
        {groups.map(({ group, items: groupItems }) => (
          <div key={group} className="mt-5">
            <p className="mb-1.5 px-2.5 text-[11px] font-semibold tracking-wider text-ink-subtle uppercase">{GROUP_LABELS[group]}</p>
            <ul className="flex flex-col gap-0.5">
              {groupItems.map((item) => (
                <li key={item.key}>
                  <NavLink to={item.path} data-nav={item.key} className={linkClass} onClick={onNavigate}>
                    <item.icon aria-hidden className="size-4" />
                    <span className="flex-1">{item.label}</span>
                    {item.upcoming && <span className="text-[10px] font-medium text-ink-subtle">Soon</span>}
                  </NavLink>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <p className="border-t border-border px-5 py-3 text-[11px] text-ink-subtle">Axial · PACS · RIS · Viewer</p>
    </aside>
  );
}

function Header({ onToggleMenu, menuOpen }: { onToggleMenu: () => void; menuOpen: boolean }) {
  const user = useAppSelector((s) => s.session.user);
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [logout] = useLogoutMutation();
  if (!user) return null;

  const signOut = async () => {
    await logout().unwrap().catch(() => undefined);
    dispatch(sessionEnded('logged-out'));
    navigate('/login', { replace: true });
  };

  const roleText = user.roles.map(roleLabel).join(', ') || 'No role';
  return (
    <header className="sticky top-0 z-20 flex h-14 items-center gap-3 border-b border-border bg-surface/95 px-4 backdrop-blur lg:px-6">
      <button
        type="button"
        className="rounded p-1.5 text-ink-muted hover:bg-sunken lg:hidden"
        aria-label={menuOpen ? 'Close navigation' : 'Open navigation'}
        aria-expanded={menuOpen}
        onClick={onToggleMenu}
      >
        {menuOpen ? <X aria-hidden className="size-5" /> : <Menu aria-hidden className="size-5" />}
      </button>
      <div className="flex-1" />
      <NotificationBell />
      <DropdownMenu.Root>
        <DropdownMenu.Trigger
          className="flex items-center gap-2.5 rounded-md py-1 pr-1.5 pl-1 text-left hover:bg-sunken"
          aria-label={`Account menu for ${user.displayName}`}
        >
          <span aria-hidden className="flex size-8 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700">
            {initials(user.displayName || user.username)}
          </span>
          <span className="hidden flex-col leading-tight sm:flex" data-testid="header-user">
            <span className="text-sm font-semibold text-ink" data-testid="header-user-name">{user.displayName}</span>
            <span className="text-xs text-ink-muted">
              <span data-testid="header-user-roles">{roleText}</span>
              {user.departmentName && (
                <>
                  {' · '}
                  <span data-testid="header-user-department">{user.departmentName}</span>
                </>
              )}
            </span>
          </span>
          <ChevronDown aria-hidden className="size-4 text-ink-subtle" />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content align="end" sideOffset={6} className="z-40 min-w-52 rounded-md border border-border bg-surface p-1 shadow-(--shadow-overlay) animate-fade-in">
            <div className="px-2.5 py-2 text-xs text-ink-muted">
              Signed in as <strong className="text-ink">{user.username}</strong>
            </div>
            <DropdownMenu.Separator className="my-1 h-px bg-border" />
            <DropdownMenu.Item asChild>
              <Link to="/profile" className="flex items-center gap-2 rounded px-2.5 py-1.5 text-sm outline-none data-highlighted:bg-sunken">
                <UserCircle aria-hidden className="size-4" /> My profile
              </Link>
            </DropdownMenu.Item>
            <DropdownMenu.Item
              onSelect={() => void signOut()}
              className="flex cursor-pointer items-center gap-2 rounded px-2.5 py-1.5 text-sm outline-none data-highlighted:bg-sunken"
            >
              <LogOut aria-hidden className="size-4" /> Sign out
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
    </header>
  );
}

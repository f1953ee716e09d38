import { Link } from 'react-router';
import { ArrowRight, Bell, CalendarDays } from 'lucide-react';
import { addDays, formatDate, startOfIsoWeek, toIsoDate } from '../../app/format';
import { navItemsFor, P, roleLabel, usePermissions } from '../../app/permissions';
import { useAppSelector } from '../../app/store';
import { Badge, buttonClasses, Card, EmptyState, Spinner } from '../../ui';
import { BELL_QUERY, useListNotificationsQuery } from '../notifications/notificationsApi';
import { NotificationItem } from '../notifications/NotificationItem';
import { useListSchedulesQuery } from '../admin-schedules/schedulesApi';

function greeting(): string {
  const h = new Date().getHours();
  if (h < 12) return 'Good morning';
  if (h < 18) return 'Good afternoon';
  return 'Good evening';
}

export default function DashboardPage() {
  const user = useAppSelector((s) => s.session.user)!;
  const { set, can } = usePermissions();
  const links = navItemsFor(set).filter((i) => i.key !== 'profile');
  const clinical = links.filter((i) => i.group === 'clinical');
  const admin = links.filter((i) => i.group === 'admin');

  return (
    <>
      <div className="mb-6">
        <h1 className="text-xl font-semibold tracking-tight">{greeting()}, {user.displayName}</h1>
        <p className="mt-1 flex flex-wrap items-center gap-1.5 text-sm text-ink-muted">
          {user.roles.map((r) => <Badge key={r} tone="brand">{roleLabel(r)}</Badge>)}
          {user.departmentName && <span>· {user.departmentName}</span>}
        </p>
      </div>

      <div className="grid gap-6 xl:grid-cols-[1fr_22rem]">
        <div className="flex flex-col gap-6">
          {links.length === 0 && (
            <Card>
              <EmptyState title="No areas assigned yet" description="Your account has no permissions yet. Ask an administrator to assign you a role." />
            </Card>
          )}
          {clinical.length > 0 && <QuickLinks title="Clinical" items={clinical} />}
          {admin.length > 0 && <QuickLinks title="Administration" items={admin} />}
        </div>
        <div className="flex flex-col gap-6">
          <RecentNotifications />
          {can(P.scheduleRead) && <MyWeek userId={user.id} />}
        </div>
      </div>
    </>
  );
}

function QuickLinks({ title, items }: { title: string; items: ReturnType<typeof navItemsFor> }) {
  return (
    <section aria-label={`${title} quick links`}>
      <h2 className="mb-2 text-xs font-semibold tracking-wider text-ink-subtle uppercase">{title}</h2>
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {items.map((item) => (
          <li key={item.key}>
            <Link
              to={item.path}
              data-quicklink={item.key}
              className="group flex h-full items-start gap-3 rounded-lg border border-border bg-surface p-4 shadow-xs transition-colors hover:border-brand-200 hover:bg-brand-50/40"
            >
              <span className="rounded-md bg-brand-50 p-2 text-brand-600"><item.icon aria-hidden className="size-5" /></span>
              <span className="min-w-0 flex-1">
                <span className="flex items-center gap-2 font-semibold text-ink">
                  {item.label}
                  {item.upcoming && <Badge>Soon</Badge>}
                </span>
                <span className="mt-0.5 block text-xs text-ink-muted">{item.description}</span>
              </span>
              <ArrowRight aria-hidden className="size-4 text-ink-subtle opacity-0 transition-opacity group-hover:opacity-100" />
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecentNotifications() {
  const { data, isLoading } = useListNotificationsQuery(BELL_QUERY);
  const unread = data?.items.filter((n) => !n.readAt).slice(0, 4) ?? [];
  return (
    <Card
      title={<span className="flex items-center gap-2"><Bell aria-hidden className="size-4" /> Unread notifications</span>}
      actions={<Link to="/notifications" className={buttonClasses('link', 'sm')}>View all</Link>}
    >
      {isLoading && <Spinner />}
      {data && unread.length === 0 && <p className="px-4 py-6 text-sm text-ink-muted">You're all caught up.</p>}
      <div className="divide-y divide-border">
        {unread.map((n) => <NotificationItem key={n.id} n={n} compact />)}
      </div>
    </Card>
  );
}

function MyWeek({ userId }: { userId: string }) {
  const monday = startOfIsoWeek(new Date());
  const from = toIsoDate(monday);
  const to = toIsoDate(addDays(monday, 6));
  const { data, isLoading, isError } = useListSchedulesQuery({ from, to, userId });
  const entries = (data ?? []).filter((e) => e.userId === userId).sort((a, b) => (a.date + a.startTime).localeCompare(b.date + b.startTime));
  return (
    <Card
      title={<span className="flex items-center gap-2"><CalendarDays aria-hidden className="size-4" /> My shifts this week</span>}
      actions={<Link to="/admin/schedules" className={buttonClasses('link', 'sm')}>Schedule</Link>}
    >
      {isLoading && <Spinner />}
      {isError && <p className="px-4 py-6 text-sm text-ink-muted">The schedule is unavailable right now.</p>}
      {data && entries.length === 0 && <p className="px-4 py-6 text-sm text-ink-muted">No shifts scheduled this week.</p>}
      <ul className="divide-y divide-border">
        {entries.map((e) => (
          <li key={e.id} className="flex items-center justify-between gap-3 px-4 py-2.5 text-sm">
            <span>
              <span className="font-medium">{formatDate(e.date)}</span>
              <span className="block text-xs text-ink-muted">{e.roomName}</span>
            </span>
            <span className="text-right">
              <span className="font-medium">{e.shiftName}</span>
              <span className="block font-mono text-xs text-ink-muted">{e.startTime}–{e.endTime}</span>
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}

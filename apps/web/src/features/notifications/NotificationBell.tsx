import { useState } from 'react';
import { Link } from 'react-router';
import { Popover } from 'radix-ui';
import { Bell, Send } from 'lucide-react';
import { P, usePermissions } from '../../app/permissions';
import { Button, cn, EmptyState, Spinner } from '../../ui';
import { BELL_QUERY, useListNotificationsQuery, useMarkAllNotificationsReadMutation } from './notificationsApi';
import { NotificationItem } from './NotificationItem';
import { SendNotificationDialog } from './SendNotificationDialog';

/** Header bell: live unread count and a dropdown with the latest notifications. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const [sendOpen, setSendOpen] = useState(false);
  const { can } = usePermissions();
  const { data, isLoading, isError } = useListNotificationsQuery(BELL_QUERY, { pollingInterval: 120_000 });
  const [markAll, { isLoading: markingAll }] = useMarkAllNotificationsReadMutation();
  const unread = data?.unread ?? 0;

  return (
    <>
      <Popover.Root open={open} onOpenChange={setOpen}>
        <Popover.Trigger
          className="relative rounded-md p-2 text-ink-muted hover:bg-sunken hover:text-ink"
          aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
        >
          <Bell aria-hidden className="size-5" />
          <span
            data-testid="notification-count"
            aria-hidden
            className={cn(
              'absolute -top-0.5 -right-0.5 min-w-[1.15rem] rounded-full px-1 text-center text-[10px] leading-[1.15rem] font-semibold',
              unread > 0 ? 'bg-danger-600 text-white' : 'sr-only',
            )}
          >
            {unread > 99 ? '99+' : unread}
          </span>
        </Popover.Trigger>
        <Popover.Portal>
          <Popover.Content
            align="end"
            sideOffset={8}
            aria-label="Notifications"
            className="z-40 w-[24rem] max-w-[calc(100vw-1rem)] rounded-lg border border-border bg-surface shadow-(--shadow-overlay) animate-fade-in"
          >
            <div className="flex items-center justify-between border-b border-border px-4 py-2.5">
              <h2 className="text-sm font-semibold">Notifications</h2>
              <Button size="sm" variant="ghost" disabled={unread === 0} loading={markingAll} onClick={() => void markAll()}>
                Mark all read
              </Button>
            </div>
            <div className="max-h-[60vh] divide-y divide-border overflow-y-auto">
              {isLoading && <Spinner />}
              {isError && <p className="px-4 py-6 text-sm text-ink-muted">Notifications are unavailable right now.</p>}
              {data && data.items.length === 0 && <EmptyState icon={Bell} title="You're all caught up" className="py-8" />}
              {data?.items.map((n) => (
                <NotificationItem key={n.id} n={n} compact onNavigate={() => setOpen(false)} />
              ))}
            </div>
            <div className="flex items-center justify-between gap-2 border-t border-border bg-surface-muted px-4 py-2 rounded-b-lg">
              <Link to="/notifications" onClick={() => setOpen(false)} className="text-sm font-medium text-brand-600 hover:underline">
                View all
              </Link>
              {can(P.notificationSend) && (
                <Button
                  size="sm"
                  icon={<Send aria-hidden className="size-3.5" />}
                  onClick={() => {
                    setOpen(false);
                    setSendOpen(true);
                  }}
                >
                  Send notification
                </Button>
              )}
            </div>
          </Popover.Content>
        </Popover.Portal>
      </Popover.Root>
      {sendOpen && <SendNotificationDialog open={sendOpen} onOpenChange={setSendOpen} />}
    </>
  );
}

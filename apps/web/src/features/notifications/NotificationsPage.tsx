import { useState } from 'react';
import { Bell, Send } from 'lucide-react';
import { P, usePermissions } from '../../app/permissions';
import { errorMessage } from '../../app/api';
import { Alert, Button, Card, Checkbox, EmptyState, PageHeader, Pagination, Spinner } from '../../ui';
import { useListNotificationsQuery, useMarkAllNotificationsReadMutation } from './notificationsApi';
import { NotificationItem } from './NotificationItem';
import { SendNotificationDialog } from './SendNotificationDialog';

const LIMIT = 20;

export default function NotificationsPage() {
  const { can } = usePermissions();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [offset, setOffset] = useState(0);
  const [sendOpen, setSendOpen] = useState(false);
  const { data, isLoading, error, isFetching } = useListNotificationsQuery({ unreadOnly, limit: LIMIT, offset });
  const [markAll, { isLoading: markingAll }] = useMarkAllNotificationsReadMutation();

  return (
    <>
      <PageHeader
        title="Notifications"
        description={data ? `${data.unread} unread` : undefined}
        actions={
          <>
            <Button onClick={() => void markAll()} loading={markingAll} disabled={!data?.unread}>Mark all read</Button>
            {can(P.notificationSend) && (
              <Button variant="primary" icon={<Send aria-hidden className="size-4" />} onClick={() => setSendOpen(true)}>
                Send notification
              </Button>
            )}
          </>
        }
      />
      <Card>
        <div className="border-b border-border px-4 py-2.5">
          <Checkbox
            label="Unread only"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setOffset(0);
            }}
          />
        </div>
        {isLoading && <Spinner />}
        {error && <div className="p-4"><Alert title="Could not load notifications">{errorMessage(error)}</Alert></div>}
        {data && data.items.length === 0 && <EmptyState icon={Bell} title={unreadOnly ? 'No unread notifications' : 'No notifications yet'} />}
        <div className="divide-y divide-border" aria-busy={isFetching || undefined}>
          {data?.items.map((n) => <NotificationItem key={n.id} n={n} />)}
        </div>
        {data && data.total > 0 && <Pagination total={data.total} limit={LIMIT} offset={offset} onChange={setOffset} />}
      </Card>
      {sendOpen && <SendNotificationDialog open={sendOpen} onOpenChange={setSendOpen} />}
    </>
  );
}

import { useNavigate } from 'react-router';
import { AlertOctagon, AlertTriangle, Check, Info } from 'lucide-react';
import type { AppNotification } from '../../app/types';
import { formatDateTime, formatRelative } from '../../app/format';
import { Button, cn } from '../../ui';
import { useMarkNotificationReadMutation } from './notificationsApi';

const LEVEL = {
  info: { Icon: Info, cls: 'text-info-600', label: 'Info' },
  warning: { Icon: AlertTriangle, cls: 'text-warning-600', label: 'Warning' },
  critical: { Icon: AlertOctagon, cls: 'text-danger-600', label: 'Critical' },
} as const;

export function NotificationItem({ n, compact, onNavigate }: { n: AppNotification; compact?: boolean; onNavigate?: () => void }) {
  const [markRead, { isLoading }] = useMarkNotificationReadMutation();
  const navigate = useNavigate();
  const level = LEVEL[n.level] ?? LEVEL.info;
  const unread = !n.readAt;
  const open = () => {
    if (!n.link) return;
    if (unread) void markRead(n.id);
    onNavigate?.();
    if (n.link.startsWith('/')) navigate(n.link);
    else window.open(n.link, '_blank', 'noopener');
  };
  return (
    <article
      aria-label={n.title}
      data-unread={unread || undefined}
      className={cn('flex gap-3 px-4 py-3', unread ? 'bg-brand-50/50' : '', compact ? '' : 'rounded-md')}
    >
      <level.Icon aria-label={level.label} className={cn('mt-0.5 size-4 shrink-0', level.cls)} />
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline justify-between gap-2">
          <h3 className={cn('truncate text-sm', unread ? 'font-semibold' : 'font-medium text-ink-muted')}>
            {n.link ? (
              <button type="button" onClick={open} className="text-left hover:underline">{n.title}</button>
            ) : (
              n.title
            )}
          </h3>
          <time dateTime={n.createdAt} title={formatDateTime(n.createdAt)} className="shrink-0 text-xs text-ink-subtle">
            {formatRelative(n.createdAt)}
          </time>
        </div>
        {n.body && <p className={cn('mt-0.5 text-sm text-ink-muted', compact && 'line-clamp-2')}>{n.body}</p>}
      </div>
      {unread && (
        <Button
          size="icon"
          variant="ghost"
          aria-label={`Mark "${n.title}" as read`}
          title="Mark as read"
          loading={isLoading}
          onClick={() => void markRead(n.id)}
          icon={<Check aria-hidden className="size-4" />}
        />
      )}
    </article>
  );
}

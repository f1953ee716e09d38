import type { ReactNode } from 'react';
import { Inbox, type LucideIcon } from 'lucide-react';
import { cn } from './cn';

/** `heading`: render the title as a page heading (error pages), so assistive technology can navigate to it. */
export function EmptyState({
  title, description, icon: Icon = Inbox, action, className, heading, titleId,
}: { title: string; description?: ReactNode; icon?: LucideIcon; action?: ReactNode; className?: string; heading?: 'h1' | 'h2'; titleId?: string }) {
  const Title = heading ?? 'p';
  return (
    <div className={cn('flex flex-col items-center justify-center gap-2 px-6 py-12 text-center', className)}>
      <Icon aria-hidden className="size-9 text-ink-subtle" strokeWidth={1.5} />
      <Title id={titleId} className="text-sm font-semibold text-ink">{title}</Title>
      {description && <div className="max-w-md text-sm text-ink-muted">{description}</div>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}

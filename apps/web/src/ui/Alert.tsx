import type { ReactNode } from 'react';
import { AlertTriangle, CheckCircle2, Info, XCircle } from 'lucide-react';
import { cn } from './cn';

const STYLES = {
  info: { cls: 'bg-info-50 text-info-600 border-info-600/25', Icon: Info },
  success: { cls: 'bg-success-50 text-success-600 border-success-600/25', Icon: CheckCircle2 },
  warning: { cls: 'bg-warning-50 text-warning-600 border-warning-600/25', Icon: AlertTriangle },
  danger: { cls: 'bg-danger-50 text-danger-700 border-danger-600/25', Icon: XCircle },
} as const;

export function Alert({
  tone = 'danger', title, children, className,
}: { tone?: keyof typeof STYLES; title?: string; children?: ReactNode; className?: string }) {
  const { cls, Icon } = STYLES[tone];
  return (
    <div role={tone === 'danger' || tone === 'warning' ? 'alert' : 'status'} className={cn('flex gap-2.5 rounded-md border px-3 py-2.5 text-sm', cls, className)}>
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0">
        {title && <p className="font-semibold">{title}</p>}
        {children && <div className="text-ink-muted [&_a]:underline">{children}</div>}
      </div>
    </div>
  );
}

import type { ReactNode } from 'react';
import { cn } from './cn';

export type BadgeTone = 'neutral' | 'brand' | 'info' | 'success' | 'warning' | 'danger';

const TONES: Record<BadgeTone, string> = {
  neutral: 'bg-sunken text-ink-muted ring-border',
  brand: 'bg-brand-50 text-brand-700 ring-brand-200',
  info: 'bg-info-50 text-info-600 ring-info-600/25',
  success: 'bg-success-50 text-success-600 ring-success-600/25',
  warning: 'bg-warning-50 text-warning-600 ring-warning-600/25',
  danger: 'bg-danger-50 text-danger-600 ring-danger-600/25',
};

export function Badge({ tone = 'neutral', className, children }: { tone?: BadgeTone; className?: string; children: ReactNode }) {
  return (
    <span className={cn('inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap', TONES[tone], className)}>
      {children}
    </span>
  );
}

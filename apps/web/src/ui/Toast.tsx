import { useSyncExternalStore } from 'react';
import { Toast as RToast } from 'radix-ui';
import { AlertTriangle, CheckCircle2, Info, X, XCircle } from 'lucide-react';
import { cn } from './cn';

export type ToastTone = 'info' | 'success' | 'warning' | 'danger';

interface ToastItem {
  id: number;
  title: string;
  description?: string;
  tone: ToastTone;
  duration: number;
}

let items: ToastItem[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function emit() {
  for (const l of listeners) l();
}

/** Shows a transient message. Callable from anywhere (components, thunks, socket handlers). */
export function toast(title: string, opts: { description?: string; tone?: ToastTone; duration?: number } = {}) {
  const item: ToastItem = {
    id: nextId++,
    title,
    description: opts.description,
    tone: opts.tone ?? 'info',
    duration: opts.duration ?? (opts.tone === 'danger' ? 8000 : 5000),
  };
  items = [...items.slice(-4), item];
  emit();
}

toast.success = (title: string, description?: string) => toast(title, { tone: 'success', description });
toast.error = (title: string, description?: string) => toast(title, { tone: 'danger', description });

/** Removes every message on screen (the signed-in user changed: one user's messages are not for the next). */
export function clearToasts() {
  if (!items.length) return;
  items = [];
  emit();
}

function dismiss(id: number) {
  items = items.filter((t) => t.id !== id);
  emit();
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

const ICONS = { info: Info, success: CheckCircle2, warning: AlertTriangle, danger: XCircle };
const TONES = {
  info: 'border-l-info-600',
  success: 'border-l-success-600',
  warning: 'border-l-warning-600',
  danger: 'border-l-danger-600',
};
const ICON_TONES = { info: 'text-info-600', success: 'text-success-600', warning: 'text-warning-600', danger: 'text-danger-600' };

export function Toaster() {
  const list = useSyncExternalStore(subscribe, () => items);
  return (
    <RToast.Provider swipeDirection="right" label="Notifications (F8)">
      {list.map((t) => {
        const Icon = ICONS[t.tone];
        return (
          <RToast.Root
            key={t.id}
            duration={t.duration}
            type={t.tone === 'danger' ? 'foreground' : 'background'}
            onOpenChange={(open) => { if (!open) dismiss(t.id); }}
            className={cn('flex w-full items-start gap-3 rounded-md border border-l-4 border-border bg-surface p-3 shadow-(--shadow-overlay) animate-slide-up', TONES[t.tone])}
          >
            <Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', ICON_TONES[t.tone])} />
            <div className="min-w-0 flex-1">
              <RToast.Title className="text-sm font-semibold text-ink">{t.title}</RToast.Title>
              {t.description && <RToast.Description className="mt-0.5 text-sm text-ink-muted">{t.description}</RToast.Description>}
            </div>
            <RToast.Close aria-label="Dismiss" className="rounded p-0.5 text-ink-subtle hover:bg-sunken hover:text-ink">
              <X aria-hidden className="size-4" />
            </RToast.Close>
          </RToast.Root>
        );
      })}
      <RToast.Viewport className="fixed right-0 bottom-0 z-[60] m-0 flex w-96 max-w-[100vw] list-none flex-col gap-2 p-4 outline-none" />
    </RToast.Provider>
  );
}

import type { ReactNode } from 'react';
import { Dialog as RDialog } from 'radix-ui';
import { X } from 'lucide-react';
import { cn } from './cn';

export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  size?: 'sm' | 'md' | 'lg';
  /** Role of the content; confirmation prompts use alertdialog semantics. */
  role?: 'dialog' | 'alertdialog';
}

const SIZES = { sm: 'max-w-md', md: 'max-w-lg', lg: 'max-w-2xl' };

/** Modal dialog (Radix): focus trapped, Escape closes, labelled by its title. */
export function Dialog({ open, onOpenChange, title, description, children, footer, size = 'md', role = 'dialog' }: DialogProps) {
  return (
    <RDialog.Root open={open} onOpenChange={onOpenChange}>
      <RDialog.Portal>
        <RDialog.Overlay className="fixed inset-0 z-40 bg-brand-900/35 backdrop-blur-[1px] animate-fade-in" />
        <RDialog.Content
          role={role}
          className={cn(
            'fixed top-[8vh] left-1/2 z-50 flex max-h-[84vh] w-[calc(100vw-2rem)] -translate-x-1/2 flex-col',
            'rounded-lg border border-border bg-surface shadow-(--shadow-overlay) animate-slide-up focus:outline-none',
            SIZES[size],
          )}
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <div className="flex items-start justify-between gap-4 border-b border-border px-5 py-4">
            <div>
              <RDialog.Title className="text-base font-semibold text-ink">{title}</RDialog.Title>
              {description && <RDialog.Description className="mt-1 text-sm text-ink-muted">{description}</RDialog.Description>}
            </div>
            <RDialog.Close className="-mr-1 rounded p-1 text-ink-subtle hover:bg-sunken hover:text-ink" aria-label="Close">
              <X aria-hidden className="size-4" />
            </RDialog.Close>
          </div>
          {children && <div className="overflow-y-auto px-5 py-4">{children}</div>}
          {footer && <div className="flex justify-end gap-2 border-t border-border bg-surface-muted px-5 py-3 rounded-b-lg">{footer}</div>}
        </RDialog.Content>
      </RDialog.Portal>
    </RDialog.Root>
  );
}

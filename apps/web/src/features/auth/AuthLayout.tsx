import type { ReactNode } from 'react';

export function AuthLayout({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children: ReactNode }) {
  return (
    <div className="flex min-h-screen items-center justify-center bg-canvas px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center gap-3 text-center">
          <svg aria-hidden viewBox="0 0 32 32" className="size-11">
            <rect width="32" height="32" rx="7" fill="var(--color-brand-700)" />
            <circle cx="16" cy="16" r="9" fill="none" stroke="#e6f4f1" strokeWidth="2.5" />
            <path d="M16 4v24M4 16h24" stroke="#7fd1c3" strokeWidth="1.5" />
          </svg>
          <div>
            <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
            {subtitle && <p className="mt-1 text-sm text-ink-muted">{subtitle}</p>}
          </div>
        </div>
        <div className="rounded-lg border border-border bg-surface p-6 shadow-sm">{children}</div>
        <p className="mt-6 text-center text-xs text-ink-subtle">Axial radiology platform · authorised personnel only</p>
      </div>
    </div>
  );
}

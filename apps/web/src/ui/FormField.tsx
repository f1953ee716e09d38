import { cloneElement, isValidElement, useId, type ReactElement, type ReactNode } from 'react';
import { cn } from './cn';

interface ControlProps {
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
  'aria-required'?: boolean;
}

/**
 * Label + control + hint + error text. The single child control is wired up with an id,
 * `aria-invalid` and `aria-describedby`, so it is found by its label and announces its error.
 */
export function FormField({
  label, error, hint, required, className, children,
}: {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactElement<ControlProps>;
}) {
  const autoId = useId();
  const child = isValidElement(children) ? children : null;
  const id = child?.props.id ?? `f${autoId}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={cn('flex flex-col gap-1', className)}>
      <label htmlFor={id} className="text-xs font-semibold tracking-wide text-ink-muted">
        {label}
        {required && <span aria-hidden className="ml-0.5 text-danger-600">*</span>}
      </label>
      {child &&
        cloneElement(child, {
          id,
          'aria-invalid': error ? true : undefined,
          'aria-describedby': describedBy,
          'aria-required': required || undefined,
        })}
      {hint && !error && <p id={hintId} className="text-xs text-ink-subtle">{hint}</p>}
      {error && (
        <p id={errorId} role="alert" className="text-xs font-medium text-danger-600">{error}</p>
      )}
    </div>
  );
}

/** A labelled group of checkboxes (fieldset + legend) with error text. */
export function FieldGroup({
  legend, error, hint, children, className,
}: { legend: ReactNode; error?: string; hint?: ReactNode; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <fieldset className={cn('flex flex-col gap-1.5', className)} aria-describedby={error ? `${id}-err` : undefined}>
      <legend className="mb-1 text-xs font-semibold tracking-wide text-ink-muted">{legend}</legend>
      {children}
      {hint && !error && <p className="text-xs text-ink-subtle">{hint}</p>}
      {error && <p id={`${id}-err`} role="alert" className="text-xs font-medium text-danger-600">{error}</p>}
    </fieldset>
  );
}

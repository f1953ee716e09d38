import type { InputHTMLAttributes, Ref, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';
import { cn } from './cn';

export const controlClasses = cn(
  'block w-full rounded-(--radius-control) border border-border-strong bg-surface px-2.5 text-sm text-ink shadow-xs',
  'placeholder:text-ink-subtle focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-200',
  'disabled:cursor-not-allowed disabled:bg-sunken disabled:text-ink-subtle',
  'aria-invalid:border-danger-600 aria-invalid:focus:outline-danger-50',
);

export function Input({ className, ref, ...rest }: InputHTMLAttributes<HTMLInputElement> & { ref?: Ref<HTMLInputElement> }) {
  return <input ref={ref} className={cn(controlClasses, 'h-9', className)} {...rest} />;
}

export function Textarea({ className, ref, ...rest }: TextareaHTMLAttributes<HTMLTextAreaElement> & { ref?: Ref<HTMLTextAreaElement> }) {
  return <textarea ref={ref} className={cn(controlClasses, 'min-h-20 py-2', className)} {...rest} />;
}

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

/**
 * A styled native select: fully keyboard accessible, works with screen readers, form libraries
 * and browser automation (`selectOption`) out of the box.
 */
export function Select({
  className, options, placeholder, ref, ...rest
}: SelectHTMLAttributes<HTMLSelectElement> & { options: SelectOption[]; placeholder?: string; ref?: Ref<HTMLSelectElement> }) {
  return (
    <select ref={ref} className={cn(controlClasses, 'h-9 pr-8', className)} {...rest}>
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {options.map((o) => (
        <option key={o.value} value={o.value} disabled={o.disabled}>{o.label}</option>
      ))}
    </select>
  );
}

export function Checkbox({
  label, className, ref, ...rest
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'type'> & { label: string; ref?: Ref<HTMLInputElement> }) {
  return (
    <label className={cn('inline-flex cursor-pointer items-center gap-2 text-sm text-ink select-none', className)}>
      <input ref={ref} type="checkbox" className="size-4 rounded border-border-strong accent-brand-600" {...rest} />
      <span>{label}</span>
    </label>
  );
}

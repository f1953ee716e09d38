import { useState } from 'react';
import type { FieldValues, Path, UseFormSetError } from 'react-hook-form';
import { errorMessage, isApiError } from './api';

/**
 * Maps a server 400 `details` array onto react-hook-form fields. Issues whose path is not a
 * known field (or errors without details) become a form-level message, which is returned.
 */
export function applyServerErrors<T extends FieldValues>(
  err: unknown,
  setError: UseFormSetError<T>,
  fields: readonly (keyof T & string)[],
): string | null {
  if (isApiError(err) && err.details?.length) {
    const leftovers: string[] = [];
    let focused = false;
    for (const d of err.details) {
      const top = d.path.split('.')[0] ?? '';
      if (fields.includes(top)) {
        setError(top as Path<T>, { type: 'server', message: d.message }, { shouldFocus: !focused });
        focused = true;
      } else {
        leftovers.push(d.path ? `${d.path}: ${d.message}` : d.message);
      }
    }
    if (leftovers.length) return leftovers.join(' ');
    return focused ? null : errorMessage(err);
  }
  return errorMessage(err);
}

/** Form-level error message state that is cleared on each submit. */
export function useFormError() {
  return useState<string | null>(null);
}

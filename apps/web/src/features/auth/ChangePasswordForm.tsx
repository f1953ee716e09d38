import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { applyServerErrors } from '../../app/forms';
import { sessionStarted, userUpdated } from '../../app/session';
import { useAppDispatch } from '../../app/store';
import type { SessionPayload, User } from '../../app/types';
import { Alert, Button, FormField, Input } from '../../ui';
import { authApi, useChangePasswordMutation } from './authApi';

export const MIN_PASSWORD = 10;

const schema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password'),
    newPassword: z.string().min(MIN_PASSWORD, `Use at least ${MIN_PASSWORD} characters`).max(256),
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match' })
  .refine((v) => v.newPassword !== v.currentPassword, { path: ['newPassword'], message: 'Choose a password different from the current one' });
type Values = z.infer<typeof schema>;

/**
 * Change-password form. After success the session is brought up to date: a returned token is
 * used directly, otherwise the profile is re-read (the request retries through a refresh if the
 * server revoked the old access token). Resolves to false if the user must sign in again.
 */
export function ChangePasswordForm({ onDone, submitLabel = 'Change password' }: { onDone: (stillSignedIn: boolean) => void; submitLabel?: string }) {
  const dispatch = useAppDispatch();
  const [changePassword, { isLoading }] = useChangePasswordMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { currentPassword: '', newPassword: '', confirmPassword: '' },
  });

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      const res = await changePassword({ currentPassword: v.currentPassword, newPassword: v.newPassword }).unwrap();
      reset();
      if (res && typeof res === 'object' && 'accessToken' in res && res.accessToken && res.user) {
        dispatch(sessionStarted(res as SessionPayload));
        onDone(true);
        return;
      }
      try {
        const me: User = await dispatch(authApi.endpoints.me.initiate(undefined, { forceRefetch: true, subscribe: false })).unwrap();
        dispatch(userUpdated({ ...me, mustChangePassword: false }));
        onDone(true);
      } catch {
        onDone(false);
      }
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['currentPassword', 'newPassword']));
    }
  });

  return (
    <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Change password">
      {formError && <Alert>{formError}</Alert>}
      <FormField label="Current password" error={errors.currentPassword?.message}>
        <Input {...register('currentPassword')} type="password" autoComplete="current-password" />
      </FormField>
      <FormField label="New password" error={errors.newPassword?.message} hint={`At least ${MIN_PASSWORD} characters.`}>
        <Input {...register('newPassword')} type="password" autoComplete="new-password" />
      </FormField>
      <FormField label="Confirm new password" error={errors.confirmPassword?.message}>
        <Input {...register('confirmPassword')} type="password" autoComplete="new-password" />
      </FormField>
      <div>
        <Button type="submit" variant="primary" loading={isLoading}>{submitLabel}</Button>
      </div>
    </form>
  );
}

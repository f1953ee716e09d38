import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { isApiError } from '../../app/api';
import { sessionStarted } from '../../app/session';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { Splash } from '../../app/guards';
import { Alert, Button, FormField, Input } from '../../ui';
import { AuthLayout } from './AuthLayout';
import { useLoginMutation } from './authApi';

const schema = z.object({
  username: z.string().trim().min(1, 'Enter your username'),
  password: z.string().min(1, 'Enter your password'),
});
type Values = z.infer<typeof schema>;

/** Only same-origin, in-app paths are honoured as a post-login destination. */
function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

const END_MESSAGES = {
  expired: 'Your session has expired. Please sign in again.',
  'logged-out': 'You have been signed out.',
  'password-changed': 'Your password was changed. Please sign in with the new password.',
} as const;

export default function LoginPage() {
  const session = useAppSelector((s) => s.session);
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [login, { isLoading }] = useLoginMutation();
  const [error, setError] = useState<string | null>(null);
  const { register, handleSubmit, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { username: '', password: '' },
  });

  if (session.status === 'restoring') return <Splash />;
  if (session.status === 'authenticated' && session.user) {
    return <Navigate to={session.user.mustChangePassword ? '/change-password' : next} replace />;
  }

  const onSubmit = handleSubmit(async (values) => {
    setError(null);
    try {
      const payload = await login(values).unwrap();
      dispatch(sessionStarted(payload));
      navigate(payload.user.mustChangePassword ? '/change-password' : next, { replace: true });
    } catch (err) {
      if (isApiError(err) && err.statusCode === 429) {
        setError(
          err.retryAfter
            ? `Too many sign-in attempts. Try again in ${err.retryAfter} seconds.`
            : 'Too many sign-in attempts. Please wait a moment and try again.',
        );
      } else if (isApiError(err) && (err.statusCode === 401 || err.statusCode === 400)) {
        setError('Invalid username or password.');
      } else if (isApiError(err) && err.statusCode === 0) {
        setError(err.message);
      } else {
        setError('Sign-in failed. Please try again.');
      }
    }
  });

  const endReason = session.endReason;
  return (
    <AuthLayout title="Sign in to Axial" subtitle="PACS · RIS · Diagnostic viewer">
      <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4" aria-label="Sign in">
        {error ? (
          <Alert>{error}</Alert>
        ) : (
          endReason && <Alert tone="info">{END_MESSAGES[endReason]}</Alert>
        )}
        <FormField label="Username" error={errors.username?.message}>
          <Input {...register('username')} autoComplete="username" autoFocus autoCapitalize="none" spellCheck={false} />
        </FormField>
        <FormField label="Password" error={errors.password?.message}>
          <Input {...register('password')} type="password" autoComplete="current-password" />
        </FormField>
        <Button type="submit" variant="primary" loading={isLoading} className="mt-1 w-full justify-center">
          Sign in
        </Button>
      </form>
    </AuthLayout>
  );
}

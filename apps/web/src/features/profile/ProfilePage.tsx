import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { LogOut } from 'lucide-react';
import { applyServerErrors } from '../../app/forms';
import { formatDateTime } from '../../app/format';
import { roleLabel } from '../../app/permissions';
import { sessionEnded, userUpdated } from '../../app/session';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { errorMessage } from '../../app/api';
import { Alert, Badge, Button, Card, ConfirmDialog, FormField, Input, PageHeader, toast } from '../../ui';
import { useLogoutAllMutation, useUpdateMeMutation } from '../auth/authApi';
import { ChangePasswordForm } from '../auth/ChangePasswordForm';

const schema = z.object({
  displayName: z.string().trim().min(1, 'Display name is required').max(200),
  email: z.union([z.literal(''), z.email('Enter a valid email address')]),
  phone: z.string().trim().max(50).regex(/^[0-9+()\-.\s]*$/, 'Use digits, spaces and + ( ) - only'),
});
type Values = z.infer<typeof schema>;

export default function ProfilePage() {
  const user = useAppSelector((s) => s.session.user)!;
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [updateMe, { isLoading }] = useUpdateMeMutation();
  const [logoutAll, { isLoading: loggingOut }] = useLogoutAllMutation();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, reset, formState: { errors, isDirty } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { displayName: user.displayName, email: user.email ?? '', phone: user.phone ?? '' },
  });

  useEffect(() => {
    reset({ displayName: user.displayName, email: user.email ?? '', phone: user.phone ?? '' });
  }, [user.displayName, user.email, user.phone, reset]);

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      const updated = await updateMe({ displayName: v.displayName, email: v.email || null, phone: v.phone || null }).unwrap();
      if (updated && typeof updated === 'object' && 'id' in updated) dispatch(userUpdated({ ...user, ...updated }));
      else dispatch(userUpdated({ ...user, displayName: v.displayName, email: v.email || null, phone: v.phone || null }));
      toast.success('Profile saved');
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['displayName', 'email', 'phone']));
    }
  });

  const doLogoutAll = async () => {
    try {
      await logoutAll().unwrap();
    } catch (err) {
      toast.error('Could not sign out everywhere', errorMessage(err));
      return;
    }
    dispatch(sessionEnded('logged-out'));
    navigate('/login', { replace: true });
  };

  return (
    <>
      <PageHeader title="My profile" description="Your contact details, password and active sessions." />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="flex flex-col gap-6">
          <Card title="Details">
            <form onSubmit={onSubmit} noValidate className="flex flex-col gap-4 p-4" aria-label="Profile details">
              {formError && <Alert>{formError}</Alert>}
              <FormField label="Display name" error={errors.displayName?.message} required>
                <Input {...register('displayName')} autoComplete="name" />
              </FormField>
              <div className="grid gap-4 sm:grid-cols-2">
                <FormField label="Email" error={errors.email?.message}>
                  <Input {...register('email')} type="email" autoComplete="email" />
                </FormField>
                <FormField label="Phone" error={errors.phone?.message}>
                  <Input {...register('phone')} type="tel" autoComplete="tel" />
                </FormField>
              </div>
              <div>
                <Button type="submit" variant="primary" loading={isLoading} disabled={!isDirty}>Save profile</Button>
              </div>
            </form>
          </Card>
          <Card title="Change password">
            <div className="p-4">
              <ChangePasswordForm
                onDone={(stillSignedIn) => {
                  if (stillSignedIn) toast.success('Password changed');
                  else {
                    dispatch(sessionEnded('password-changed'));
                    navigate('/login', { replace: true });
                  }
                }}
              />
            </div>
          </Card>
        </div>
        <div className="flex flex-col gap-6">
          <Card title="Account">
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 p-4 text-sm">
              <dt className="text-ink-muted">Username</dt>
              <dd className="font-medium">{user.username}</dd>
              <dt className="text-ink-muted">Roles</dt>
              <dd className="flex flex-wrap gap-1">{user.roles.length ? user.roles.map((r) => <Badge key={r} tone="brand">{roleLabel(r)}</Badge>) : '—'}</dd>
              <dt className="text-ink-muted">Department</dt>
              <dd>{user.departmentName ?? '—'}</dd>
              <dt className="text-ink-muted">Member since</dt>
              <dd>{formatDateTime(user.createdAt)}</dd>
              <dt className="text-ink-muted">Last sign-in</dt>
              <dd>{formatDateTime(user.lastLoginAt)}</dd>
            </dl>
          </Card>
          <Card title="Sessions">
            <div className="flex flex-col gap-3 p-4 text-sm text-ink-muted">
              <p>Signed in on a shared or lost device? Sign out of every browser and device at once, including this one.</p>
              <div>
                <Button variant="danger" icon={<LogOut aria-hidden className="size-4" />} onClick={() => setConfirmOpen(true)}>
                  Log out everywhere
                </Button>
              </div>
            </div>
          </Card>
        </div>
      </div>
      <ConfirmDialog
        open={confirmOpen}
        onOpenChange={setConfirmOpen}
        title="Log out everywhere?"
        description="Every session of your account will end, including this one. You will need to sign in again."
        confirmLabel="Log out everywhere"
        loading={loggingOut}
        onConfirm={() => void doLogoutAll()}
      />
    </>
  );
}

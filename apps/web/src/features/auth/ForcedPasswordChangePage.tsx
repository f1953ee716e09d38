import { Navigate, useNavigate } from 'react-router';
import { sessionEnded } from '../../app/session';
import { useAppDispatch, useAppSelector } from '../../app/store';
import { Alert, Button, toast } from '../../ui';
import { AuthLayout } from './AuthLayout';
import { ChangePasswordForm } from './ChangePasswordForm';
import { useLogoutMutation } from './authApi';

/** Shown after sign-in when the account must set a new password before doing anything else. */
export default function ForcedPasswordChangePage() {
  const user = useAppSelector((s) => s.session.user);
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [logout] = useLogoutMutation();
  if (user && !user.mustChangePassword) return <Navigate to="/" replace />;

  return (
    <AuthLayout title="Choose a new password" subtitle={user ? `Signed in as ${user.username}` : undefined}>
      <div className="flex flex-col gap-4">
        <Alert tone="warning">Your password must be changed before you can continue.</Alert>
        <ChangePasswordForm
          submitLabel="Set new password"
          onDone={(stillSignedIn) => {
            if (stillSignedIn) {
              toast.success('Password changed');
              navigate('/', { replace: true });
            } else {
              dispatch(sessionEnded('password-changed'));
              navigate('/login', { replace: true });
            }
          }}
        />
        <Button
          variant="link"
          className="self-start text-sm"
          onClick={async () => {
            await logout().unwrap().catch(() => undefined);
            dispatch(sessionEnded('logged-out'));
            navigate('/login', { replace: true });
          }}
        >
          Sign out instead
        </Button>
      </div>
    </AuthLayout>
  );
}

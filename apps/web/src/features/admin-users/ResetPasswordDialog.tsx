import { useState } from 'react';
import { Copy } from 'lucide-react';
import { errorMessage } from '../../app/api';
import type { User } from '../../app/types';
import { Alert, Button, Dialog, FormField, Input, toast } from '../../ui';
import { MIN_PASSWORD } from '../auth/ChangePasswordForm';
import { useResetPasswordMutation } from './usersApi';

/** Reset a user's password: either a chosen one, or a server-generated one shown exactly once. */
export function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const [reset, { isLoading }] = useResetPasswordMutation();
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [temporary, setTemporary] = useState<string | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    setFormError(null);
    if (password && password.length < MIN_PASSWORD) {
      setFieldError(`At least ${MIN_PASSWORD} characters`);
      return;
    }
    try {
      const res = await reset({ id: user.id, newPassword: password || undefined }).unwrap();
      if (res?.temporaryPassword) setTemporary(res.temporaryPassword);
      else {
        toast.success('Password reset', `${user.displayName} must choose a new password at next sign-in.`);
        onClose();
      }
    } catch (err) {
      const detail = (err as { details?: { path: string; message: string }[] }).details?.find((d) => d.path === 'newPassword');
      if (detail) setFieldError(detail.message);
      else setFormError(errorMessage(err));
    }
  };

  if (temporary) {
    return (
      <Dialog
        open
        onOpenChange={(o) => { if (!o) onClose(); }}
        title="Temporary password"
        description={`Give this password to ${user.displayName}. It is shown only once; they will be asked to change it at sign-in.`}
        size="sm"
        footer={<Button variant="primary" onClick={onClose}>Done</Button>}
      >
        <div className="flex items-center gap-2">
          <output aria-label="Temporary password" data-testid="temporary-password" className="flex-1 rounded-md border border-border bg-sunken px-3 py-2 font-mono text-base tracking-wide select-all">
            {temporary}
          </output>
          <Button
            size="icon"
            aria-label="Copy password"
            icon={<Copy aria-hidden className="size-4" />}
            onClick={() => {
              void navigator.clipboard?.writeText(temporary).then(() => toast.success('Copied to clipboard'));
            }}
          />
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      onOpenChange={(o) => { if (!o) onClose(); }}
      title={`Reset password for ${user.displayName}`}
      description="Leave the field empty to generate a temporary password. Their existing sessions will be signed out."
      size="sm"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" type="submit" form="reset-password" loading={isLoading}>Reset password</Button>
        </>
      }
    >
      <form id="reset-password" onSubmit={submit} noValidate className="flex flex-col gap-3">
        {formError && <Alert>{formError}</Alert>}
        <FormField label="New password (optional)" error={fieldError ?? undefined} hint={`Empty = generate one. Otherwise at least ${MIN_PASSWORD} characters.`}>
          <Input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </FormField>
      </form>
    </Dialog>
  );
}

import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { applyServerErrors } from '../../app/forms';
import type { User } from '../../app/types';
import { Alert, Button, Checkbox, Dialog, FieldGroup, FormField, Input, Select, toast } from '../../ui';
import { useDepartmentOptions } from '../admin-departments/departmentsApi';
import { useRoleOptions } from '../admin-roles/useRoleOptions';
import { MIN_PASSWORD } from '../auth/ChangePasswordForm';
import { useCreateUserMutation, useUpdateUserMutation } from './usersApi';

const base = {
  displayName: z.string().trim().min(1, 'Display name is required').max(200),
  email: z.union([z.literal(''), z.email('Enter a valid email address')]),
  phone: z.string().trim().max(50).regex(/^[0-9+()\-.\s]*$/, 'Use digits, spaces and + ( ) - only'),
  departmentId: z.string(),
  roles: z.array(z.string()).min(1, 'Choose at least one role'),
};

const createSchema = z.object({
  ...base,
  username: z
    .string()
    .trim()
    .min(3, 'At least 3 characters')
    .max(64)
    .regex(/^[A-Za-z0-9._@-]+$/, 'Letters, digits and . _ - @ only'),
  password: z.string().min(MIN_PASSWORD, `At least ${MIN_PASSWORD} characters`).max(256),
});
const editSchema = z.object({ ...base, username: z.string(), password: z.string() });
type Values = z.infer<typeof createSchema>;

const FIELDS = ['username', 'displayName', 'email', 'phone', 'password', 'departmentId', 'roles'] as const;

export function UserFormDialog({ user, open, onOpenChange }: { user?: User; open: boolean; onOpenChange: (o: boolean) => void }) {
  const editing = !!user;
  const departments = useDepartmentOptions(!open);
  const roleOptions = useRoleOptions(!open);
  const [createUser, createState] = useCreateUserMutation();
  const [updateUser, updateState] = useUpdateUserMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, control, handleSubmit, setError, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(editing ? editSchema : createSchema),
    defaultValues: {
      username: user?.username ?? '',
      displayName: user?.displayName ?? '',
      email: user?.email ?? '',
      phone: user?.phone ?? '',
      password: '',
      departmentId: user?.departmentId ?? '',
      roles: user?.roles ?? [],
    },
  });

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      if (user) {
        await updateUser({
          id: user.id,
          body: { displayName: v.displayName, email: v.email || null, phone: v.phone || null, departmentId: v.departmentId || null, roles: v.roles },
        }).unwrap();
        toast.success('User updated', v.displayName);
      } else {
        await createUser({
          username: v.username,
          displayName: v.displayName,
          email: v.email || undefined,
          phone: v.phone || undefined,
          password: v.password,
          departmentId: v.departmentId || undefined,
          roles: v.roles,
        }).unwrap();
        toast.success('User created', `${v.displayName} can now sign in as ${v.username}.`);
      }
      onOpenChange(false);
    } catch (err) {
      setFormError(applyServerErrors(err, setError, FIELDS));
    }
  });

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title={editing ? `Edit ${user.displayName}` : 'New user'}
      description={editing ? `Username: ${user.username}` : 'Share the initial password securely: they will be asked to choose their own at first sign-in.'}
      size="lg"
      footer={
        <>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" type="submit" form="user-form" loading={createState.isLoading || updateState.isLoading}>
            {editing ? 'Save changes' : 'Create user'}
          </Button>
        </>
      }
    >
      <form id="user-form" onSubmit={onSubmit} noValidate className="grid gap-4 sm:grid-cols-2">
        {formError && <Alert className="sm:col-span-2">{formError}</Alert>}
        {!editing && (
          <FormField label="Username" error={errors.username?.message} required>
            <Input {...register('username')} autoComplete="off" autoCapitalize="none" spellCheck={false} autoFocus />
          </FormField>
        )}
        <FormField label="Display name" error={errors.displayName?.message} required>
          <Input {...register('displayName')} autoFocus={editing} />
        </FormField>
        <FormField label="Email" error={errors.email?.message}>
          <Input {...register('email')} type="email" autoComplete="off" />
        </FormField>
        <FormField label="Phone" error={errors.phone?.message}>
          <Input {...register('phone')} type="tel" autoComplete="off" />
        </FormField>
        {!editing && (
          <FormField label="Initial password" error={errors.password?.message} hint={`At least ${MIN_PASSWORD} characters.`} required>
            <Input {...register('password')} type="password" autoComplete="new-password" />
          </FormField>
        )}
        <FormField label="Department" error={errors.departmentId?.message}>
          <Select {...register('departmentId')} options={departments.options} placeholder="No department" />
        </FormField>
        <Controller
          control={control}
          name="roles"
          render={({ field }) => (
            <FieldGroup legend="Roles" error={errors.roles?.message} className="sm:col-span-2">
              <div className="grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-3">
                {roleOptions.map((r) => (
                  <Checkbox
                    key={r.value}
                    label={r.label}
                    name="roles"
                    value={r.value}
                    checked={field.value.includes(r.value)}
                    onChange={(e) =>
                      field.onChange(e.target.checked ? [...field.value, r.value] : field.value.filter((x) => x !== r.value))
                    }
                  />
                ))}
              </div>
            </FieldGroup>
          )}
        />
      </form>
    </Dialog>
  );
}

import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useState } from 'react';
import { applyServerErrors } from '../../app/forms';
import { P, roleLabel, usePermissions } from '../../app/permissions';
import { Alert, Button, Dialog, FormField, Input, Select, Textarea, toast } from '../../ui';
import { useSendNotificationMutation } from './notificationsApi';
import { useDepartmentOptions } from '../admin-departments/departmentsApi';
import { useListRolesQuery } from '../admin-roles/rolesApi';
import { useListUsersQuery } from '../admin-users/usersApi';

const schema = z
  .object({
    title: z.string().trim().min(1, 'Title is required').max(200),
    body: z.string().max(2000),
    level: z.enum(['info', 'warning', 'critical']),
    targetType: z.enum(['user', 'role', 'department']),
    targetValue: z.string().min(1, 'Choose who receives it'),
  });
type Values = z.infer<typeof schema>;

export function SendNotificationDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const { can } = usePermissions();
  const [send, { isLoading }] = useSendNotificationMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, watch, setError, setValue, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { title: '', body: '', level: 'info', targetType: 'role', targetValue: '' },
  });
  const targetType = watch('targetType');
  const canRoles = can(P.roleManage);
  const canUsers = can(P.userRead);
  const roles = useListRolesQuery(undefined, { skip: !open || targetType !== 'role' || !canRoles });
  const users = useListUsersQuery({ limit: 500, offset: 0, active: true }, { skip: !open || targetType !== 'user' || !canUsers });
  const departments = useDepartmentOptions(!open || targetType !== 'department');

  const roleOptions = roles.data
    ? roles.data.map((r) => ({ value: r.code, label: r.name }))
    : ['admin', 'radiologist', 'technician', 'receptionist', 'department_head', 'referring_physician'].map((c) => ({ value: c, label: roleLabel(c) }));
  const targetOptions =
    targetType === 'role'
      ? roleOptions
      : targetType === 'user'
        ? (users.data?.items ?? []).map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` }))
        : departments.options;

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    const target = v.targetType === 'user' ? { userId: v.targetValue } : v.targetType === 'role' ? { role: v.targetValue } : { departmentId: v.targetValue };
    try {
      await send({ title: v.title, body: v.body, level: v.level, target }).unwrap();
      toast.success('Notification sent');
      onOpenChange(false);
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['title', 'body', 'level']));
    }
  });

  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Send notification"
      description="Delivered instantly to everyone in the chosen audience."
      footer={
        <>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button variant="primary" type="submit" form="send-notification" loading={isLoading}>Send</Button>
        </>
      }
    >
      <form id="send-notification" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <FormField label="Title" error={errors.title?.message} required>
          <Input {...register('title')} autoFocus />
        </FormField>
        <FormField label="Message" error={errors.body?.message}>
          <Textarea {...register('body')} rows={3} />
        </FormField>
        <div className="grid grid-cols-3 gap-3">
          <FormField label="Level" error={errors.level?.message}>
            <Select
              {...register('level')}
              options={[
                { value: 'info', label: 'Info' },
                { value: 'warning', label: 'Warning' },
                { value: 'critical', label: 'Critical' },
              ]}
            />
          </FormField>
          <FormField label="Send to">
            <Select
              {...register('targetType', { onChange: () => setValue('targetValue', '') })}
              options={[
                { value: 'role', label: 'Everyone with role' },
                { value: 'department', label: 'Department' },
                { value: 'user', label: 'One user', disabled: !canUsers },
              ]}
            />
          </FormField>
          <FormField label={targetType === 'role' ? 'Role' : targetType === 'user' ? 'User' : 'Department'} error={errors.targetValue?.message}>
            <Select {...register('targetValue')} options={targetOptions} placeholder="Choose…" />
          </FormField>
        </div>
      </form>
    </Dialog>
  );
}

import { useState } from 'react';
import { Building2, Pencil, Plus, Trash2 } from 'lucide-react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { errorMessage } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import { clientPage, PAGE_SIZE } from '../../app/hooks';
import { P, usePermissions } from '../../app/permissions';
import type { Department } from '../../app/types';
import {
  Alert, Button, Card, ConfirmDialog, DataTable, Dialog, EmptyState, FormField, Input, PageHeader, Textarea, toast, type Column,
} from '../../ui';
import {
  useCreateDepartmentMutation, useDeleteDepartmentMutation, useListDepartmentsQuery, useUpdateDepartmentMutation,
} from './departmentsApi';

const schema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(120),
  code: z
    .string()
    .trim()
    .toUpperCase()
    .min(1, 'Code is required')
    .max(16, 'At most 16 characters')
    .regex(/^[A-Z0-9_-]+$/, 'Letters, digits, - and _ only'),
  description: z.string().trim().max(1000),
});
type Values = z.infer<typeof schema>;

export default function DepartmentsPage() {
  const { can } = usePermissions();
  const canManage = can(P.departmentManage);
  const [offset, setOffset] = useState(0);
  const { data, isLoading, isFetching, error } = useListDepartmentsQuery();
  const page = clientPage(data?.items, offset);
  const [editing, setEditing] = useState<Department | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Department | null>(null);
  const [remove, removeState] = useDeleteDepartmentMutation();

  const columns: Column<Department>[] = [
    { key: 'name', header: 'Name', cell: (d) => <span className="font-medium">{d.name}</span> },
    { key: 'code', header: 'Code', cell: (d) => <code className="font-mono text-xs">{d.code}</code> },
    { key: 'description', header: 'Description', cell: (d) => <span className="text-ink-muted">{d.description || '—'}</span> },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (d) => (
        <div className="flex justify-end gap-1">
          <Button size="sm" variant="ghost" icon={<Pencil aria-hidden className="size-3.5" />} aria-label={`Edit ${d.name}`} onClick={() => setEditing(d)}>Edit</Button>
          <Button size="sm" variant="ghost" icon={<Trash2 aria-hidden className="size-3.5" />} aria-label={`Delete ${d.name}`} onClick={() => setDeleting(d)}>Delete</Button>
        </div>
      ),
    });
  }

  const doDelete = async () => {
    if (!deleting) return;
    try {
      await remove(deleting.id).unwrap();
      toast.success('Department deleted', deleting.name);
      setDeleting(null);
    } catch (err) {
      toast.error('Could not delete department', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        title="Departments"
        description="Organisational units that own rooms, staff and schedules."
        actions={canManage && <Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing('new')}>New department</Button>}
      />
      <Card>
        <DataTable
          label="Departments"
          columns={columns}
          rows={page.rows}
          rowKey={(d) => d.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          empty={<EmptyState icon={Building2} title="No departments yet" description={canManage ? 'Create the first department to start adding rooms and staff.' : undefined} />}
          paging={data ? { total: page.total, limit: PAGE_SIZE, offset, onChange: setOffset } : undefined}
        />
      </Card>
      {editing && <DepartmentDialog department={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.name ?? 'department'}?`}
        description="A department that still has rooms cannot be deleted. Users in it will no longer belong to a department."
        confirmLabel="Delete"
        loading={removeState.isLoading}
        onConfirm={() => void doDelete()}
      />
    </>
  );
}

function DepartmentDialog({ department, onClose }: { department?: Department; onClose: () => void }) {
  const [create, createState] = useCreateDepartmentMutation();
  const [update, updateState] = useUpdateDepartmentMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: department?.name ?? '', code: department?.code ?? '', description: department?.description ?? '' },
  });
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      if (department) await update({ id: department.id, body: v }).unwrap();
      else await create(v).unwrap();
      toast.success(department ? 'Department updated' : 'Department created', v.name);
      onClose();
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['name', 'code', 'description']));
    }
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={department ? `Edit ${department.name}` : 'New department'}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="department-form" loading={createState.isLoading || updateState.isLoading}>
            {department ? 'Save changes' : 'Create department'}
          </Button>
        </>
      }
    >
      <form id="department-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <div className="grid gap-4 sm:grid-cols-[1fr_10rem]">
          <FormField label="Name" error={errors.name?.message} required>
            <Input {...register('name')} autoFocus />
          </FormField>
          <FormField label="Code" error={errors.code?.message} required hint="Short identifier, e.g. RAD">
            <Input {...register('code')} autoCapitalize="characters" spellCheck={false} className="uppercase" />
          </FormField>
        </div>
        <FormField label="Description" error={errors.description?.message}>
          <Textarea {...register('description')} rows={3} />
        </FormField>
      </form>
    </Dialog>
  );
}

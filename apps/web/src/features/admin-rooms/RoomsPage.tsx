import { useState } from 'react';
import { DoorOpen, Pencil, Plus, Trash2 } from 'lucide-react';
import { Controller, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { errorMessage } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import { clientPage, PAGE_SIZE } from '../../app/hooks';
import { P, usePermissions } from '../../app/permissions';
import { MODALITIES, type Room } from '../../app/types';
import {
  Alert, Badge, Button, Card, Checkbox, ConfirmDialog, DataTable, Dialog, EmptyState, FieldGroup, FormField, Input, PageHeader, Select,
  toast, Toolbar, type Column,
} from '../../ui';
import { useDepartmentOptions } from '../admin-departments/departmentsApi';
import { useCreateRoomMutation, useDeleteRoomMutation, useListRoomsQuery, useUpdateRoomMutation } from './roomsApi';

const MODALITY_NAMES: Record<string, string> = {
  CT: 'Computed tomography', MR: 'Magnetic resonance', US: 'Ultrasound', CR: 'Computed radiography', DX: 'Digital radiography',
  MG: 'Mammography', XA: 'X-ray angiography', RF: 'Fluoroscopy', NM: 'Nuclear medicine', PT: 'PET', OT: 'Other',
};

const schema = z.object({
  name: z.string().trim().min(1, 'Name is required').max(120),
  departmentId: z.string().min(1, 'Choose a department'),
  modalities: z.array(z.string()),
  active: z.boolean(),
});
type Values = z.infer<typeof schema>;

export default function RoomsPage() {
  const { can } = usePermissions();
  const canManage = can(P.roomManage);
  const [departmentId, setDepartmentId] = useState('');
  const [offset, setOffset] = useState(0);
  const departments = useDepartmentOptions(!can(P.departmentRead) && !canManage);
  const { data, isLoading, isFetching, error } = useListRoomsQuery({ departmentId: departmentId || undefined });
  const page = clientPage(data?.items, offset);
  const [editing, setEditing] = useState<Room | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Room | null>(null);
  const [remove, removeState] = useDeleteRoomMutation();

  const columns: Column<Room>[] = [
    { key: 'name', header: 'Room', cell: (r) => <span className="font-medium">{r.name}</span> },
    { key: 'department', header: 'Department', cell: (r) => r.departmentName ?? '—' },
    {
      key: 'modalities',
      header: 'Modalities',
      cell: (r) => (
        <div className="flex flex-wrap gap-1">
          {r.modalities.length ? r.modalities.map((m) => <Badge key={m} tone="info"><abbr title={MODALITY_NAMES[m] ?? m} className="no-underline">{m}</abbr></Badge>) : <span className="text-ink-subtle">—</span>}
        </div>
      ),
    },
    { key: 'status', header: 'Status', cell: (r) => (r.active ? <Badge tone="success">In service</Badge> : <Badge>Out of service</Badge>) },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (r) => (
        <div className="flex justify-end gap-1">
          <Button size="sm" variant="ghost" icon={<Pencil aria-hidden className="size-3.5" />} aria-label={`Edit ${r.name}`} onClick={() => setEditing(r)}>Edit</Button>
          <Button size="sm" variant="ghost" icon={<Trash2 aria-hidden className="size-3.5" />} aria-label={`Delete ${r.name}`} onClick={() => setDeleting(r)}>Delete</Button>
        </div>
      ),
    });
  }

  const doDelete = async () => {
    if (!deleting) return;
    try {
      await remove(deleting.id).unwrap();
      toast.success('Room deleted', deleting.name);
      setDeleting(null);
    } catch (err) {
      toast.error('Could not delete room', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        title="Rooms"
        description="Examination rooms and the modalities they host."
        actions={canManage && <Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing('new')}>New room</Button>}
      />
      <Card>
        <Toolbar>
          <FormField label="Department" className="w-60">
            <Select
              value={departmentId}
              onChange={(e) => { setDepartmentId(e.target.value); setOffset(0); }}
              options={departments.options}
              placeholder="All departments"
            />
          </FormField>
        </Toolbar>
        <DataTable
          label="Rooms"
          columns={columns}
          rows={page.rows}
          rowKey={(r) => r.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          empty={<EmptyState icon={DoorOpen} title="No rooms" description={canManage ? 'Add a room to make it available for scheduling.' : undefined} />}
          paging={data ? { total: page.total, limit: PAGE_SIZE, offset, onChange: setOffset } : undefined}
        />
      </Card>
      {editing && <RoomDialog room={editing === 'new' ? undefined : editing} defaultDepartmentId={departmentId} departmentOptions={departments.options} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.name ?? 'room'}?`}
        description="Its scheduled shifts are removed as well. To keep history, mark the room out of service instead."
        confirmLabel="Delete"
        loading={removeState.isLoading}
        onConfirm={() => void doDelete()}
      />
    </>
  );
}

function RoomDialog({
  room, defaultDepartmentId, departmentOptions, onClose,
}: { room?: Room; defaultDepartmentId: string; departmentOptions: { value: string; label: string }[]; onClose: () => void }) {
  const [create, createState] = useCreateRoomMutation();
  const [update, updateState] = useUpdateRoomMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, control, handleSubmit, setError, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: room?.name ?? '',
      departmentId: room?.departmentId ?? defaultDepartmentId,
      modalities: room?.modalities ?? [],
      active: room?.active ?? true,
    },
  });
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      if (room) await update({ id: room.id, body: v }).unwrap();
      else await create(v).unwrap();
      toast.success(room ? 'Room updated' : 'Room created', v.name);
      onClose();
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['name', 'departmentId', 'modalities', 'active']));
    }
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={room ? `Edit ${room.name}` : 'New room'}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="room-form" loading={createState.isLoading || updateState.isLoading}>
            {room ? 'Save changes' : 'Create room'}
          </Button>
        </>
      }
    >
      <form id="room-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Name" error={errors.name?.message} required>
            <Input {...register('name')} autoFocus placeholder="e.g. CT 1" />
          </FormField>
          <FormField label="Department" error={errors.departmentId?.message} required>
            <Select {...register('departmentId')} options={departmentOptions} placeholder="Choose…" />
          </FormField>
        </div>
        <Controller
          control={control}
          name="modalities"
          render={({ field }) => (
            <FieldGroup legend="Modalities" error={errors.modalities?.message} hint="DICOM modality codes of the equipment in this room.">
              <div className="grid grid-cols-4 gap-x-4 gap-y-2 sm:grid-cols-6">
                {MODALITIES.map((m) => (
                  <Checkbox
                    key={m}
                    label={m}
                    title={MODALITY_NAMES[m]}
                    value={m}
                    checked={field.value.includes(m)}
                    onChange={(e) => field.onChange(e.target.checked ? [...field.value, m] : field.value.filter((x) => x !== m))}
                  />
                ))}
              </div>
            </FieldGroup>
          )}
        />
        <Checkbox label="In service" {...register('active')} />
      </form>
    </Dialog>
  );
}

import { useState } from 'react';
import { Moon, Pencil, Plus, Timer, Trash2 } from 'lucide-react';
import { Controller, useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { errorMessage } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import { formatDays, isOvernight, WEEKDAYS } from '../../app/format';
import { clientPage, PAGE_SIZE } from '../../app/hooks';
import { P, usePermissions } from '../../app/permissions';
import type { ShiftTemplate } from '../../app/types';
import {
  Alert, Badge, Button, Card, Checkbox, ConfirmDialog, DataTable, Dialog, EmptyState, FieldGroup, FormField, Input, PageHeader, toast, type Column,
} from '../../ui';
import { useCreateShiftMutation, useDeleteShiftMutation, useListShiftsQuery, useUpdateShiftMutation } from './shiftsApi';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const schema = z
  .object({
    name: z.string().trim().min(1, 'Name is required').max(80),
    startTime: z.string().regex(TIME, 'Use HH:MM'),
    endTime: z.string().regex(TIME, 'Use HH:MM'),
    days: z.array(z.number().int().min(1).max(7)).min(1, 'Choose at least one day'),
  })
  .refine((v) => v.startTime !== v.endTime, { path: ['endTime'], message: 'End must differ from start' });
type Values = z.infer<typeof schema>;

function duration(start: string, end: string): string {
  const toMin = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  let mins = toMin(end) - toMin(start);
  if (mins <= 0) mins += 24 * 60;
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

export default function ShiftsPage() {
  const { can } = usePermissions();
  const canManage = can(P.shiftManage);
  const [offset, setOffset] = useState(0);
  const { data, isLoading, isFetching, error } = useListShiftsQuery();
  const page = clientPage(data?.items, offset);
  const [editing, setEditing] = useState<ShiftTemplate | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ShiftTemplate | null>(null);
  const [remove, removeState] = useDeleteShiftMutation();

  const columns: Column<ShiftTemplate>[] = [
    { key: 'name', header: 'Name', cell: (s) => <span className="font-medium">{s.name}</span> },
    {
      key: 'hours',
      header: 'Hours',
      cell: (s) => (
        <span className="inline-flex items-center gap-2">
          <span className="font-mono">{s.startTime}–{s.endTime}</span>
          {isOvernight(s.startTime, s.endTime) && <Badge tone="info"><Moon aria-hidden className="size-3" /> Overnight</Badge>}
        </span>
      ),
    },
    { key: 'duration', header: 'Duration', cell: (s) => duration(s.startTime, s.endTime) },
    { key: 'days', header: 'Days', cell: (s) => formatDays(s.days) },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (s) => (
        <div className="flex justify-end gap-1">
          <Button size="sm" variant="ghost" icon={<Pencil aria-hidden className="size-3.5" />} aria-label={`Edit ${s.name}`} onClick={() => setEditing(s)}>Edit</Button>
          <Button size="sm" variant="ghost" icon={<Trash2 aria-hidden className="size-3.5" />} aria-label={`Delete ${s.name}`} onClick={() => setDeleting(s)}>Delete</Button>
        </div>
      ),
    });
  }

  const doDelete = async () => {
    if (!deleting) return;
    try {
      await remove(deleting.id).unwrap();
      toast.success('Shift template deleted', deleting.name);
      setDeleting(null);
    } catch (err) {
      toast.error('Could not delete shift template', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        title="Shift templates"
        description="Reusable shifts used to build the weekly schedule. An end time before the start time is an overnight shift."
        actions={canManage && <Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing('new')}>New shift template</Button>}
      />
      <Card>
        <DataTable
          label="Shift templates"
          columns={columns}
          rows={page.rows}
          rowKey={(s) => s.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          empty={<EmptyState icon={Timer} title="No shift templates yet" />}
          paging={data ? { total: page.total, limit: PAGE_SIZE, offset, onChange: setOffset } : undefined}
        />
      </Card>
      {editing && <ShiftDialog shift={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.name ?? 'shift template'}?`}
        description="Templates already used in the schedule cannot be deleted."
        confirmLabel="Delete"
        loading={removeState.isLoading}
        onConfirm={() => void doDelete()}
      />
    </>
  );
}

function ShiftDialog({ shift, onClose }: { shift?: ShiftTemplate; onClose: () => void }) {
  const [create, createState] = useCreateShiftMutation();
  const [update, updateState] = useUpdateShiftMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, control, handleSubmit, setError, watch, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      name: shift?.name ?? '',
      startTime: shift?.startTime ?? '08:00',
      endTime: shift?.endTime ?? '16:00',
      days: shift?.days ?? [1, 2, 3, 4, 5],
    },
  });
  const [start, end] = watch(['startTime', 'endTime']);
  const overnight = TIME.test(start) && TIME.test(end) && isOvernight(start, end);
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    const body = { ...v, days: [...v.days].sort((a, b) => a - b) };
    try {
      if (shift) await update({ id: shift.id, body }).unwrap();
      else await create(body).unwrap();
      toast.success(shift ? 'Shift template updated' : 'Shift template created', v.name);
      onClose();
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['name', 'startTime', 'endTime', 'days']));
    }
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={shift ? `Edit ${shift.name}` : 'New shift template'}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="shift-form" loading={createState.isLoading || updateState.isLoading}>
            {shift ? 'Save changes' : 'Create shift template'}
          </Button>
        </>
      }
    >
      <form id="shift-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <FormField label="Name" error={errors.name?.message} required>
          <Input {...register('name')} autoFocus placeholder="e.g. Day, Evening, Night" />
        </FormField>
        <div className="grid grid-cols-2 gap-4">
          <FormField label="Start time" error={errors.startTime?.message} required>
            <Input {...register('startTime')} type="time" step={300} />
          </FormField>
          <FormField label="End time" error={errors.endTime?.message} required hint={overnight ? 'Overnight: ends the next morning.' : undefined}>
            <Input {...register('endTime')} type="time" step={300} />
          </FormField>
        </div>
        <Controller
          control={control}
          name="days"
          render={({ field }) => (
            <FieldGroup legend="Days" error={errors.days?.message}>
              <div className="flex flex-wrap gap-x-4 gap-y-2">
                {WEEKDAYS.map((d) => (
                  <Checkbox
                    key={d.value}
                    label={d.short}
                    aria-label={d.long}
                    checked={field.value.includes(d.value)}
                    onChange={(e) => field.onChange(e.target.checked ? [...field.value, d.value] : field.value.filter((x) => x !== d.value))}
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

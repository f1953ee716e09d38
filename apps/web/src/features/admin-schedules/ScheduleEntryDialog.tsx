import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { isApiError } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import { isoWeekday, parseLocalDate, WEEKDAYS } from '../../app/format';
import { P, usePermissions } from '../../app/permissions';
import { Alert, Button, Dialog, FormField, Input, Select, toast } from '../../ui';
import { useListRoomsQuery } from '../admin-rooms/roomsApi';
import { useListShiftsQuery } from '../admin-shifts/shiftsApi';
import { useListUsersQuery } from '../admin-users/usersApi';
import { useCreateScheduleMutation } from './schedulesApi';

/** Options labelled by name; a qualifier is appended only where two items share a name. */
function disambiguate<T extends { id: string }>(items: T[], name: (t: T) => string, qualifier: (t: T) => string) {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(name(i), (counts.get(name(i)) ?? 0) + 1);
  return items
    .map((i) => ({ value: i.id, label: (counts.get(name(i)) ?? 0) > 1 && qualifier(i) ? `${name(i)} (${qualifier(i)})` : name(i) }))
    .sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
}

export interface EntryDraft {
  date: string;
  roomId: string;
  userId: string;
}

const schema = z.object({
  userId: z.string().min(1, 'Choose a staff member'),
  roomId: z.string().min(1, 'Choose a room'),
  shiftTemplateId: z.string().min(1, 'Choose a shift'),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose a date'),
});
type Values = z.infer<typeof schema>;

export function ScheduleEntryDialog({ draft, departmentId, onClose }: { draft: EntryDraft; departmentId: string; onClose: () => void }) {
  const { can } = usePermissions();
  const users = useListUsersQuery({ departmentId: departmentId || undefined, active: true, limit: 500, offset: 0 }, { skip: !can(P.userRead) });
  const rooms = useListRoomsQuery({ departmentId: departmentId || undefined }, { skip: !can(P.roomRead) });
  const shifts = useListShiftsQuery();
  const [create, { isLoading }] = useCreateScheduleMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, watch, formState: { errors } } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { userId: draft.userId, roomId: draft.roomId, shiftTemplateId: '', date: draft.date },
  });
  const date = watch('date');
  const weekday = /^\d{4}-\d{2}-\d{2}$/.test(date) ? isoWeekday(parseLocalDate(date)) : null;

  const shiftOptions = (shifts.data?.items ?? [])
    .slice()
    .sort((a, b) => a.startTime.localeCompare(b.startTime))
    .map((s) => ({
      value: s.id,
      label: `${s.name} (${s.startTime}–${s.endTime})${weekday && !s.days.includes(weekday) ? ` — not usually on ${WEEKDAYS[weekday - 1]!.short}` : ''}`,
    }));

  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      await create(v).unwrap();
      toast.success('Shift scheduled');
      onClose();
    } catch (err) {
      if (isApiError(err) && err.statusCode === 409) {
        setFormError(err.message || 'This staff member is already booked for an overlapping shift.');
        return;
      }
      setFormError(applyServerErrors(err, setError, ['userId', 'roomId', 'shiftTemplateId', 'date']));
    }
  });

  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title="Add shift"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="schedule-form" loading={isLoading}>Add shift</Button>
        </>
      }
    >
      <form id="schedule-form" onSubmit={onSubmit} noValidate className="grid gap-4 sm:grid-cols-2">
        {formError && <Alert className="sm:col-span-2" title="Could not add the shift">{formError}</Alert>}
        <FormField label="Staff member" error={errors.userId?.message} required hint={!can(P.userRead) ? 'You cannot list users.' : undefined}>
          <Select
            {...register('userId')}
            options={disambiguate(users.data?.items ?? [], (u) => u.displayName, (u) => u.departmentName ?? u.username)}
            placeholder="Choose…"
          />
        </FormField>
        <FormField label="Room" error={errors.roomId?.message} required>
          <Select
            {...register('roomId')}
            options={disambiguate((rooms.data?.items ?? []).filter((r) => r.active || r.id === draft.roomId), (r) => r.name, (r) => r.departmentName ?? '')}
            placeholder="Choose…"
          />
        </FormField>
        <FormField label="Date" error={errors.date?.message} required>
          <Input type="date" {...register('date')} />
        </FormField>
        <FormField label="Shift" error={errors.shiftTemplateId?.message} required>
          <Select {...register('shiftTemplateId')} options={shiftOptions} placeholder="Choose…" />
        </FormField>
      </form>
    </Dialog>
  );
}

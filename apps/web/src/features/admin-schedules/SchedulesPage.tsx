import { useMemo, useState } from 'react';
import { CalendarDays, ChevronLeft, ChevronRight, Plus, X } from 'lucide-react';
import { errorMessage } from '../../app/api';
import { addDays, isoWeekNumber, isOvernight, parseLocalDate, startOfIsoWeek, toIsoDate, WEEKDAYS } from '../../app/format';
import { P, usePermissions } from '../../app/permissions';
import type { ScheduleEntry } from '../../app/types';
import { Alert, Button, Card, ConfirmDialog, EmptyState, FormField, Input, PageHeader, Select, Spinner, toast, Toolbar, cn } from '../../ui';
import { useDepartmentOptions } from '../admin-departments/departmentsApi';
import { useListRoomsQuery } from '../admin-rooms/roomsApi';
import { useDeleteScheduleMutation, useListSchedulesQuery } from './schedulesApi';
import { ScheduleEntryDialog, type EntryDraft } from './ScheduleEntryDialog';

type View = 'rooms' | 'staff';

interface Row {
  id: string;
  label: string;
  sub?: string;
}

const rangeFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

export default function SchedulesPage() {
  const { can } = usePermissions();
  const canManage = can(P.scheduleManage);
  const [weekStart, setWeekStart] = useState(() => startOfIsoWeek(new Date()));
  const [departmentId, setDepartmentId] = useState('');
  const [view, setView] = useState<View>('rooms');
  const [draft, setDraft] = useState<EntryDraft | null>(null);
  const [removing, setRemoving] = useState<ScheduleEntry | null>(null);
  const [remove, removeState] = useDeleteScheduleMutation();

  const days = useMemo(() => Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)), [weekStart]);
  const from = toIsoDate(days[0]!);
  const to = toIsoDate(days[6]!);
  const today = toIsoDate(new Date());

  const departments = useDepartmentOptions(!can(P.departmentRead));
  const rooms = useListRoomsQuery({ departmentId: departmentId || undefined }, { skip: !can(P.roomRead) });
  const { data: entries, isLoading, isFetching, error } = useListSchedulesQuery({ from, to, departmentId: departmentId || undefined });

  const rows: Row[] = useMemo(() => {
    const map = new Map<string, Row>();
    if (view === 'rooms') {
      for (const r of rooms.data?.items ?? []) if (r.active) map.set(r.id, { id: r.id, label: r.name, sub: r.modalities.join(' · ') || r.departmentName || undefined });
      for (const e of entries ?? []) if (!map.has(e.roomId)) map.set(e.roomId, { id: e.roomId, label: e.roomName });
    } else {
      for (const e of entries ?? []) if (!map.has(e.userId)) map.set(e.userId, { id: e.userId, label: e.userDisplayName });
    }
    return [...map.values()].sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  }, [view, rooms.data, entries]);

  const cells = useMemo(() => {
    const out = new Map<string, ScheduleEntry[]>();
    for (const e of entries ?? []) {
      const key = `${view === 'rooms' ? e.roomId : e.userId}|${e.date}`;
      const list = out.get(key) ?? [];
      list.push(e);
      out.set(key, list);
    }
    for (const list of out.values()) list.sort((a, b) => a.startTime.localeCompare(b.startTime));
    return out;
  }, [entries, view]);

  const doRemove = async () => {
    if (!removing) return;
    try {
      await remove(removing.id).unwrap();
      toast.success('Shift removed');
      setRemoving(null);
    } catch (err) {
      toast.error('Could not remove shift', errorMessage(err));
    }
  };

  const weekLabel = `Week ${isoWeekNumber(weekStart)} · ${dayFmt.format(days[0]!)} – ${rangeFmt.format(days[6]!)}`;

  return (
    <>
      <PageHeader
        title="Schedules"
        description="Who works where, and when."
        actions={canManage && (
          <Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setDraft({ date: from, roomId: '', userId: '' })}>
            Add shift
          </Button>
        )}
      />
      <Card>
        <Toolbar className="justify-between">
          <div className="flex flex-wrap items-end gap-3">
            <div role="group" aria-label="Week" className="flex items-end gap-1">
              <Button size="icon" aria-label="Previous week" icon={<ChevronLeft aria-hidden className="size-4" />} onClick={() => setWeekStart((w) => addDays(w, -7))} />
              <Button size="sm" className="h-8" onClick={() => setWeekStart(startOfIsoWeek(new Date()))}>This week</Button>
              <Button size="icon" aria-label="Next week" icon={<ChevronRight aria-hidden className="size-4" />} onClick={() => setWeekStart((w) => addDays(w, 7))} />
            </div>
            <FormField label="Week of" className="w-40">
              <Input
                type="date"
                value={from}
                onChange={(e) => {
                  if (/^\d{4}-\d{2}-\d{2}$/.test(e.target.value)) setWeekStart(startOfIsoWeek(parseLocalDate(e.target.value)));
                }}
              />
            </FormField>
            {departments.options.length > 0 && (
              <FormField label="Department" className="w-56">
                <Select value={departmentId} onChange={(e) => setDepartmentId(e.target.value)} options={departments.options} placeholder="All departments" />
              </FormField>
            )}
          </div>
          <div role="radiogroup" aria-label="Group by" className="inline-flex rounded-md border border-border-strong p-0.5">
            {(['rooms', 'staff'] as const).map((v) => (
              <button
                key={v}
                type="button"
                role="radio"
                aria-checked={view === v}
                onClick={() => setView(v)}
                className={cn('rounded px-3 py-1 text-sm', view === v ? 'bg-brand-600 text-white' : 'text-ink-muted hover:bg-sunken')}
              >
                {v === 'rooms' ? 'Rooms' : 'Staff'}
              </button>
            ))}
          </div>
        </Toolbar>
        <p className="border-b border-border px-4 py-2 text-sm font-semibold" aria-live="polite" data-testid="schedule-week">{weekLabel}</p>
        {error && <div className="p-4"><Alert title="Could not load the schedule">{errorMessage(error)}</Alert></div>}
        {isLoading ? (
          <Spinner />
        ) : rows.length === 0 ? (
          <EmptyState
            icon={CalendarDays}
            title={view === 'rooms' ? 'No rooms to schedule' : 'Nobody is scheduled this week'}
            description={view === 'rooms' ? 'Add rooms first, or pick another department.' : canManage ? 'Use “Add shift” to schedule staff.' : undefined}
          />
        ) : (
          <div className="overflow-x-auto">
            <table aria-label={`Schedule by ${view === 'rooms' ? 'room' : 'staff member'}, ${weekLabel}`} aria-busy={isFetching || undefined} className="w-full min-w-[960px] table-fixed border-collapse text-sm">
              <thead>
                <tr className="bg-surface-muted">
                  <th scope="col" className="w-36 border-b border-border px-3 py-2 text-left text-xs font-semibold text-ink-muted uppercase">
                    {view === 'rooms' ? 'Room' : 'Staff'}
                  </th>
                  {days.map((d, i) => {
                    const iso = toIsoDate(d);
                    return (
                      <th key={iso} scope="col" className={cn('border-b border-l border-border px-2 py-2 text-left text-xs font-semibold', iso === today ? 'bg-brand-50 text-brand-700' : 'text-ink-muted')}>
                        <abbr title={WEEKDAYS[i]!.long} className="no-underline">{WEEKDAYS[i]!.short}</abbr> <span className="font-normal">{dayFmt.format(d)}</span>
                        {iso === today && <span className="sr-only"> (today)</span>}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} className="align-top">
                    <th scope="row" className="border-b border-border px-3 py-2 text-left font-medium">
                      {row.label}
                      {row.sub && <span className="block text-xs font-normal text-ink-subtle">{row.sub}</span>}
                    </th>
                    {days.map((d) => {
                      const iso = toIsoDate(d);
                      const list = cells.get(`${row.id}|${iso}`) ?? [];
                      return (
                        <td key={iso} className={cn('group border-b border-l border-border p-1.5', iso === today && 'bg-brand-50/40')}>
                          <ul className="flex flex-col gap-1">
                            {list.map((e) => (
                              <li key={e.id} className="flex items-start gap-1 rounded border border-brand-200 bg-brand-50 px-1.5 py-1 text-xs" data-testid="schedule-entry">
                                <span className="min-w-0 flex-1" title={`${e.userDisplayName} · ${e.roomName} · ${e.shiftName} ${e.startTime}–${e.endTime}`}>
                                  <span className="block truncate font-semibold text-brand-700">{view === 'rooms' ? e.userDisplayName : e.roomName}</span>
                                  <span className="block truncate text-ink-muted">{e.shiftName}</span>
                                  <span className="block font-mono text-[11px] text-ink-muted">
                                    {e.startTime}–{e.endTime}
                                    {isOvernight(e.startTime, e.endTime) && <span title="Overnight"> ☾</span>}
                                  </span>
                                </span>
                                {canManage && (
                                  <button
                                    type="button"
                                    className="rounded p-0.5 text-ink-subtle hover:bg-danger-50 hover:text-danger-600"
                                    aria-label={`Remove ${e.userDisplayName}, ${e.shiftName} in ${e.roomName} on ${e.date}`}
                                    onClick={() => setRemoving(e)}
                                  >
                                    <X aria-hidden className="size-3" />
                                  </button>
                                )}
                              </li>
                            ))}
                          </ul>
                          {canManage && (
                            <button
                              type="button"
                              onClick={() => setDraft({ date: iso, roomId: view === 'rooms' ? row.id : '', userId: view === 'staff' ? row.id : '' })}
                              aria-label={`Add shift for ${row.label} on ${iso}`}
                              className="mt-1 flex w-full items-center justify-center rounded border border-dashed border-transparent py-0.5 text-ink-subtle opacity-0 group-hover:border-border-strong group-hover:opacity-100 focus:border-border-strong focus:opacity-100"
                            >
                              <Plus aria-hidden className="size-3.5" />
                            </button>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {draft && <ScheduleEntryDialog draft={draft} departmentId={departmentId} onClose={() => setDraft(null)} />}
      <ConfirmDialog
        open={!!removing}
        onOpenChange={(o) => !o && setRemoving(null)}
        title="Remove this shift?"
        description={removing ? `${removing.userDisplayName} · ${removing.shiftName} (${removing.startTime}–${removing.endTime}) in ${removing.roomName} on ${removing.date}` : undefined}
        confirmLabel="Remove"
        loading={removeState.isLoading}
        onConfirm={() => void doRemove()}
      />
    </>
  );
}

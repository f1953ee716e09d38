import { useState } from 'react';
import { ChevronDown, ChevronRight, Download, History } from 'lucide-react';
import { useForm } from 'react-hook-form';
import { downloadFile, errorMessage } from '../../app/api';
import { formatDateTime, parseLocalDate, addDays, toIsoDate } from '../../app/format';
import { PAGE_SIZE } from '../../app/hooks';
import { useAppDispatch } from '../../app/store';
import type { AuditEvent } from '../../app/types';
import { Badge, Button, Card, DataTable, EmptyState, FormField, Input, PageHeader, Select, toast, Toolbar, type Column } from '../../ui';
import { useListAuditEventsQuery, type AuditFilters } from './auditApi';

interface FilterForm {
  from: string;
  to: string;
  username: string;
  action: string;
  resourceType: string;
  resourceId: string;
  patientId: string;
  outcome: string;
}

const EMPTY: FilterForm = { from: '', to: '', username: '', action: '', resourceType: '', resourceId: '', patientId: '', outcome: '' };

/** Date inputs are local days; the API gets ISO instants covering the whole day(s). */
function toQuery(f: FilterForm): AuditFilters {
  const out: AuditFilters = {};
  if (f.from) out.from = parseLocalDate(f.from).toISOString();
  if (f.to) out.to = addDays(parseLocalDate(f.to), 1).toISOString();
  for (const key of ['username', 'action', 'resourceType', 'resourceId', 'patientId', 'outcome'] as const) {
    const v = f[key].trim();
    if (v) out[key] = v;
  }
  return out;
}

function outcomeTone(outcome: string) {
  const o = outcome.toLowerCase();
  if (o === 'success' || o === 'ok') return 'success' as const;
  if (o === 'denied' || o === 'forbidden') return 'warning' as const;
  if (o === 'failure' || o === 'error' || o === 'failed') return 'danger' as const;
  return 'neutral' as const;
}

export default function AuditPage() {
  const dispatch = useAppDispatch();
  const [filters, setFilters] = useState<AuditFilters>({});
  const [offset, setOffset] = useState(0);
  const [expanded, setExpanded] = useState<string | number | null>(null);
  const [exporting, setExporting] = useState(false);
  const { register, handleSubmit, reset } = useForm<FilterForm>({ defaultValues: EMPTY });
  const { data, isLoading, isFetching, error, refetch } = useListAuditEventsQuery({ ...filters, limit: PAGE_SIZE, offset });

  const apply = handleSubmit((f) => {
    setFilters(toQuery(f));
    setOffset(0);
    setExpanded(null);
  });

  const exportCsv = async () => {
    setExporting(true);
    try {
      await dispatch(downloadFile('audit-events/export', { ...filters }, `audit-events-${toIsoDate(new Date())}.csv`));
    } catch (err) {
      toast.error('Export failed', errorMessage(err));
    } finally {
      setExporting(false);
    }
  };

  const columns: Column<AuditEvent>[] = [
    {
      key: 'expand',
      header: 'Details',
      srOnlyHeader: true,
      className: 'w-8 pr-0',
      cell: (e) => (
        <button
          type="button"
          aria-expanded={expanded === e.id}
          aria-label={`Details of event ${e.id}`}
          onClick={() => setExpanded((x) => (x === e.id ? null : e.id))}
          className="rounded p-0.5 text-ink-subtle hover:bg-sunken hover:text-ink"
        >
          {expanded === e.id ? <ChevronDown aria-hidden className="size-4" /> : <ChevronRight aria-hidden className="size-4" />}
        </button>
      ),
    },
    { key: 'at', header: 'Time', className: 'whitespace-nowrap', cell: (e) => <time dateTime={e.at}>{formatDateTime(e.at)}</time> },
    {
      key: 'user',
      header: 'User',
      cell: (e) => (
        <span>
          {e.username ?? <span className="text-ink-subtle">system</span>}
          {e.role && <span className="block text-xs text-ink-subtle">{e.role}</span>}
        </span>
      ),
    },
    { key: 'action', header: 'Action', cell: (e) => <code className="text-xs font-semibold">{e.action}</code> },
    {
      key: 'resource',
      header: 'Resource',
      cell: (e) => (e.resourceType ? <span className="text-xs">{e.resourceType}{e.resourceId && <span className="block font-mono text-ink-subtle">{e.resourceId}</span>}</span> : '—'),
    },
    { key: 'patient', header: 'Patient', cell: (e) => (e.patientId ? <span className="font-mono text-xs">{e.patientId}</span> : '—') },
    { key: 'outcome', header: 'Outcome', cell: (e) => <Badge tone={outcomeTone(e.outcome)}>{e.outcome}</Badge> },
    { key: 'ip', header: 'Client IP', cell: (e) => <span className="font-mono text-xs">{e.clientIp ?? '—'}</span> },
  ];

  return (
    <>
      <PageHeader
        title="Audit log"
        description="An append-only record of sign-ins, changes and access to patient data."
        actions={
          <>
            <Button onClick={() => void refetch()} loading={isFetching && !isLoading}>Refresh</Button>
            <Button variant="primary" icon={<Download aria-hidden className="size-4" />} loading={exporting} onClick={() => void exportCsv()}>
              Export CSV
            </Button>
          </>
        }
      />
      <Card>
        <form onSubmit={apply} aria-label="Audit filters">
          <Toolbar>
            <FormField label="From" className="w-40"><Input type="date" {...register('from')} /></FormField>
            <FormField label="To" className="w-40"><Input type="date" {...register('to')} /></FormField>
            <FormField label="Username" className="w-40"><Input {...register('username')} /></FormField>
            <FormField label="Action" className="w-44"><Input {...register('action')} placeholder="e.g. auth.login" /></FormField>
            <FormField label="Resource type" className="w-36"><Input {...register('resourceType')} /></FormField>
            <FormField label="Resource ID" className="w-36"><Input {...register('resourceId')} /></FormField>
            <FormField label="Patient ID" className="w-36"><Input {...register('patientId')} /></FormField>
            <FormField label="Outcome" className="w-32">
              <Select
                {...register('outcome')}
                placeholder="Any"
                options={[
                  { value: 'success', label: 'Success' },
                  { value: 'failure', label: 'Failure' },
                  { value: 'denied', label: 'Denied' },
                ]}
              />
            </FormField>
            <div className="flex gap-2">
              <Button type="submit" variant="primary">Apply</Button>
              <Button
                onClick={() => {
                  reset(EMPTY);
                  setFilters({});
                  setOffset(0);
                }}
              >
                Reset
              </Button>
            </div>
          </Toolbar>
        </form>
        <DataTable
          label="Audit events"
          columns={columns}
          rows={data?.items}
          rowKey={(e) => e.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          empty={<EmptyState icon={History} title="No events match these filters" />}
          paging={data ? { total: data.total, limit: PAGE_SIZE, offset, onChange: setOffset } : undefined}
          renderExpanded={(e) =>
            expanded === e.id ? (
              <dl className="grid grid-cols-[8rem_1fr] gap-x-4 gap-y-1.5 text-xs">
                <dt className="text-ink-muted">Event ID</dt>
                <dd className="font-mono">{e.id}</dd>
                <dt className="text-ink-muted">User ID</dt>
                <dd className="font-mono">{e.userId ?? '—'}</dd>
                <dt className="text-ink-muted">User agent</dt>
                <dd className="break-all">{e.userAgent ?? '—'}</dd>
                <dt className="text-ink-muted">Details</dt>
                <dd>
                  {e.details == null ? '—' : (
                    <pre className="max-h-64 overflow-auto rounded border border-border bg-surface p-2 font-mono whitespace-pre-wrap">{JSON.stringify(e.details, null, 2)}</pre>
                  )}
                </dd>
              </dl>
            ) : null
          }
        />
      </Card>
    </>
  );
}

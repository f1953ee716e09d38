import { useEffect, useState } from 'react';
import { AlertTriangle, ListChecks } from 'lucide-react';
import { errorMessage } from '../../app/api';
import { formatDateTime } from '../../app/format';
import { Badge, DataTable, EmptyState, type BadgeTone, type Column } from '../../ui';
import { isActive, jobParams, useListDicomJobsQuery, type DicomJob } from './dicomNodesApi';

const STATUS: Record<DicomJob['status'], { label: string; tone: BadgeTone }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'info' },
  done: { label: 'Done', tone: 'success' },
  failed: { label: 'Failed', tone: 'danger' },
};

export function JobStatusBadge({ job }: { job: DicomJob }) {
  const s = STATUS[job.status] ?? { label: job.status, tone: 'neutral' as const };
  return <Badge tone={s.tone}>{s.label}</Badge>;
}

/** Progress of a job: a bar and "completed / total" (failed and warnings when there are any). */
export function JobProgress({ job }: { job: DicomJob }) {
  const done = job.completed + job.failed + job.warnings;
  const pct = job.total > 0 ? Math.min(100, Math.round((done / job.total) * 100)) : job.status === 'done' ? 100 : 0;
  const bar = job.status === 'failed' ? 'bg-danger-600' : job.status === 'done' ? 'bg-success-600' : 'bg-brand-600';
  return (
    <div className="flex min-w-40 flex-col gap-1">
      <div
        role="progressbar"
        aria-label={`Progress of the ${job.type} job`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
        className="h-1.5 w-full overflow-hidden rounded-full bg-sunken"
      >
        <div className={`h-full ${bar} transition-[width]`} style={{ width: `${pct}%` }} />
      </div>
      <span className="text-xs text-ink-muted tabular-nums" data-col="progress">
        {job.completed} / {job.total || '?'} {job.type === 'retrieve' ? 'received' : 'sent'}
        {job.failed > 0 && <span className="text-danger-600"> · {job.failed} failed</span>}
        {job.warnings > 0 && <span className="text-warning-600"> · {job.warnings} warnings</span>}
      </span>
    </div>
  );
}

function what(job: DicomJob): string {
  const p = jobParams(job);
  const target = p.seriesUid ? `series ${p.seriesUid}` : `study ${p.studyUid ?? '?'}`;
  return job.type === 'store' ? `Send ${target} to ${job.nodeAeTitle}` : `Import ${target} from ${job.nodeAeTitle}`;
}

/**
 * The DIMSE jobs (newest first). Polls every second while a job is queued or running, every 10 s otherwise,
 * so progress shows without reloading. `filter` narrows the list (e.g. to one study on the study page).
 */
export function DicomJobsTable({ filter, label = 'DICOM jobs', limit }: { filter?: (j: DicomJob) => boolean; label?: string; limit?: number }) {
  const [fast, setFast] = useState(false);
  const { data, isLoading, error } = useListDicomJobsQuery(undefined, { pollingInterval: fast ? 1000 : 10_000 });
  useEffect(() => setFast(data?.some(isActive) ?? false), [data]);
  const rows = (data ?? []).filter((j) => !filter || filter(j)).slice(0, limit);
  const columns: Column<DicomJob>[] = [
    { key: 'status', header: 'Status', cell: (j) => <JobStatusBadge job={j} /> },
    {
      key: 'what',
      header: 'Job',
      cell: (j) => (
        <div className="min-w-0">
          <p className="max-w-[28rem] truncate font-medium" title={what(j)}>{what(j)}</p>
          {j.error && (
            <p className="mt-0.5 flex items-start gap-1 text-xs text-danger-600" data-col="error">
              <AlertTriangle aria-hidden className="mt-px size-3.5 shrink-0" /> {j.error}
            </p>
          )}
        </div>
      ),
    },
    { key: 'progress', header: 'Progress', cell: (j) => <JobProgress job={j} /> },
    { key: 'by', header: 'Started by', cell: (j) => j.createdBy || '—' },
    { key: 'when', header: 'Created', cell: (j) => <span className="whitespace-nowrap">{formatDateTime(j.createdAt)}</span> },
  ];
  return (
    <DataTable
      label={label}
      columns={columns}
      rows={rows}
      rowKey={(j) => j.id}
      loading={isLoading}
      error={error ? errorMessage(error) : null}
      empty={<EmptyState icon={ListChecks} title="No jobs yet" description="Sending a study to a node, or importing one from it, starts a job that shows here." />}
    />
  );
}

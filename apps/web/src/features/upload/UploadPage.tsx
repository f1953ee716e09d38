import { useMemo, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import { CheckCircle2, FileUp, FolderOpen, FolderSearch, RotateCcw, Square, UploadCloud } from 'lucide-react';
import { P, usePermissions } from '../../app/permissions';
import { Alert, Badge, Button, buttonClasses, Card, PageHeader, Select, cn, type BadgeTone } from '../../ui';
import { collectFromEntries, collectFromFileList, dropEntries, type Collected } from './collect';
import { useUploader, type ItemStatus, type UploadItem } from './useUploader';

const STATUS_LABEL: Record<ItemStatus, string> = {
  queued: 'Waiting',
  uploading: 'Uploading',
  stored: 'Stored',
  duplicate: 'Duplicate',
  replaced: 'Replaced',
  rejected: 'Rejected',
  error: 'Failed',
};

const STATUS_TONE: Record<ItemStatus, BadgeTone> = {
  queued: 'neutral',
  uploading: 'info',
  stored: 'success',
  duplicate: 'warning',
  replaced: 'info',
  rejected: 'danger',
  error: 'danger',
};

/** Above this many UIDs the "show in study list" link falls back to the plain list. */
const MAX_UIDS_IN_LINK = 60;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

type Filter = 'all' | 'problems';

export default function UploadPage() {
  const up = useUploader();
  const { can } = usePermissions();
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [reading, setReading] = useState<string | null>(null);
  const [notes, setNotes] = useState<{ skipped: string[]; problems: string[] }>({ skipped: [], problems: [] });
  const [filter, setFilter] = useState<Filter>('all');
  const dragDepth = useRef(0);

  const accept = async (collect: (onStatus: (s: string) => void) => Promise<Collected>) => {
    setReading('Reading files…');
    try {
      const result = await collect((s) => setReading(s));
      setNotes((n) => ({ skipped: [...n.skipped, ...result.skipped], problems: [...n.problems, ...result.problems] }));
      if (result.files.length === 0 && result.problems.length === 0) {
        setNotes((n) => ({ ...n, problems: [...n.problems, 'Nothing to upload in that selection.'] }));
      }
      up.addFiles(result.files);
    } finally {
      setReading(null);
    }
  };

  const onInput = (input: HTMLInputElement | null) => {
    if (!input?.files?.length) return;
    const files = Array.from(input.files);
    input.value = '';
    void accept((s) => collectFromFileList(files, s));
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    const { entries, files } = dropEntries(e.dataTransfer);
    void accept((s) => collectFromEntries(entries, files, s));
  };

  const { counts, items, running, progress, studyUids } = up;
  const done = progress === 100 && !running;
  const shown = useMemo(
    () => (filter === 'problems' ? items.filter((i) => i.status === 'rejected' || i.status === 'error' || i.status === 'duplicate') : items),
    [items, filter],
  );
  const studiesLink =
    studyUids.length > 0 && studyUids.length <= MAX_UIDS_IN_LINK ? `/studies?StudyInstanceUID=${encodeURIComponent(studyUids.join(','))}` : '/studies';

  const summary = [
    `${counts.stored} stored`,
    `${counts.duplicate} ${counts.duplicate === 1 ? 'duplicate' : 'duplicates'}`,
    `${counts.rejected} rejected`,
    counts.replaced ? `${counts.replaced} replaced` : '',
    counts.error ? `${counts.error} failed` : '',
  ].filter(Boolean).join(', ');

  return (
    <>
      <PageHeader
        title="Upload"
        description="Import DICOM files into the archive: loose files (any name), whole folders, or .zip archives."
        actions={
          items.length > 0 && !running ? <Button onClick={() => { up.clear(); setNotes({ skipped: [], problems: [] }); }}>Clear list</Button> : undefined
        }
      />
      <Card className="mb-4">
        <div
          data-testid="upload-dropzone"
          onDragEnter={(e) => { e.preventDefault(); dragDepth.current++; setDragging(true); }}
          onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; }}
          onDragLeave={() => { dragDepth.current = Math.max(0, dragDepth.current - 1); if (dragDepth.current === 0) setDragging(false); }}
          onDrop={onDrop}
          className={cn(
            'm-4 flex flex-col items-center justify-center gap-3 rounded-lg border-2 border-dashed px-6 py-10 text-center transition-colors',
            dragging ? 'border-brand-500 bg-brand-50' : 'border-border-strong bg-surface-muted',
          )}
        >
          <UploadCloud aria-hidden className={cn('size-10', dragging ? 'text-brand-600' : 'text-ink-subtle')} strokeWidth={1.5} />
          <div>
            <p className="text-sm font-semibold">Drop DICOM files, folders or .zip archives here</p>
            <p className="mt-1 text-xs text-ink-muted">Files are checked by the server; anything that is not DICOM is reported as rejected.</p>
          </div>
          <div className="flex flex-wrap justify-center gap-2">
            <Button variant="primary" icon={<FileUp aria-hidden className="size-4" />} onClick={() => fileInput.current?.click()} disabled={reading !== null}>
              Choose files
            </Button>
            <Button icon={<FolderOpen aria-hidden className="size-4" />} onClick={() => folderInput.current?.click()} disabled={reading !== null}>
              Choose folder
            </Button>
          </div>
          <input ref={fileInput} type="file" multiple className="sr-only" tabIndex={-1} aria-label="Choose files" data-testid="upload-files-input" onChange={(e) => onInput(e.currentTarget)} />
          <input
            ref={folderInput}
            type="file"
            multiple
            className="sr-only"
            tabIndex={-1}
            aria-label="Choose folder"
            data-testid="upload-folder-input"
            onChange={(e) => onInput(e.currentTarget)}
            {...{ webkitdirectory: '', directory: '' }}
          />
          {reading && <p role="status" className="text-xs text-ink-muted">{reading}</p>}
        </div>
        {(notes.skipped.length > 0 || notes.problems.length > 0) && (
          <div className="flex flex-col gap-2 px-4 pb-4">
            {notes.skipped.length > 0 && (
              <Alert tone="info" title={`${notes.skipped.length} ${notes.skipped.length === 1 ? 'file was' : 'files were'} skipped (not DICOM by name)`}>
                {notes.skipped.slice(0, 8).join(', ')}{notes.skipped.length > 8 ? `, … (${notes.skipped.length - 8} more)` : ''}
              </Alert>
            )}
            {notes.problems.length > 0 && (
              <Alert tone="warning" title="Some of the selection could not be read">
                <ul className="list-disc pl-4">{notes.problems.slice(0, 8).map((p) => <li key={p}>{p}</li>)}</ul>
              </Alert>
            )}
          </div>
        )}
      </Card>

      {progress !== null && (
        <Card className="mb-4">
          <div className="flex flex-col gap-3 p-4">
            <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
              <p className="font-semibold">{running ? 'Uploading…' : 'Upload finished'}</p>
              <p aria-live="polite" data-testid="upload-summary" className="text-ink-muted">{summary}</p>
            </div>
            <div
              role="progressbar"
              aria-label="Upload progress"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={progress}
              data-testid="upload-progress"
              className="h-2.5 overflow-hidden rounded-full bg-sunken"
            >
              <div className={cn('h-full rounded-full transition-[width] duration-200', done && counts.error === 0 && counts.rejected === 0 ? 'bg-success-600' : 'bg-brand-600')} style={{ width: `${progress}%` }} />
            </div>
            <div className="flex flex-wrap items-center gap-2">
              {running && <Button size="sm" icon={<Square aria-hidden className="size-3.5" />} onClick={up.cancel}>Cancel</Button>}
              {!running && counts.error > 0 && (
                <Button size="sm" variant="primary" icon={<RotateCcw aria-hidden className="size-3.5" />} onClick={up.retryFailed}>
                  Retry failed ({counts.error})
                </Button>
              )}
              {done && studyUids.length > 0 && can(P.studyRead) && (
                <Link to={studiesLink} className={buttonClasses('secondary', 'sm')} data-testid="upload-studies-link">
                  <FolderSearch aria-hidden className="size-3.5" />
                  Show {studyUids.length} uploaded {studyUids.length === 1 ? 'study' : 'studies'} in the study list
                </Link>
              )}
              {done && counts.error === 0 && counts.rejected === 0 && counts.stored + counts.replaced + counts.duplicate > 0 && (
                <span className="inline-flex items-center gap-1 text-xs text-success-600"><CheckCircle2 aria-hidden className="size-3.5" /> All files were accepted</span>
              )}
            </div>
          </div>
        </Card>
      )}

      {items.length > 0 && (
        <Card
          title={`Files (${items.length})`}
          actions={
            <div className="w-40"><Select
              aria-label="Show"
              className="h-8 text-xs"
              value={filter}
              onChange={(e) => setFilter(e.target.value as Filter)}
              options={[{ value: 'all', label: 'All files' }, { value: 'problems', label: 'Problems only' }]}
            /></div>
          }
        >
          <div className="relative max-h-[60vh] overflow-auto">
            <table aria-label="Upload results" data-testid="upload-results" className="w-full table-fixed border-collapse text-left text-sm">
              <thead className="sticky top-0 bg-surface-muted">
                <tr className="border-b border-border">
                  <th scope="col" className="w-[40%] px-4 py-2 text-xs font-semibold text-ink-muted uppercase">File</th>
                  <th scope="col" className="w-24 px-4 py-2 text-right text-xs font-semibold text-ink-muted uppercase">Size</th>
                  <th scope="col" className="w-28 px-4 py-2 text-xs font-semibold text-ink-muted uppercase">Result</th>
                  <th scope="col" className="px-4 py-2 text-xs font-semibold text-ink-muted uppercase">Details</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((it) => <ResultRow key={it.id} item={it} />)}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </>
  );
}

function ResultRow({ item }: { item: UploadItem }) {
  return (
    <tr data-status={item.status} data-file={item.path} className="border-b border-border last:border-b-0">
      <td className="truncate px-4 py-2 font-mono text-xs" title={item.path}>{item.path}</td>
      <td className="px-4 py-2 text-right text-xs whitespace-nowrap text-ink-muted tabular-nums">{formatBytes(item.size)}</td>
      <td className="px-4 py-2"><Badge tone={STATUS_TONE[item.status]}>{STATUS_LABEL[item.status]}</Badge></td>
      <td className="px-4 py-2 text-xs break-words">
        {item.message && item.message !== STATUS_LABEL[item.status] && <span className={cn('block', (item.status === 'rejected' || item.status === 'error') && 'text-danger-700')}>{item.message}</span>}
        {item.sopInstanceUid && <span className="block font-mono text-[11px] break-all text-ink-subtle" title="SOP Instance UID">{item.sopInstanceUid}</span>}
      </td>
    </tr>
  );
}

import { useEffect, useMemo, useState, type FormEvent, type MouseEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { AppWindow, ArrowDown, ArrowUp, ArrowUpDown, Eye, FolderSearch, Upload, X } from 'lucide-react';
import { viewerTabs } from '../../viewer/viewerTabs';
import { usePreloadViewer } from '../../viewer/preloadViewer';
import { errorMessage } from '../../app/api';
import { P, usePermissions } from '../../app/permissions';
import {
  Alert, Badge, Button, buttonClasses, Card, Checkbox, EmptyState, FormField, Input, PageHeader, Pagination, Select, Spinner, Toolbar, cn,
} from '../../ui';
import { da, num, pn, sexLabel, str, strs, T, tm, type DicomJsonDataset } from './dicomJson';
import { STUDY_PAGE_SIZE, useSearchStudiesQuery } from './dicomweb';
import { EMPTY_SEARCH, hasFilters, qidoParams, searchFromUrl, searchToUrl, type StudySearch } from './studySearch';

const MODALITY_OPTIONS = [
  'CT', 'MR', 'US', 'CR', 'DX', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT', 'SC', 'SM', 'SR', 'SEG', 'PR', 'DOC', 'ECG', 'RTSTRUCT', 'RTDOSE', 'RTPLAN',
].map((m) => ({ value: m, label: m }));

type FormState = Omit<StudySearch, 'orderby' | 'offset'>;

function formOf(s: StudySearch): FormState {
  const { orderby: _o, offset: _f, ...rest } = s;
  return rest;
}

/** Link to the study page; also the target of a row click. */
export function studyPath(uid: string): string {
  return `/studies/${encodeURIComponent(uid)}`;
}

export function viewerPath(uid: string): string {
  return `/viewer?StudyInstanceUIDs=${encodeURIComponent(uid)}`;
}

let lastSearch = '';
/** The study list's last query string (so "back to Studies" keeps the search). */
export function lastStudySearch(): string {
  return lastSearch;
}

const SORTABLE: Record<string, string> = {
  patientName: 'PatientName',
  patientId: 'PatientID',
  studyDate: 'StudyDate',
  accession: 'AccessionNumber',
};

export default function StudiesPage() {
  const [sp, setSp] = useSearchParams();
  const navigate = useNavigate();
  const { can } = usePermissions();
  const search = useMemo(() => searchFromUrl(sp), [sp]);
  useEffect(() => {
    const qs = sp.toString();
    lastSearch = qs ? `?${qs}` : '';
  }, [sp]);
  const [form, setForm] = useState<FormState>(() => formOf(search));

  // Back/forward (or a link) changed the URL: show its search in the form.
  useEffect(() => setForm(formOf(search)), [search]);

  const params = useMemo(() => qidoParams(search, STUDY_PAGE_SIZE), [search]);
  const { data, isLoading, isFetching, error, refetch } = useSearchStudiesQuery(params);
  // The viewer is opened from this list: its code loads and starts in idle time.
  usePreloadViewer();

  const go = (next: StudySearch) => setSp(searchToUrl(next));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ ...search, ...form, offset: 0 });
  };
  const reset = () => {
    setForm(formOf(EMPTY_SEARCH));
    go({ ...EMPTY_SEARCH, orderby: search.orderby });
  };
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const sortBy = (attr: string) => {
    const current = search.orderby.replace(/^[-+]/, '');
    const desc = search.orderby.startsWith('-');
    // First click on a new column: dates newest first, text A→Z. Next clicks toggle.
    const orderby = current === attr ? (desc ? attr : `-${attr}`) : attr === 'StudyDate' ? '-StudyDate' : attr;
    go({ ...search, orderby, offset: 0 });
  };

  const rows = error ? undefined : data?.studies;
  const total = data ? (data.total ?? search.offset + data.studies.length + (data.studies.length === STUDY_PAGE_SIZE ? 1 : 0)) : 0;
  const uidFilter = search.StudyInstanceUID ? search.StudyInstanceUID.split(',').filter(Boolean) : [];

  const header = (label: string, key: keyof typeof SORTABLE) => (
    <SortHeader label={label} attr={SORTABLE[key]!} orderby={search.orderby} onSort={sortBy} />
  );

  const openRow = (e: MouseEvent<HTMLTableRowElement>, uid: string) => {
    if ((e.target as HTMLElement).closest('a,button,input,label')) return;
    if (uid) navigate(studyPath(uid));
  };

  return (
    <>
      <PageHeader
        title="Studies"
        description="Search the imaging archive. Patient name matches from the start unless you use * or ? wildcards."
        actions={
          <>
            <Button onClick={() => void refetch()} loading={isFetching && !isLoading}>Refresh</Button>
            {can(P.studyUpload) && (
              <Link to="/upload" className={buttonClasses('primary')}>
                <Upload aria-hidden className="size-4" /> Upload
              </Link>
            )}
          </>
        }
      />
      <Card>
        <form onSubmit={submit} aria-label="Study search" role="search">
          <Toolbar>
            <FormField label="Patient name" className="w-48">
              <Input name="PatientName" value={form.PatientName} onChange={(e) => set('PatientName', e.target.value)} placeholder="e.g. doe or doe*jane" autoComplete="off" />
            </FormField>
            <FormField label="Patient ID" className="w-36">
              <Input name="PatientID" value={form.PatientID} onChange={(e) => set('PatientID', e.target.value)} autoComplete="off" />
            </FormField>
            <FormField label="Accession number" className="w-36">
              <Input name="AccessionNumber" value={form.AccessionNumber} onChange={(e) => set('AccessionNumber', e.target.value)} autoComplete="off" />
            </FormField>
            <FormField label="Study date from" className="w-40">
              <Input type="date" name="from" value={form.from} onChange={(e) => set('from', e.target.value)} />
            </FormField>
            <FormField label="Study date to" className="w-40">
              <Input type="date" name="to" value={form.to} onChange={(e) => set('to', e.target.value)} />
            </FormField>
            <FormField label="Modality" className="w-32">
              <Select name="ModalitiesInStudy" value={form.ModalitiesInStudy} onChange={(e) => set('ModalitiesInStudy', e.target.value)} placeholder="Any" options={MODALITY_OPTIONS} />
            </FormField>
            <FormField label="Body part" className="w-32">
              <Input name="BodyPartExamined" value={form.BodyPartExamined} onChange={(e) => set('BodyPartExamined', e.target.value)} placeholder="e.g. CHEST" autoComplete="off" />
            </FormField>
            <Checkbox className="h-9" label="Fuzzy matching" checked={form.fuzzymatching} onChange={(e) => set('fuzzymatching', e.target.checked)} />
            <div className="flex gap-2">
              <Button type="submit" variant="primary">Search</Button>
              <Button onClick={reset} disabled={!hasFilters(search) && !hasFilters({ ...EMPTY_SEARCH, ...form })}>Reset</Button>
            </div>
          </Toolbar>
        </form>
        {uidFilter.length > 0 && (
          <div className="flex items-center gap-2 border-b border-border px-4 py-2 text-sm">
            <Badge tone="brand">
              Showing {uidFilter.length} selected {uidFilter.length === 1 ? 'study' : 'studies'}
            </Badge>
            <Button size="sm" variant="ghost" icon={<X aria-hidden className="size-3.5" />} onClick={() => go({ ...search, StudyInstanceUID: '', offset: 0 })}>
              Clear
            </Button>
          </div>
        )}
        {error && (
          <div className="p-4">
            <Alert title="The search could not be run">{errorMessage(error)}</Alert>
          </div>
        )}
        <div className="relative overflow-x-auto">
          <table aria-label="Studies" aria-busy={isFetching || undefined} className="w-full border-collapse text-left text-sm">
            <thead>
              <tr className="border-b border-border bg-surface-muted">
                <Th>{header('Patient name', 'patientName')}</Th>
                <Th>{header('Patient ID', 'patientId')}</Th>
                <Th>Birth date</Th>
                <Th>Sex</Th>
                <Th>{header('Study date', 'studyDate')}</Th>
                <Th>{header('Accession', 'accession')}</Th>
                <Th>Description</Th>
                <Th>Modalities</Th>
                <Th className="text-right">Series</Th>
                <Th className="text-right">Instances</Th>
                <Th><span className="sr-only">Actions</span></Th>
              </tr>
            </thead>
            <tbody className={cn(isFetching && !isLoading && 'opacity-60')}>
              {rows?.map((s, i) => (
                <StudyRow key={str(s, T.StudyInstanceUID) || i} study={s} onClick={openRow} />
              ))}
            </tbody>
          </table>
        </div>
        {isLoading && <Spinner label="Searching…" />}
        {!isLoading && !error && rows && rows.length === 0 && (
          <EmptyState
            icon={FolderSearch}
            title={hasFilters(search) ? 'No studies match this search' : 'The archive is empty'}
            description={hasFilters(search) ? 'Try fewer filters, a shorter name, or fuzzy matching.' : can(P.studyUpload) ? <Link to="/upload">Upload DICOM files</Link> : undefined}
          />
        )}
        {data && !error && total > 0 && (
          <Pagination total={total} limit={STUDY_PAGE_SIZE} offset={search.offset} onChange={(offset) => go({ ...search, offset })} />
        )}
      </Card>
    </>
  );
}

function Th({ children, className }: { children: ReactNode; className?: string }) {
  return <th scope="col" className={cn('px-2 py-2 text-[11px] font-semibold whitespace-nowrap text-ink-muted uppercase', className)}>{children}</th>;
}

function SortHeader({ label, attr, orderby, onSort }: { label: string; attr: string; orderby: string; onSort: (attr: string) => void }) {
  const active = orderby.replace(/^[-+]/, '') === attr;
  const desc = orderby.startsWith('-');
  const Icon = !active ? ArrowUpDown : desc ? ArrowDown : ArrowUp;
  return (
    <button
      type="button"
      onClick={() => onSort(attr)}
      className={cn('inline-flex items-center gap-1 uppercase hover:text-ink', active && 'text-ink')}
      aria-label={`Sort by ${label}${active ? (desc ? ', currently descending' : ', currently ascending') : ''}`}
      data-sort={attr}
      data-sort-dir={active ? (desc ? 'desc' : 'asc') : undefined}
    >
      {label}
      <Icon aria-hidden className={cn('size-3.5', !active && 'opacity-40')} />
    </button>
  );
}

function StudyRow({ study, onClick }: { study: DicomJsonDataset; onClick: (e: MouseEvent<HTMLTableRowElement>, uid: string) => void }) {
  const uid = str(study, T.StudyInstanceUID);
  const name = pn(study, T.PatientName);
  const date = da(study, T.StudyDate);
  const time = tm(study, T.StudyTime);
  const modalities = strs(study, T.ModalitiesInStudy);
  const series = num(study, T.NumberOfStudyRelatedSeries);
  const instances = num(study, T.NumberOfStudyRelatedInstances);
  return (
    <tr
      onClick={(e) => onClick(e, uid)}
      data-study-uid={uid}
      className="cursor-pointer border-b border-border last:border-b-0 hover:bg-surface-muted/70"
    >
      <td className="max-w-44 px-2 py-2 font-medium">
        {uid ? <Link to={studyPath(uid)} className="text-brand-700 hover:underline">{name || <em className="text-ink-subtle">(no name)</em>}</Link> : name}
      </td>
      <td className="px-2 py-2 font-mono text-xs">{str(study, T.PatientID) || '—'}</td>
      <td className="px-2 py-2 whitespace-nowrap">{da(study, T.PatientBirthDate) || '—'}</td>
      <td className="px-2 py-2" title={sexLabel(str(study, T.PatientSex))}>{str(study, T.PatientSex) || '—'}</td>
      <td className="px-2 py-2 whitespace-nowrap">
        {date || '—'}
        {time && <span className="block text-xs text-ink-subtle">{time}</span>}
      </td>
      <td className="px-2 py-2 font-mono text-xs">{str(study, T.AccessionNumber) || '—'}</td>
      <td className="max-w-36 truncate px-2 py-2" title={str(study, T.StudyDescription)}>{str(study, T.StudyDescription) || '—'}</td>
      <td className="px-2 py-2">
        <span className="flex flex-wrap gap-1">
          {modalities.length ? modalities.map((m) => <Badge key={m}>{m}</Badge>) : '—'}
        </span>
      </td>
      <td className="px-2 py-2 text-right tabular-nums" data-col="series">{series ?? '—'}</td>
      <td className="px-2 py-2 text-right tabular-nums" data-col="instances">{instances ?? '—'}</td>
      <td className="px-2 py-2 text-right whitespace-nowrap">
        {uid && (
          <Link to={viewerPath(uid)} onClick={() => viewerTabs.reset()} className={buttonClasses('ghost', 'icon')} aria-label="Open viewer" title="Open viewer">
            <Eye aria-hidden className="size-4" />
          </Link>
        )}
        {uid && (
          <Link
            to={viewerPath(uid)}
            onClick={() => viewerTabs.open(uid, [name, date].filter(Boolean).join(' · '))}
            className={buttonClasses('ghost', 'icon')}
            aria-label="Open in a new viewer tab"
            title="Open in a new viewer tab (keeps the studies already open in the viewer)"
          >
            <AppWindow aria-hidden className="size-4" />
          </Link>
        )}
      </td>
    </tr>
  );
}

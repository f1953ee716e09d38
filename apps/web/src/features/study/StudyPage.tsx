import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ArrowLeft, Eye, Layers, Send, Trash2 } from 'lucide-react';
import { errorMessage } from '../../app/api';
import { P, usePermissions } from '../../app/permissions';
import { Alert, Badge, Button, buttonClasses, Card, ConfirmDialog, EmptyState, PageHeader, Spinner, toast } from '../../ui';
import { da, num, pn, sexLabel, str, strs, T, tm, type DicomJsonDataset } from '../studies/dicomJson';
import { useDeleteSeriesMutation, useDeleteStudyMutation, useGetStudyQuery, useListSeriesQuery } from '../studies/dicomweb';
import { lastStudySearch, viewerPath } from '../studies/StudiesPage';
import { SeriesThumbnail } from './SeriesThumbnail';
import { SendToDialog } from './SendToDialog';
import { DicomJobsTable } from '../admin-dicom-nodes/DicomJobsTable';
import { jobParams } from '../admin-dicom-nodes/dicomNodesApi';
import { usePreloadViewer } from '../../viewer/preloadViewer';

function seriesSort(a: DicomJsonDataset, b: DicomJsonDataset): number {
  const na = num(a, T.SeriesNumber) ?? Number.MAX_SAFE_INTEGER;
  const nb = num(b, T.SeriesNumber) ?? Number.MAX_SAFE_INTEGER;
  return na - nb || str(a, T.SeriesInstanceUID).localeCompare(str(b, T.SeriesInstanceUID));
}

export default function StudyPage() {
  const { studyUid = '' } = useParams();
  const navigate = useNavigate();
  const { can } = usePermissions();
  const canDelete = can(P.studyDelete);
  const canExport = can(P.studyExport);
  const [sending, setSending] = useState(false);
  const study = useGetStudyQuery(studyUid, { skip: !studyUid });
  const series = useListSeriesQuery(studyUid, { skip: !studyUid });
  const [deleteStudy, deletingStudy] = useDeleteStudyMutation();
  const [deleteSeries, deletingSeries] = useDeleteSeriesMutation();
  const [confirmStudy, setConfirmStudy] = useState(false);
  const [seriesToDelete, setSeriesToDelete] = useState<DicomJsonDataset | null>(null);
  // "Open viewer" is one click away: its code loads and starts in idle time.
  usePreloadViewer();

  const ds = study.data ?? undefined;
  const title = ds ? pn(ds, T.PatientName) || '(no patient name)' : 'Study';

  const removeStudy = async () => {
    try {
      await deleteStudy(studyUid).unwrap();
      toast.success('Study deleted', title);
      navigate('/studies', { replace: true });
    } catch (err) {
      toast.error('Could not delete the study', errorMessage(err));
    } finally {
      setConfirmStudy(false);
    }
  };

  const removeSeries = async () => {
    if (!seriesToDelete) return;
    const seriesUid = str(seriesToDelete, T.SeriesInstanceUID);
    try {
      await deleteSeries({ studyUid, seriesUid }).unwrap();
      toast.success('Series deleted', seriesLabel(seriesToDelete));
    } catch (err) {
      toast.error('Could not delete the series', errorMessage(err));
    } finally {
      setSeriesToDelete(null);
    }
  };

  if (study.isLoading) return <Spinner label="Loading study…" />;

  if (study.error) {
    return (
      <>
        <BackLink />
        <Alert title="Could not load the study">{errorMessage(study.error)}</Alert>
      </>
    );
  }

  if (!ds) {
    return (
      <>
        <BackLink />
        <Card>
          <EmptyState title="Study not found" description={<>No study with UID <code className="font-mono text-xs">{studyUid}</code> is in the archive. It may have been deleted.</>} />
        </Card>
      </>
    );
  }

  const rows = series.data ? [...series.data].sort(seriesSort) : undefined;

  return (
    <>
      <BackLink />
      <PageHeader
        title={title}
        description={[str(ds, T.StudyDescription), da(ds, T.StudyDate)].filter(Boolean).join(' · ') || undefined}
        actions={
          <>
            <Link to={viewerPath(studyUid)} className={buttonClasses('primary')}>
              <Eye aria-hidden className="size-4" /> Open viewer
            </Link>
            {canExport && (
              <Button icon={<Send aria-hidden className="size-4" />} onClick={() => setSending(true)}>
                Send to…
              </Button>
            )}
            {canDelete && (
              <Button variant="danger" icon={<Trash2 aria-hidden className="size-4" />} onClick={() => setConfirmStudy(true)}>
                Delete study
              </Button>
            )}
          </>
        }
      />
      <Card className="mb-4" title="Patient and study">
        <dl className="grid grid-cols-1 gap-x-6 gap-y-3 p-4 text-sm sm:grid-cols-2 lg:grid-cols-4" aria-label="Study attributes">
          <Attr label="Patient name">{pn(ds, T.PatientName)}</Attr>
          <Attr label="Patient ID" mono>{str(ds, T.PatientID)}</Attr>
          <Attr label="Birth date">{da(ds, T.PatientBirthDate)}</Attr>
          <Attr label="Sex">{sexLabel(str(ds, T.PatientSex))}</Attr>
          <Attr label="Study date">{[da(ds, T.StudyDate), tm(ds, T.StudyTime)].filter(Boolean).join(' ')}</Attr>
          <Attr label="Accession number" mono>{str(ds, T.AccessionNumber)}</Attr>
          <Attr label="Study ID" mono>{str(ds, T.StudyID)}</Attr>
          <Attr label="Referring physician">{pn(ds, T.ReferringPhysicianName)}</Attr>
          <Attr label="Modalities">
            {strs(ds, T.ModalitiesInStudy).length ? (
              <span className="flex flex-wrap gap-1">{strs(ds, T.ModalitiesInStudy).map((m) => <Badge key={m}>{m}</Badge>)}</span>
            ) : ''}
          </Attr>
          <Attr label="Series / instances">
            {`${num(ds, T.NumberOfStudyRelatedSeries) ?? '—'} / ${num(ds, T.NumberOfStudyRelatedInstances) ?? '—'}`}
          </Attr>
          <Attr label="Institution">{str(ds, T.InstitutionName)}</Attr>
          <Attr label="Study Instance UID" mono wide>{studyUid}</Attr>
        </dl>
      </Card>
      <Card title={`Series${rows ? ` (${rows.length})` : ''}`}>
        {series.error && <div className="p-4"><Alert title="Could not load the series">{errorMessage(series.error)}</Alert></div>}
        {series.isLoading && <Spinner label="Loading series…" />}
        {rows && rows.length === 0 && <EmptyState icon={Layers} title="This study has no series" />}
        {rows && rows.length > 0 && (
          <ul aria-label="Series" className="divide-y divide-border">
            {rows.map((se) => {
              const seriesUid = str(se, T.SeriesInstanceUID);
              const modality = str(se, T.Modality);
              const count = num(se, T.NumberOfSeriesRelatedInstances);
              return (
                <li key={seriesUid} data-series-uid={seriesUid} className="flex items-center gap-4 px-4 py-3">
                  <SeriesThumbnail studyUid={studyUid} seriesUid={seriesUid} modality={modality} />
                  <div className="min-w-0 flex-1">
                    <p className="flex flex-wrap items-center gap-2 font-medium">
                      {modality && <Badge tone="brand">{modality}</Badge>}
                      <span>{seriesLabel(se)}</span>
                    </p>
                    <p className="mt-1 flex flex-wrap gap-x-4 gap-y-0.5 text-xs text-ink-muted">
                      <span>Series #{str(se, T.SeriesNumber) || '—'}</span>
                      {str(se, T.BodyPartExamined) && <span>Body part: {str(se, T.BodyPartExamined)}</span>}
                      <span data-col="instances">{count ?? '—'} {count === 1 ? 'instance' : 'instances'}</span>
                    </p>
                    <p className="mt-0.5 truncate font-mono text-[11px] text-ink-subtle" title={seriesUid}>{seriesUid}</p>
                  </div>
                  {canDelete && (
                    <Button size="sm" variant="ghost" icon={<Trash2 aria-hidden className="size-3.5" />} onClick={() => setSeriesToDelete(se)} aria-label={`Delete series ${seriesLabel(se)}`}>
                      Delete series
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Card>
      {canExport && (
        <Card title="Transfers" className="mt-4">
          <DicomJobsTable label="Transfers of this study" filter={(j) => jobParams(j).studyUid === studyUid} limit={10} />
        </Card>
      )}
      {sending && (
        <SendToDialog
          studyUid={studyUid}
          series={(rows ?? []).map((se) => ({ uid: str(se, T.SeriesInstanceUID), label: seriesLabel(se) }))}
          onClose={() => setSending(false)}
        />
      )}
      <ConfirmDialog
        open={confirmStudy}
        onOpenChange={setConfirmStudy}
        title="Delete this study?"
        description={`All ${num(ds, T.NumberOfStudyRelatedInstances) ?? ''} instances of ${title}'s study will be removed from the archive. This cannot be undone.`.replace('All  ', 'All ')}
        confirmLabel="Delete study"
        loading={deletingStudy.isLoading}
        onConfirm={() => void removeStudy()}
      />
      <ConfirmDialog
        open={seriesToDelete !== null}
        onOpenChange={(o) => !o && setSeriesToDelete(null)}
        title="Delete this series?"
        description={seriesToDelete ? `${seriesLabel(seriesToDelete)} (${num(seriesToDelete, T.NumberOfSeriesRelatedInstances) ?? '?'} instances) will be removed from the archive. This cannot be undone.` : undefined}
        confirmLabel="Delete series"
        loading={deletingSeries.isLoading}
        onConfirm={() => void removeSeries()}
      />
    </>
  );
}

function seriesLabel(se: DicomJsonDataset): string {
  return str(se, T.SeriesDescription) || `${str(se, T.Modality) || 'Series'} ${str(se, T.SeriesNumber)}`.trim();
}

function BackLink() {
  return (
    <Link to={`/studies${lastStudySearch()}`} className="mb-3 inline-flex items-center gap-1 text-sm text-ink-muted hover:text-ink">
      <ArrowLeft aria-hidden className="size-4" /> Studies
    </Link>
  );
}

function Attr({ label, children, mono, wide }: { label: string; children: ReactNode; mono?: boolean; wide?: boolean }) {
  const empty = children === '' || children === null || children === undefined;
  return (
    <div className={wide ? 'sm:col-span-2 lg:col-span-4' : undefined}>
      <dt className="text-xs font-semibold tracking-wide text-ink-muted">{label}</dt>
      <dd className={mono ? 'font-mono text-xs break-all mt-0.5' : 'mt-0.5'}>{empty ? <span className="text-ink-subtle">—</span> : children}</dd>
    </div>
  );
}

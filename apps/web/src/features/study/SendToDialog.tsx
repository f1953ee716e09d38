import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Send } from 'lucide-react';
import { errorMessage } from '../../app/api';
import { P, usePermissions } from '../../app/permissions';
import { Alert, Button, Dialog, FormField, Select, toast } from '../../ui';
import { JobProgress, JobStatusBadge } from '../admin-dicom-nodes/DicomJobsTable';
import { isActive, useGetDicomJobQuery, useListDicomDestinationsQuery, useStoreToDicomNodeMutation } from '../admin-dicom-nodes/dicomNodesApi';

export interface SeriesChoice {
  uid: string;
  label: string;
}

/**
 * "Send to…": C-STORE of the study, or of one of its series, to a registered DICOM node, as a background job
 * whose progress shows in the dialog (and in the study's transfer list).
 */
export function SendToDialog({ studyUid, series, onClose }: { studyUid: string; series: SeriesChoice[]; onClose: () => void }) {
  const { can } = usePermissions();
  const destinations = useListDicomDestinationsQuery();
  const [nodeId, setNodeId] = useState('');
  const [seriesUid, setSeriesUid] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [store, storeState] = useStoreToDicomNodeMutation();
  const [jobId, setJobId] = useState<string | null>(null);
  const [poll, setPoll] = useState(true);
  const job = useGetDicomJobQuery(jobId ?? '', { skip: !jobId, pollingInterval: poll ? 500 : 0 });
  useEffect(() => {
    if (job.data && !isActive(job.data)) setPoll(false);
  }, [job.data]);

  const send = async () => {
    setError(null);
    if (!nodeId) {
      setError('Choose a destination.');
      return;
    }
    try {
      const j = await store({ id: nodeId, studyUid, ...(seriesUid ? { seriesUid } : {}) }).unwrap();
      setJobId(j.id);
      setPoll(true);
      toast.success('Sending started', `To ${j.nodeAeTitle}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const nodes = destinations.data ?? [];
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title="Send to a DICOM node"
      description="The archived objects are sent as they are stored (C-STORE), in the background."
      footer={
        jobId ? (
          <Button variant="primary" onClick={onClose}>Close</Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button variant="primary" icon={<Send aria-hidden className="size-4" />} loading={storeState.isLoading} disabled={!nodes.length} onClick={() => void send()}>Send</Button>
          </>
        )
      }
    >
      <div className="flex flex-col gap-4">
        {error && <Alert>{error}</Alert>}
        {destinations.error && <Alert title="Could not load the destinations">{errorMessage(destinations.error)}</Alert>}
        {!destinations.isLoading && !destinations.error && !nodes.length && (
          <Alert title="No DICOM node is registered">
            {can(P.dicomNodeManage) ? <>Add one under <Link className="underline" to="/admin/dicom-nodes">DICOM nodes</Link>.</> : 'Ask an administrator to register one.'}
          </Alert>
        )}
        <FormField label="Destination" required>
          <Select value={nodeId} onChange={(e) => setNodeId(e.target.value)} disabled={!!jobId} placeholder="Choose a node…" options={nodes.map((n) => ({ value: n.id, label: `${n.aeTitle} (${n.host}:${n.port})${n.description ? ` — ${n.description}` : ''}` }))} />
        </FormField>
        <FormField label="What">
          <Select value={seriesUid} onChange={(e) => setSeriesUid(e.target.value)} disabled={!!jobId} options={[{ value: '', label: 'The whole study' }, ...series.map((s) => ({ value: s.uid, label: `Series: ${s.label}` }))]} />
        </FormField>
        {job.data && (
          <div className="flex flex-col gap-2 rounded-md border border-border bg-surface-muted p-3" aria-label="Send job" role="group">
            <div className="flex items-center justify-between gap-2 text-sm">
              <span className="font-medium">To {job.data.nodeAeTitle}</span>
              <JobStatusBadge job={job.data} />
            </div>
            <JobProgress job={job.data} />
            {job.data.error && <p className="text-xs text-danger-600">{job.data.error}</p>}
          </div>
        )}
      </div>
    </Dialog>
  );
}

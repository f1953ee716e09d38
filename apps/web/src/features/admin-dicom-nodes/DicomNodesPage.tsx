import { useState, type FormEvent } from 'react';
import { Download, Network, Pencil, Plus, Radio, Search, Trash2 } from 'lucide-react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { errorMessage } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import { P, usePermissions } from '../../app/permissions';
import {
  Alert, Badge, Button, Card, Checkbox, ConfirmDialog, DataTable, Dialog, EmptyState, FieldGroup, FormField, Input, PageHeader, Select,
  toast, Toolbar, type Column,
} from '../../ui';
import { da, num, pn, str, strs, T, type DicomJsonDataset } from '../studies/dicomJson';
import { DicomJobsTable } from './DicomJobsTable';
import {
  useCreateDicomNodeMutation, useDeleteDicomNodeMutation, useEchoDicomNodeMutation, useListDicomNodesQuery, useQueryDicomNodeMutation,
  useRetrieveFromDicomNodeMutation, useUpdateDicomNodeMutation, type DicomNode, type EchoResult,
} from './dicomNodesApi';

const MODALITY_OPTIONS = ['CT', 'MR', 'CR', 'DX', 'MG', 'US', 'XA', 'RF', 'NM', 'PT', 'SC', 'SR', 'OT'].map((m) => ({ value: m, label: m }));

const PERMISSIONS = [
  { key: 'allowStore', label: 'Store', hint: 'may send images to Axial' },
  { key: 'allowQuery', label: 'Query', hint: 'may search Axial (C-FIND)' },
  { key: 'allowRetrieve', label: 'Retrieve', hint: 'may retrieve from Axial (C-MOVE, C-GET)' },
  { key: 'isMoveDestination', label: 'Move destination', hint: 'may receive C-MOVE sub-operations' },
] as const;

// PS3.5 AE: 1–16 characters of the default repertoire, no backslash.
const schema = z.object({
  aeTitle: z.string().trim().min(1, 'AE title is required').max(16, 'At most 16 characters').regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'Printable ASCII without a backslash'),
  host: z.string().trim().min(1, 'Host is required').max(253).regex(/^[A-Za-z0-9.:\-[\]]+$/, 'A host name or IP address'),
  port: z.coerce.number<string>().int('A whole number').min(1, '1 to 65535').max(65535, '1 to 65535'),
  description: z.string().trim().max(500),
  allowStore: z.boolean(),
  allowQuery: z.boolean(),
  allowRetrieve: z.boolean(),
  isMoveDestination: z.boolean(),
});
type Values = z.input<typeof schema>;
type Output = z.output<typeof schema>;

export default function DicomNodesPage() {
  const { data, isLoading, isFetching, error } = useListDicomNodesQuery();
  const [editing, setEditing] = useState<DicomNode | 'new' | null>(null);
  const [deleting, setDeleting] = useState<DicomNode | null>(null);
  const [remove, removeState] = useDeleteDicomNodeMutation();
  const [echo] = useEchoDicomNodeMutation();
  const [echoes, setEchoes] = useState<Record<string, EchoResult | 'pending'>>({});

  const verify = async (n: DicomNode) => {
    setEchoes((e) => ({ ...e, [n.id]: 'pending' }));
    try {
      const r = await echo(n.id).unwrap();
      setEchoes((e) => ({ ...e, [n.id]: r }));
    } catch (err) {
      setEchoes((e) => ({ ...e, [n.id]: { ok: false, error: errorMessage(err) } }));
    }
  };

  const columns: Column<DicomNode>[] = [
    {
      key: 'ae',
      header: 'AE title',
      cell: (n) => (
        <div className="min-w-0">
          <p className="font-mono font-semibold">{n.aeTitle}</p>
          {n.description && <p className="max-w-72 truncate text-xs text-ink-muted" title={n.description}>{n.description}</p>}
        </div>
      ),
    },
    { key: 'address', header: 'Address', cell: (n) => <span className="font-mono text-xs">{n.host}:{n.port}</span> },
    {
      key: 'allowed',
      header: 'Allowed',
      cell: (n) => {
        const on = PERMISSIONS.filter((p) => n[p.key]);
        return (
          <div className="flex flex-wrap gap-1">
            {on.length ? on.map((p) => <Badge key={p.key} tone="info"><abbr title={p.hint} className="no-underline">{p.label}</abbr></Badge>) : <span className="text-ink-subtle">Nothing</span>}
          </div>
        );
      },
    },
    { key: 'verify', header: 'Verification', cell: (n) => <EchoCell result={echoes[n.id]} /> },
    {
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (n) => (
        <div className="flex justify-end gap-1">
          <Button size="sm" variant="secondary" icon={<Radio aria-hidden className="size-3.5" />} aria-label={`Verify ${n.aeTitle}`} loading={echoes[n.id] === 'pending'} onClick={() => void verify(n)}>Verify</Button>
          <Button size="sm" variant="ghost" icon={<Pencil aria-hidden className="size-3.5" />} aria-label={`Edit ${n.aeTitle}`} onClick={() => setEditing(n)}>Edit</Button>
          <Button size="sm" variant="ghost" icon={<Trash2 aria-hidden className="size-3.5" />} aria-label={`Delete ${n.aeTitle}`} onClick={() => setDeleting(n)}>Delete</Button>
        </div>
      ),
    },
  ];

  const doDelete = async () => {
    if (!deleting) return;
    try {
      await remove(deleting.id).unwrap();
      toast.success('DICOM node deleted', deleting.aeTitle);
      setDeleting(null);
    } catch (err) {
      toast.error('Could not delete the node', errorMessage(err));
    }
  };

  return (
    <>
      <PageHeader
        title="DICOM nodes"
        description="Modalities, archives and workstations Axial exchanges images with over DIMSE, and what each may do."
        actions={<Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setEditing('new')}>New node</Button>}
      />
      <Card className="mb-4">
        <DataTable
          label="DICOM nodes"
          columns={columns}
          rows={data}
          rowKey={(n) => n.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          empty={<EmptyState icon={Network} title="No DICOM nodes" description="Register a modality or PACS to send studies to it, query it, or let it store here." />}
        />
      </Card>
      <RemoteQueryPanel nodes={data ?? []} />
      <Card title="Jobs" className="mt-4">
        <DicomJobsTable />
      </Card>
      {editing && <NodeDialog node={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        open={!!deleting}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.aeTitle ?? 'node'}?`}
        description="Axial will no longer send to it, and with the AE whitelist on it can no longer connect. Its past jobs stay listed."
        confirmLabel="Delete"
        loading={removeState.isLoading}
        onConfirm={() => void doDelete()}
      />
    </>
  );
}

function EchoCell({ result }: { result: EchoResult | 'pending' | undefined }) {
  if (!result) return <span className="text-xs text-ink-subtle">Not verified</span>;
  if (result === 'pending') return <span className="text-xs text-ink-muted">Verifying…</span>;
  if (result.ok) return <Badge tone="success">C-ECHO OK · {result.roundTripMs} ms</Badge>;
  return (
    <span className="flex max-w-72 flex-col gap-0.5">
      <Badge tone="danger" className="self-start">C-ECHO failed</Badge>
      <span className="text-xs text-danger-600">{result.error ?? `Status 0x${(result.status ?? 0).toString(16).padStart(4, '0')}`}</span>
    </span>
  );
}

function NodeDialog({ node, onClose }: { node?: DicomNode; onClose: () => void }) {
  const [create, createState] = useCreateDicomNodeMutation();
  const [update, updateState] = useUpdateDicomNodeMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors } } = useForm<Values, unknown, Output>({
    resolver: zodResolver(schema),
    defaultValues: {
      aeTitle: node?.aeTitle ?? '',
      host: node?.host ?? '',
      port: node ? String(node.port) : '104',
      description: node?.description ?? '',
      allowStore: node?.allowStore ?? true,
      allowQuery: node?.allowQuery ?? true,
      allowRetrieve: node?.allowRetrieve ?? true,
      isMoveDestination: node?.isMoveDestination ?? true,
    },
  });
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      if (node) await update({ id: node.id, body: v }).unwrap();
      else await create(v).unwrap();
      toast.success(node ? 'DICOM node updated' : 'DICOM node created', v.aeTitle);
      onClose();
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['aeTitle', 'host', 'port', 'description', 'allowStore', 'allowQuery', 'allowRetrieve', 'isMoveDestination']));
    }
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={node ? `Edit ${node.aeTitle}` : 'New DICOM node'}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="dicom-node-form" loading={createState.isLoading || updateState.isLoading}>
            {node ? 'Save changes' : 'Create node'}
          </Button>
        </>
      }
    >
      <form id="dicom-node-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="AE title" error={errors.aeTitle?.message} required hint="As configured on the remote node (case-sensitive).">
            <Input {...register('aeTitle')} autoFocus placeholder="e.g. CT_SCANNER1" className="font-mono" maxLength={16} />
          </FormField>
          <FormField label="Description" error={errors.description?.message}>
            <Input {...register('description')} placeholder="e.g. CT room 1" />
          </FormField>
          <FormField label="Host" error={errors.host?.message} required>
            <Input {...register('host')} placeholder="host name or IP address" className="font-mono" />
          </FormField>
          <FormField label="Port" error={errors.port?.message} required>
            <Input {...register('port')} inputMode="numeric" className="font-mono" />
          </FormField>
        </div>
        <FieldGroup legend="Allowed operations" hint="What this node may do with Axial. Axial can always send to, query and retrieve from a registered node.">
          <div className="grid gap-2 sm:grid-cols-2">
            {PERMISSIONS.map((p) => (
              <Checkbox key={p.key} label={`${p.label} — ${p.hint}`} {...register(p.key)} />
            ))}
          </div>
        </FieldGroup>
      </form>
    </Dialog>
  );
}

/** Search a remote node (C-FIND, study level) and import studies from it (C-MOVE to Axial, as a job). */
function RemoteQueryPanel({ nodes }: { nodes: DicomNode[] }) {
  const { can } = usePermissions();
  const canImport = can(P.studyUpload);
  const [nodeId, setNodeId] = useState('');
  const [patientName, setPatientName] = useState('');
  const [patientId, setPatientId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [modality, setModality] = useState('');
  const [query, queryState] = useQueryDicomNodeMutation();
  const [retrieve] = useRetrieveFromDicomNodeMutation();
  const [results, setResults] = useState<DicomJsonDataset[] | null>(null);
  const [importing, setImporting] = useState<Record<string, 'pending' | 'started'>>({});
  const node = nodes.find((n) => n.id === nodeId) ?? (nodes.length === 1 ? nodes[0] : undefined);

  const search = async (e: FormEvent) => {
    e.preventDefault();
    if (!node) return;
    const keys: Record<string, string> = {};
    if (patientName.trim()) keys.PatientName = patientName.trim().includes('*') ? patientName.trim() : `${patientName.trim()}*`;
    if (patientId.trim()) keys.PatientID = patientId.trim();
    if (from || to) keys.StudyDate = `${from.replace(/-/g, '')}-${to.replace(/-/g, '')}`;
    if (modality) keys.ModalitiesInStudy = modality;
    try {
      setResults(await query({ id: node.id, keys }).unwrap());
    } catch (err) {
      setResults(null);
      toast.error(`Could not query ${node.aeTitle}`, errorMessage(err));
    }
  };

  const importStudy = async (studyUid: string) => {
    if (!node) return;
    setImporting((s) => ({ ...s, [studyUid]: 'pending' }));
    try {
      await retrieve({ id: node.id, studyUid }).unwrap();
      setImporting((s) => ({ ...s, [studyUid]: 'started' }));
      toast.success('Import started', `The study is being retrieved from ${node.aeTitle}; follow it under Jobs.`);
    } catch (err) {
      setImporting((s) => { const { [studyUid]: _, ...rest } = s; return rest; });
      toast.error('Could not start the import', errorMessage(err));
    }
  };

  const columns: Column<DicomJsonDataset>[] = [
    { key: 'patient', header: 'Patient', cell: (d) => <span className="font-medium">{pn(d, T.PatientName) || '—'}</span> },
    { key: 'pid', header: 'Patient ID', cell: (d) => <span className="font-mono text-xs">{str(d, T.PatientID) || '—'}</span> },
    { key: 'date', header: 'Study date', cell: (d) => da(d, T.StudyDate) || '—' },
    { key: 'desc', header: 'Description', cell: (d) => str(d, T.StudyDescription) || '—' },
    { key: 'mod', header: 'Modalities', cell: (d) => <span className="flex flex-wrap gap-1">{strs(d, T.ModalitiesInStudy).map((m) => <Badge key={m}>{m}</Badge>)}</span> },
    { key: 'acc', header: 'Accession', cell: (d) => <span className="font-mono text-xs">{str(d, T.AccessionNumber) || '—'}</span> },
    { key: 'n', header: 'Instances', className: 'text-right tabular-nums', cell: (d) => num(d, T.NumberOfStudyRelatedInstances) ?? '—' },
  ];
  if (canImport) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (d) => {
        const uid = str(d, T.StudyInstanceUID);
        const state = importing[uid];
        return (
          <Button size="sm" variant={state === 'started' ? 'ghost' : 'secondary'} icon={<Download aria-hidden className="size-3.5" />} disabled={!uid || state === 'started'} loading={state === 'pending'} aria-label={`Import study of ${pn(d, T.PatientName) || uid}`} onClick={() => void importStudy(uid)}>
            {state === 'started' ? 'Import started' : 'Import'}
          </Button>
        );
      },
    });
  }

  return (
    <Card title="Query / retrieve a remote node">
      <form onSubmit={(e) => void search(e)} aria-label="Remote query">
        <Toolbar>
          <FormField label="Node" className="w-52">
            <Select value={node?.id ?? ''} onChange={(e) => { setNodeId(e.target.value); setResults(null); }} options={nodes.map((n) => ({ value: n.id, label: `${n.aeTitle}${n.description ? ` — ${n.description}` : ''}` }))} placeholder="Choose a node…" />
          </FormField>
          <FormField label="Patient name" className="w-44">
            <Input value={patientName} onChange={(e) => setPatientName(e.target.value)} placeholder="starts with…" />
          </FormField>
          <FormField label="Patient ID" className="w-36">
            <Input value={patientId} onChange={(e) => setPatientId(e.target.value)} />
          </FormField>
          <FormField label="Study date from" className="w-40">
            <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          </FormField>
          <FormField label="to" className="w-40">
            <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          </FormField>
          <FormField label="Modality" className="w-28">
            <Select value={modality} onChange={(e) => setModality(e.target.value)} options={MODALITY_OPTIONS} placeholder="Any" />
          </FormField>
          <Button type="submit" variant="primary" icon={<Search aria-hidden className="size-4" />} disabled={!node} loading={queryState.isLoading}>Search</Button>
        </Toolbar>
      </form>
      {results === null ? (
        <p className="px-4 py-6 text-sm text-ink-muted">
          {nodes.length ? 'Choose a node and search it (C-FIND at study level). Import retrieves a study into Axial with C-MOVE: the node must know Axial’s AE title, host and port.' : 'Register a node first.'}
        </p>
      ) : (
        <DataTable
          label={`Studies on ${node?.aeTitle ?? 'the node'}`}
          columns={columns}
          rows={results}
          rowKey={(d) => str(d, T.StudyInstanceUID) || JSON.stringify(d)}
          empty={<EmptyState icon={Search} title="No matching studies" description={`${node?.aeTitle ?? 'The node'} returned no study for these criteria.`} />}
        />
      )}
    </Card>
  );
}

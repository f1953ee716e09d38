import { api } from '../../app/api';
import type { DicomJsonDataset } from '../studies/dicomJson';

/** A remote DICOM application entity (GET /api/v1/dicom-nodes). */
export interface DicomNode {
  id: string;
  aeTitle: string;
  host: string;
  port: number;
  description: string;
  /** May send objects to Axial (C-STORE to Axial). */
  allowStore: boolean;
  /** May query Axial (C-FIND). */
  allowQuery: boolean;
  /** May retrieve from Axial (C-MOVE / C-GET). */
  allowRetrieve: boolean;
  /** May be named as a C-MOVE destination. */
  isMoveDestination: boolean;
  createdAt: string;
  updatedAt: string;
}

export type DicomNodeInput = Omit<DicomNode, 'id' | 'createdAt' | 'updatedAt'>;

/** A destination for "Send to…" (GET /api/v1/dicom-nodes/destinations, permission study.export). */
export type DicomDestination = Pick<DicomNode, 'id' | 'aeTitle' | 'host' | 'port' | 'description'>;

export interface EchoResult {
  ok: boolean;
  status?: number;
  roundTripMs?: number;
  error?: string;
}

/** A background DIMSE job (C-STORE SCU "Send to", C-MOVE retrieve), persisted on the server. */
export interface DicomJob {
  id: string;
  type: 'store' | 'retrieve';
  status: 'queued' | 'running' | 'done' | 'failed';
  nodeId: string | null;
  nodeAeTitle: string;
  /** The request as JSON text: {studyUid, seriesUid?}. */
  params: string;
  total: number;
  completed: number;
  failed: number;
  warnings: number;
  error: string | null;
  /** Per-instance results (store) or the final C-MOVE status (retrieve), JSON text. */
  result: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const dicomNodesApi = api.injectEndpoints({
  endpoints: (b) => ({
    listDicomNodes: b.query<DicomNode[], void>({
      query: () => 'dicom-nodes',
      providesTags: ['DicomNode'],
    }),
    listDicomDestinations: b.query<DicomDestination[], void>({
      query: () => 'dicom-nodes/destinations',
      providesTags: ['DicomNode'],
    }),
    createDicomNode: b.mutation<DicomNode, DicomNodeInput>({
      query: (body) => ({ url: 'dicom-nodes', method: 'POST', body }),
      invalidatesTags: ['DicomNode'],
    }),
    updateDicomNode: b.mutation<DicomNode, { id: string; body: Partial<DicomNodeInput> }>({
      query: ({ id, body }) => ({ url: `dicom-nodes/${encodeURIComponent(id)}`, method: 'PATCH', body }),
      invalidatesTags: ['DicomNode'],
    }),
    deleteDicomNode: b.mutation<void, string>({
      query: (id) => ({ url: `dicom-nodes/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['DicomNode'],
    }),
    echoDicomNode: b.mutation<EchoResult, string>({
      query: (id) => ({ url: `dicom-nodes/${encodeURIComponent(id)}/echo`, method: 'POST' }),
    }),
    queryDicomNode: b.mutation<DicomJsonDataset[], { id: string; keys: Record<string, string> }>({
      query: ({ id, keys }) => ({ url: `dicom-nodes/${encodeURIComponent(id)}/query`, method: 'POST', body: { keys } }),
    }),
    retrieveFromDicomNode: b.mutation<DicomJob, { id: string; studyUid: string }>({
      query: ({ id, studyUid }) => ({ url: `dicom-nodes/${encodeURIComponent(id)}/retrieve`, method: 'POST', body: { studyUid } }),
      invalidatesTags: ['DicomJob'],
    }),
    storeToDicomNode: b.mutation<DicomJob, { id: string; studyUid: string; seriesUid?: string }>({
      query: ({ id, ...body }) => ({ url: `dicom-nodes/${encodeURIComponent(id)}/store`, method: 'POST', body }),
      invalidatesTags: ['DicomJob'],
    }),
    listDicomJobs: b.query<DicomJob[], void>({
      query: () => 'dicom-jobs',
      providesTags: ['DicomJob'],
    }),
    getDicomJob: b.query<DicomJob, string>({
      query: (id) => `dicom-jobs/${encodeURIComponent(id)}`,
      providesTags: (_r, _e, id) => [{ type: 'DicomJob', id }],
    }),
  }),
});

export const {
  useListDicomNodesQuery, useListDicomDestinationsQuery, useCreateDicomNodeMutation, useUpdateDicomNodeMutation,
  useDeleteDicomNodeMutation, useEchoDicomNodeMutation, useQueryDicomNodeMutation, useRetrieveFromDicomNodeMutation,
  useStoreToDicomNodeMutation, useListDicomJobsQuery, useGetDicomJobQuery,
} = dicomNodesApi;

/** A job is finished when it is done or failed; until then pages poll it. */
export const isActive = (j: Pick<DicomJob, 'status'>) => j.status === 'queued' || j.status === 'running';

export function jobParams(j: DicomJob): { studyUid?: string; seriesUid?: string } {
  try {
    return JSON.parse(j.params) as { studyUid?: string; seriesUid?: string };
  } catch {
    return {};
  }
}

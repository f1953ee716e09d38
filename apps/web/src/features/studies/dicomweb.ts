import type { Dispatch } from '@reduxjs/toolkit';
import { api, buildUrl, isApiError, refreshSession, toApiError, type QueryParams } from '../../app/api';
import { sessionEnded, type SessionState } from '../../app/session';
import type { ApiError } from '../../app/types';
import type { DicomJsonDataset } from './dicomJson';

/**
 * Client for the archive's DICOMweb API (`/dicom-web`, same origin). It authenticates like the rest of
 * the API (bearer access token, one refresh-and-retry on 401) but lets callers choose the Accept header
 * and read the raw response (headers such as X-Total-Count, image blobs, 404/406 for thumbnails).
 */

export const DICOMWEB_PREFIX = '/dicom-web';

export interface Thunk {
  getState: () => unknown;
  dispatch: Dispatch;
}

export interface DicomwebRequest {
  /** Path below /dicom-web, e.g. `studies/1.2.3/series`. */
  path: string;
  method?: 'GET' | 'DELETE' | 'POST';
  params?: QueryParams;
  accept?: string;
  signal?: AbortSignal;
}

const NETWORK_ERROR: ApiError = {
  statusCode: 0,
  error: 'Network Error',
  message: 'Cannot reach the Axial server. Check your connection and try again.',
};

export function dicomwebUrl(path: string, params?: QueryParams): string {
  return buildUrl(`${DICOMWEB_PREFIX}/${path.replace(/^\/+/, '')}`, params);
}

function tokenOf(thunk: Thunk): string | null {
  return (thunk.getState() as { session: SessionState }).session.accessToken;
}

/**
 * Returns a usable access token after the current one was refused (401): the one another caller
 * already refreshed, or a fresh one. Ends the session (→ login page) when it cannot be refreshed.
 */
export async function renewToken(thunk: Thunk, refused: string | null): Promise<string | null> {
  const current = tokenOf(thunk);
  if (current && current !== refused) return current;
  const fresh = await refreshSession(thunk.dispatch).catch(() => null);
  if (!fresh) {
    thunk.dispatch(sessionEnded('expired'));
    return null;
  }
  return fresh.accessToken;
}

export function currentToken(thunk: Thunk): string | null {
  return tokenOf(thunk);
}

/** Performs the request; resolves with the Response whatever its status (except 401 after a refresh attempt). */
export async function dicomwebRaw(req: DicomwebRequest, thunk: Thunk): Promise<Response> {
  const send = (token: string | null) => {
    const headers: Record<string, string> = { Accept: req.accept ?? 'application/dicom+json, application/json;q=0.9' };
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(dicomwebUrl(req.path, req.params), {
      method: req.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      signal: req.signal,
    });
  };
  const token = tokenOf(thunk);
  try {
    let res = await send(token);
    if (res.status === 401 && token) {
      const retry = await renewToken(thunk, token);
      if (retry) res = await send(retry);
    }
    return res;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    if (isApiError(err)) throw err;
    throw NETWORK_ERROR;
  }
}

/** Like dicomwebRaw, but rejects with an ApiError `{statusCode, error, message}` unless the status is 2xx. */
export async function dicomweb(req: DicomwebRequest, thunk: Thunk): Promise<Response> {
  const res = await dicomwebRaw(req, thunk);
  if (!res.ok) throw await toApiError(res);
  return res;
}

/** Parses a DICOM JSON array response (an empty body / 204 is an empty list). */
export async function readDatasets(res: Response): Promise<DicomJsonDataset[]> {
  if (res.status === 204) return [];
  const text = await res.text();
  if (!text.trim()) return [];
  const body = JSON.parse(text) as unknown;
  return Array.isArray(body) ? (body as DicomJsonDataset[]) : [];
}

// ---------------------------------------------------------------------------------------------
// RTK Query endpoints (cached, invalidated after deletes and uploads)

export interface StudySearchResult {
  studies: DicomJsonDataset[];
  /** From X-Total-Count; null when the server did not send it. */
  total: number | null;
}

export const STUDY_PAGE_SIZE = 25;

function asError(err: unknown): ApiError {
  return isApiError(err) ? err : NETWORK_ERROR;
}

const archiveApi = api.enhanceEndpoints({ addTagTypes: ['Study', 'Series'] }).injectEndpoints({
  endpoints: (b) => ({
    searchStudies: b.query<StudySearchResult, Record<string, string>>({
      async queryFn(params, thunk) {
        try {
          const res = await dicomweb({ path: 'studies', params }, thunk);
          const studies = await readDatasets(res);
          const header = res.headers.get('x-total-count');
          const total = header && /^\d+$/.test(header.trim()) ? Number(header.trim()) : null;
          return { data: { studies, total } };
        } catch (err) {
          return { error: asError(err) };
        }
      },
      providesTags: [{ type: 'Study', id: 'LIST' }],
      keepUnusedDataFor: 30,
    }),
    getStudy: b.query<DicomJsonDataset | null, string>({
      async queryFn(studyUid, thunk) {
        try {
          const res = await dicomweb({ path: 'studies', params: { StudyInstanceUID: studyUid, includefield: 'all' } }, thunk);
          const list = await readDatasets(res);
          return { data: list[0] ?? null };
        } catch (err) {
          return { error: asError(err) };
        }
      },
      providesTags: (_r, _e, uid) => [{ type: 'Study', id: uid }],
    }),
    listSeries: b.query<DicomJsonDataset[], string>({
      async queryFn(studyUid, thunk) {
        try {
          const res = await dicomwebRaw({ path: `studies/${encodeURIComponent(studyUid)}/series`, params: { includefield: 'all' } }, thunk);
          if (res.status === 404) return { data: [] };
          if (!res.ok) throw await toApiError(res);
          return { data: await readDatasets(res) };
        } catch (err) {
          return { error: asError(err) };
        }
      },
      providesTags: (_r, _e, uid) => [{ type: 'Series', id: uid }],
    }),
    deleteStudy: b.mutation<null, string>({
      async queryFn(studyUid, thunk) {
        try {
          await dicomweb({ path: `studies/${encodeURIComponent(studyUid)}`, method: 'DELETE' }, thunk);
          return { data: null };
        } catch (err) {
          return { error: asError(err) };
        }
      },
      invalidatesTags: (_r, _e, uid) => [{ type: 'Study', id: 'LIST' }, { type: 'Study', id: uid }, { type: 'Series', id: uid }],
    }),
    deleteSeries: b.mutation<null, { studyUid: string; seriesUid: string }>({
      async queryFn({ studyUid, seriesUid }, thunk) {
        try {
          await dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`, method: 'DELETE' }, thunk);
          return { data: null };
        } catch (err) {
          return { error: asError(err) };
        }
      },
      invalidatesTags: (_r, _e, { studyUid }) => [{ type: 'Study', id: 'LIST' }, { type: 'Study', id: studyUid }, { type: 'Series', id: studyUid }],
    }),
  }),
});

export const { useSearchStudiesQuery, useGetStudyQuery, useListSeriesQuery, useDeleteStudyMutation, useDeleteSeriesMutation } = archiveApi;

/**
 * The study page's two queries for `studyUid` (study attributes, its series) through the query cache: answers younger
 * than `maxAgeSeconds` are reused, requests in flight are joined, others are sent. Rejects with an ApiError.
 */
export async function studyQueries(thunk: Thunk, studyUid: string, maxAgeSeconds: number): Promise<{ study: DicomJsonDataset | null; series: DicomJsonDataset[] }> {
  const dispatch = thunk.dispatch as unknown as (action: unknown) => { unwrap: () => Promise<unknown> };
  const options = { forceRefetch: maxAgeSeconds, subscribe: false };
  const [study, series] = await Promise.all([
    dispatch(archiveApi.endpoints.getStudy.initiate(studyUid, options)).unwrap(),
    dispatch(archiveApi.endpoints.listSeries.initiate(studyUid, options)).unwrap(),
  ]);
  return { study: study as DicomJsonDataset | null, series: series as DicomJsonDataset[] };
}

/** Marks every cached study query stale (after an upload stored new instances). */
export const invalidateStudies = () => archiveApi.util.invalidateTags(['Study', 'Series']);

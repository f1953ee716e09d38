import { items, num, str, strs, T, type DicomJsonDataset } from '../studies/dicomJson';
import { currentToken, dicomwebUrl, renewToken, type Thunk } from '../studies/dicomweb';

/**
 * STOW-RS (PS3.18 §10.5): POST /dicom-web/studies with a multipart/related body of application/dicom
 * parts. Sent with XMLHttpRequest for upload progress events. The response is a DICOM JSON data set
 * whose Referenced / Failed SOP Sequence items carry Axial's private block (creator "AXIAL"):
 * (0009,1002) part index, (0009,1003) STORED | DUPLICATE | REPLACED | REJECTED, (0009,1001) message.
 */

export type PartStatus = 'stored' | 'duplicate' | 'replaced' | 'rejected';

export interface PartResult {
  status: PartStatus;
  message?: string;
  sopInstanceUid?: string;
  sopClassUid?: string;
  studyUid?: string;
}

export interface StowResponse {
  status: number;
  /** Results by zero-based part index. */
  parts: Map<number, PartResult>;
  /** Results the server gave without a usable part index. */
  unindexed: PartResult[];
  /** Study UIDs named anywhere in the response. */
  studyUids: string[];
  /** Message of a request-level error (`{statusCode, error, message}` body or status text). */
  error?: string;
}

export function newBoundary(): string {
  const rnd = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID().replace(/-/g, '') : Math.random().toString(36).slice(2);
  return `axial-stow-${rnd}`;
}

/** The multipart/related body as a Blob (the browser streams the parts; nothing is copied into one buffer). */
export function multipartBody(parts: readonly Blob[], boundary: string): Blob {
  const chunks: BlobPart[] = [];
  for (const p of parts) {
    chunks.push(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, p, '\r\n');
  }
  chunks.push(`--${boundary}--\r\n`);
  return new Blob(chunks);
}

export function contentType(boundary: string): string {
  return `multipart/related; type="application/dicom"; boundary=${boundary}`;
}

export class StowNetworkError extends Error {}
export class StowAborted extends Error {}

interface RawResponse {
  status: number;
  text: string;
  contentType: string;
}

function xhrPost(url: string, body: Blob, boundary: string, token: string | null, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new StowAborted('Cancelled'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', contentType(boundary));
    xhr.setRequestHeader('Accept', 'application/dicom+json, application/json;q=0.9');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText, contentType: xhr.getResponseHeader('content-type') ?? '' });
    xhr.onerror = () => reject(new StowNetworkError('Network error: the upload did not reach the server'));
    xhr.ontimeout = () => reject(new StowNetworkError('The upload timed out'));
    xhr.onabort = () => reject(new StowAborted('Cancelled'));
    const abort = () => xhr.abort();
    signal?.addEventListener('abort', abort, { once: true });
    xhr.onloadend = () => signal?.removeEventListener('abort', abort);
    xhr.send(body);
  });
}

/** Sends one STOW-RS request (refreshing the access token once on 401) and parses the answer. */
export async function stow(parts: readonly Blob[], thunk: Thunk, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<StowResponse> {
  const boundary = newBoundary();
  const body = multipartBody(parts, boundary);
  const url = dicomwebUrl('studies');
  const token = currentToken(thunk);
  let raw = await xhrPost(url, body, boundary, token, onProgress, signal);
  if (raw.status === 401 && token) {
    const fresh = await renewToken(thunk, token);
    if (fresh) {
      onProgress(0);
      raw = await xhrPost(url, body, boundary, fresh, onProgress, signal);
    }
  }
  return parseStowResponse(raw.status, raw.text);
}

const STATUS_MAP: Record<string, PartStatus> = {
  STORED: 'stored',
  DUPLICATE: 'duplicate',
  REPLACED: 'replaced',
  REJECTED: 'rejected',
};

function studyFromUrl(url: string): string | undefined {
  const m = /\/studies\/([^/?#]+)/.exec(url);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

function failureText(code: number | undefined): string | undefined {
  if (code === undefined) return undefined;
  const hex = `0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const known: Record<number, string> = {
    0x0110: 'Processing failure',
    0x0112: 'No such object instance',
    0x0122: 'SOP class not supported',
    0x0124: 'Not authorized',
    0xa700: 'Out of resources',
    0xa900: 'Data set does not match SOP class',
    0xc000: 'Cannot understand',
    0xc122: 'Referenced transfer syntax not supported',
  };
  return `${known[code] ?? 'Failure'} (${hex})`;
}

function partOf(item: DicomJsonDataset, failed: boolean): { index: number | undefined; result: PartResult } {
  const rawStatus = str(item, T.AxialStatus).toUpperCase();
  const status = STATUS_MAP[rawStatus] ?? (failed ? 'rejected' : 'stored');
  const message = str(item, T.AxialMessage) || (failed ? failureText(num(item, T.FailureReason)) : undefined) || undefined;
  const retrieve = str(item, T.RetrieveURL);
  const studyUid = str(item, T.StudyInstanceUID) || (retrieve ? studyFromUrl(retrieve) : undefined) || undefined;
  const index = num(item, T.AxialPartIndex);
  return {
    index: index !== undefined && Number.isInteger(index) && index >= 0 ? index : undefined,
    result: {
      status,
      message,
      sopInstanceUid: str(item, T.ReferencedSOPInstanceUID) || undefined,
      sopClassUid: str(item, T.ReferencedSOPClassUID) || undefined,
      studyUid,
    },
  };
}

export function parseStowResponse(status: number, text: string): StowResponse {
  const out: StowResponse = { status, parts: new Map(), unindexed: [], studyUids: [] };
  let body: unknown = null;
  try {
    body = text.trim() ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  // DICOM JSON: one data set (some servers wrap it in an array).
  const ds = (Array.isArray(body) ? body[0] : body) as DicomJsonDataset | Record<string, unknown> | null;
  const isDicom = ds !== null && typeof ds === 'object' && (T.ReferencedSOPSequence in ds || T.FailedSOPSequence in ds);
  if (isDicom) {
    const dataset = ds as DicomJsonDataset;
    const studies = new Set<string>();
    for (const url of strs(dataset, T.RetrieveURL)) {
      const s = studyFromUrl(url);
      if (s) studies.add(s);
    }
    const add = (item: DicomJsonDataset, failed: boolean) => {
      const { index, result } = partOf(item, failed);
      if (result.studyUid && result.status !== 'rejected') studies.add(result.studyUid);
      if (index === undefined || out.parts.has(index)) out.unindexed.push(result);
      else out.parts.set(index, result);
    };
    for (const item of items(dataset, T.ReferencedSOPSequence)) add(item, false);
    for (const item of items(dataset, T.FailedSOPSequence)) add(item, true);
    // A single study named only at the top level applies to every stored part.
    if (studies.size === 1) {
      const only = [...studies][0]!;
      for (const r of out.parts.values()) if (!r.studyUid && r.status !== 'rejected') r.studyUid = only;
    }
    out.studyUids = [...studies];
    if (status >= 400 && out.parts.size === 0) out.error = `The server refused the request (${status})`;
    return out;
  }
  if (status >= 200 && status < 300) {
    out.error = 'The server answered without per-file results';
    return out;
  }
  const rec = (ds && typeof ds === 'object' ? ds : {}) as Record<string, unknown>;
  const msg = Array.isArray(rec.message) ? rec.message.join('; ') : typeof rec.message === 'string' ? rec.message : '';
  out.error = msg || defaultMessage(status);
  return out;
}

function defaultMessage(status: number): string {
  switch (status) {
    case 400: return 'The server could not read the upload (400)';
    case 403: return 'You are not allowed to upload studies (403)';
    case 413: return 'The upload is too large for the server (413)';
    case 415: return 'The server does not accept this content type (415)';
    default: return status >= 500 ? `The server ran into a problem (${status})` : `Upload failed (${status})`;
  }
}

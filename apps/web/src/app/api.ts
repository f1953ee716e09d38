import type { Dispatch } from '@reduxjs/toolkit';
import { createApi, type BaseQueryFn } from '@reduxjs/toolkit/query/react';
import { sessionEnded, sessionStarted, type SessionState } from './session';
import type { ApiError, SessionPayload } from './types';

/**
 * Typed fetch wrapper for the Axial REST API.
 *
 * - Sends the in-memory access token as a bearer token (the refresh token is an httpOnly cookie).
 * - On a 401 it refreshes the session once (shared by every concurrent caller, and serialised
 *   across browser tabs with the Web Locks API so rotating refresh tokens are never replayed),
 *   then retries the request once.
 * - Normalises every failure to the server's error shape `{statusCode, error, message, details?}`.
 */

export const API_PREFIX = '/api/v1';

type ParamValue = string | number | boolean | null | undefined;
export type QueryParams = Record<string, ParamValue | ParamValue[]>;

export interface RequestArgs {
  /** Path below /api/v1 (`users/1`), or an absolute path starting with `/`. */
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  params?: QueryParams;
}

interface StateWithSession {
  session: SessionState;
}

interface ThunkApiLike {
  getState: () => unknown;
  dispatch: Dispatch;
}

export function buildUrl(url: string, params?: QueryParams): string {
  const path = url.startsWith('/') ? url : `${API_PREFIX}/${url}`;
  if (!params) return path;
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null || v === '') continue;
      search.append(key, String(v));
    }
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

const NETWORK_ERROR: ApiError = {
  statusCode: 0,
  error: 'Network Error',
  message: 'Cannot reach the Axial server. Check your connection and try again.',
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'Your session has expired. Please sign in again.',
  403: 'You do not have permission to do that.',
  404: 'Not found.',
  409: 'That conflicts with existing data.',
  429: 'Too many requests. Please wait a moment and try again.',
  500: 'The server ran into a problem. Please try again.',
};

export function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && 'statusCode' in value && 'message' in value;
}

/** A human-readable message for any error thrown or returned by the client. */
export function errorMessage(err: unknown, fallback = 'Something went wrong.'): string {
  if (isApiError(err)) return err.message || fallback;
  if (err instanceof Error) return err.message;
  return fallback;
}

function normaliseDetails(raw: unknown): ApiError['details'] {
  if (!Array.isArray(raw)) return undefined;
  const out: NonNullable<ApiError['details']> = [];
  for (const d of raw) {
    if (typeof d !== 'object' || d === null) continue;
    const rec = d as Record<string, unknown>;
    const rawPath = rec.path;
    const path = Array.isArray(rawPath) ? rawPath.join('.') : typeof rawPath === 'string' ? rawPath : '';
    out.push({ path: path.replace(/^body\./, ''), message: typeof rec.message === 'string' ? rec.message : 'Invalid value' });
  }
  return out;
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await res.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const rec = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const rawMessage = rec.message;
  const message = Array.isArray(rawMessage)
    ? rawMessage.join('; ')
    : typeof rawMessage === 'string' && rawMessage
      ? rawMessage
      : DEFAULT_MESSAGES[res.status] ?? (res.status >= 500 ? DEFAULT_MESSAGES[500] : `Request failed (${res.status}).`);
  const retryHeader = res.headers.get('retry-after');
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : undefined;
  return {
    statusCode: typeof rec.statusCode === 'number' ? rec.statusCode : res.status,
    error: typeof rec.error === 'string' ? rec.error : res.statusText || 'Error',
    message,
    details: normaliseDetails(rec.details),
    retryAfter,
  };
}

function send(args: RequestArgs, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (args.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(args.body);
  }
  return fetch(buildUrl(args.url, args.params), {
    method: args.method ?? 'GET',
    headers,
    body,
    credentials: 'same-origin',
  });
}

// ---------------------------------------------------------------------------------------------
// Session refresh

let refreshInFlight: Promise<SessionPayload | null> | null = null;

function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks?.request) return locks.request('axial-auth-refresh', fn) as Promise<T>;
  return fn();
}

/**
 * Exchanges the refresh cookie for a new access token. Resolves null when there is no valid
 * session (401/403); rejects with an ApiError on network or server failures.
 */
export function refreshSession(dispatch: Dispatch): Promise<SessionPayload | null> {
  if (!refreshInFlight) {
    refreshInFlight = withRefreshLock(async () => {
      let res: Response;
      try {
        res = await fetch(`${API_PREFIX}/auth/refresh`, {
          method: 'POST',
          headers: { Accept: 'application/json' },
          credentials: 'same-origin',
        });
      } catch {
        throw NETWORK_ERROR;
      }
      if (res.ok) {
        const payload = (await res.json()) as SessionPayload;
        dispatch(sessionStarted(payload));
        return payload;
      }
      if (res.status === 401 || res.status === 403) return null;
      throw await toApiError(res);
    }).finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

/** Called once at start-up: restores the session from the refresh cookie, if any. */
export async function restoreSession(dispatch: Dispatch): Promise<void> {
  try {
    const payload = await refreshSession(dispatch);
    if (!payload) dispatch(sessionEnded());
  } catch {
    dispatch(sessionEnded());
  }
}

const NO_RETRY = /^(\/api\/v1\/)?auth\/(login|refresh)$/;

/**
 * Performs an authenticated request with the one-shot refresh-and-retry. Resolves with the
 * Response when it is 2xx, otherwise rejects with an ApiError.
 */
export async function authedFetch(args: RequestArgs, thunk: ThunkApiLike): Promise<Response> {
  const token = (thunk.getState() as StateWithSession).session.accessToken;
  let res: Response;
  try {
    res = await send(args, token);
    if (res.status === 401 && token && !NO_RETRY.test(args.url)) {
      const current = (thunk.getState() as StateWithSession).session.accessToken;
      let retryToken: string | null = null;
      if (current && current !== token) {
        // Another caller refreshed while this request was in flight.
        retryToken = current;
      } else {
        const fresh = await refreshSession(thunk.dispatch).catch(() => null);
        if (!fresh) {
          thunk.dispatch(sessionEnded('expired'));
          throw await toApiError(res);
        }
        retryToken = fresh.accessToken;
      }
      res = await send(args, retryToken);
    }
  } catch (err) {
    if (isApiError(err)) throw err;
    throw NETWORK_ERROR;
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function parseBody(res: Response): Promise<unknown> {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return JSON.parse(text) as unknown;
  return text;
}

const baseQuery: BaseQueryFn<RequestArgs | string, unknown, ApiError> = async (arg, api) => {
  const args = typeof arg === 'string' ? { url: arg } : arg;
  try {
    const res = await authedFetch(args, api);
    return { data: await parseBody(res) };
  } catch (err) {
    return { error: isApiError(err) ? err : NETWORK_ERROR };
  }
};

export const api = createApi({
  reducerPath: 'api',
  baseQuery,
  tagTypes: ['Me', 'User', 'Department', 'Room', 'Shift', 'Schedule', 'Role', 'Permission', 'Audit', 'Notification', 'DicomNode', 'DicomJob'],
  refetchOnReconnect: true,
  endpoints: () => ({}),
});

/** Fetches a file with the bearer token (e.g. a CSV export) and hands it to the browser as a download. */
export function downloadFile(url: string, params: QueryParams | undefined, fallbackName: string) {
  return async (dispatch: Dispatch, getState: () => unknown): Promise<void> => {
    const res = await authedFetch({ url, params }, { dispatch, getState });
    const blob = await res.blob();
    const disposition = res.headers.get('content-disposition') ?? '';
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const name = match?.[1] ? decodeURIComponent(match[1]) : fallbackName;
    const href = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = href;
    a.download = name;
    a.rel = 'noopener';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
  };
}

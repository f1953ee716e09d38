import { useEffect } from 'react';
import { refreshSession } from './api';
import { sessionEnded } from './session';
import { useAppDispatch, useAppSelector } from './store';

/** Refreshes the access token shortly before it expires, for as long as the session lasts. */
export function useSessionKeeper() {
  const dispatch = useAppDispatch();
  const expiresAt = useAppSelector((s) => s.session.expiresAt);
  useEffect(() => {
    if (!expiresAt) return;
    const remaining = expiresAt - Date.now();
    const delay = Math.max(1000, remaining > 120_000 ? remaining - 60_000 : remaining * 0.75);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      refreshSession(dispatch)
        .then((payload) => {
          if (!payload) dispatch(sessionEnded('expired'));
        })
        .catch(() => {
          // Server unreachable: keep the session and try again soon (requests retry on 401 anyway).
          retry = setTimeout(run, 15_000);
        });
    };
    const timer = setTimeout(run, delay);
    return () => {
      clearTimeout(timer);
      if (retry) clearTimeout(retry);
    };
  }, [expiresAt, dispatch]);
}

import { useEffect, useRef } from 'react';
import { useStore } from 'react-redux';
import { io, type Socket } from 'socket.io-client';
import { api, refreshSession } from './api';
import type { RootState } from './store';
import { useAppDispatch, useAppSelector } from './store';
import type { AppNotification } from './types';
import { notificationReceived } from '../features/notifications/notificationsApi';
import { toast } from '../ui';

/**
 * Socket.IO connection for live events (same origin, path /socket.io). The handshake carries the
 * current access token; after every token refresh the socket reconnects with the fresh token.
 */
export function useRealtime() {
  const dispatch = useAppDispatch();
  const store = useStore<RootState>();
  const userId = useAppSelector((s) => s.session.user?.id);
  const token = useAppSelector((s) => s.session.accessToken);
  const socketRef = useRef<Socket | null>(null);
  const tokenUsed = useRef<string | null>(null);

  useEffect(() => {
    if (!userId) return;
    let attempts = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    const socket = io({
      path: '/socket.io',
      auth: (cb) => {
        tokenUsed.current = store.getState().session.accessToken;
        cb({ token: tokenUsed.current });
      },
    });
    socketRef.current = socket;

    const reconnectLater = (refresh: boolean) => {
      if (retryTimer) return;
      const delay = Math.min(30_000, 1000 * 2 ** attempts++);
      retryTimer = setTimeout(async () => {
        retryTimer = undefined;
        if (refresh) await refreshSession(dispatch).catch(() => null);
        if (store.getState().session.accessToken) socket.connect();
      }, delay);
    };

    socket.on('connect', () => {
      attempts = 0;
    });
    socket.on('connect_error', () => {
      // A refused handshake (e.g. expired token) is not retried by the client: refresh and retry.
      if (!socket.active) reconnectLater(true);
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') reconnectLater(true);
    });
    socket.on('notification', (n: AppNotification) => {
      dispatch(notificationReceived(n));
      dispatch(api.util.invalidateTags(['Notification']));
      toast(n.title, {
        description: n.body || undefined,
        tone: n.level === 'critical' ? 'danger' : n.level === 'warning' ? 'warning' : 'info',
      });
    });

    return () => {
      if (retryTimer) clearTimeout(retryTimer);
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [userId, dispatch, store]);

  // Reconnect with the fresh token after a refresh.
  useEffect(() => {
    const socket = socketRef.current;
    if (!socket || !token || token === tokenUsed.current) return;
    if (socket.connected) socket.disconnect().connect();
  }, [token]);
}

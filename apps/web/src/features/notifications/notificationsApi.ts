import { api } from '../../app/api';
import type { AppNotification, NotificationLevel, NotificationPage, PageArgs } from '../../app/types';

export interface NotificationTarget {
  userId?: string;
  role?: string;
  departmentId?: string;
}

export interface NotificationSend {
  title: string;
  body: string;
  level: NotificationLevel;
  target: NotificationTarget;
}

export interface NotificationQuery extends PageArgs {
  unreadOnly?: boolean;
}

/** The arguments of the header bell's query (kept stable so realtime events can patch its cache). */
export const BELL_QUERY: NotificationQuery = { limit: 10, offset: 0 };

export const notificationsApi = api.injectEndpoints({
  endpoints: (b) => ({
    listNotifications: b.query<NotificationPage, NotificationQuery>({
      query: ({ unreadOnly, ...rest }) => ({ url: 'notifications', params: { ...rest, unreadOnly: unreadOnly ? true : undefined } }),
      providesTags: ['Notification'],
    }),
    markNotificationRead: b.mutation<void, string>({
      query: (id) => ({ url: `notifications/${encodeURIComponent(id)}/read`, method: 'POST' }),
      invalidatesTags: ['Notification'],
      async onQueryStarted(id, { dispatch, queryFulfilled }) {
        const patch = dispatch(
          notificationsApi.util.updateQueryData('listNotifications', BELL_QUERY, (draft) => {
            const n = draft.items.find((i) => i.id === id);
            if (n && !n.readAt) {
              n.readAt = new Date().toISOString();
              draft.unread = Math.max(0, draft.unread - 1);
            }
          }),
        );
        queryFulfilled.catch(() => patch.undo());
      },
    }),
    markAllNotificationsRead: b.mutation<void, void>({
      query: () => ({ url: 'notifications/read-all', method: 'POST' }),
      invalidatesTags: ['Notification'],
      async onQueryStarted(_arg, { dispatch, queryFulfilled }) {
        const now = new Date().toISOString();
        const patch = dispatch(
          notificationsApi.util.updateQueryData('listNotifications', BELL_QUERY, (draft) => {
            for (const n of draft.items) n.readAt ??= now;
            draft.unread = 0;
          }),
        );
        queryFulfilled.catch(() => patch.undo());
      },
    }),
    sendNotification: b.mutation<unknown, NotificationSend>({
      query: (body) => ({ url: 'notifications', method: 'POST', body }),
    }),
  }),
});

export const {
  useListNotificationsQuery, useMarkNotificationReadMutation, useMarkAllNotificationsReadMutation, useSendNotificationMutation,
} = notificationsApi;

export function notificationReceived(n: AppNotification) {
  return notificationsApi.util.updateQueryData('listNotifications', BELL_QUERY, (draft) => {
    if (draft.items.some((i) => i.id === n.id)) return;
    draft.items.unshift(n);
    if (draft.items.length > (BELL_QUERY.limit ?? 10)) draft.items.pop();
    draft.total += 1;
    if (!n.readAt) draft.unread += 1;
  });
}

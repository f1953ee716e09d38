import { api } from '../../app/api';
import type { Page, ScheduleEntry } from '../../app/types';

export interface ScheduleQuery {
  from: string;
  to: string;
  departmentId?: string;
  userId?: string;
  roomId?: string;
}

export interface ScheduleInput {
  userId: string;
  roomId: string;
  shiftTemplateId: string;
  date: string;
}

/** The list endpoint returns `{items, total}`; a bare array is accepted too. */
function toItems(res: Page<ScheduleEntry> | ScheduleEntry[]): ScheduleEntry[] {
  return Array.isArray(res) ? res : res.items;
}

export const schedulesApi = api.injectEndpoints({
  endpoints: (b) => ({
    listSchedules: b.query<ScheduleEntry[], ScheduleQuery>({
      query: (params) => ({ url: 'schedules', params: { ...params } }),
      transformResponse: toItems,
      providesTags: ['Schedule'],
    }),
    createSchedule: b.mutation<ScheduleEntry, ScheduleInput>({
      query: (body) => ({ url: 'schedules', method: 'POST', body }),
      invalidatesTags: ['Schedule'],
    }),
    deleteSchedule: b.mutation<void, string>({
      query: (id) => ({ url: `schedules/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['Schedule'],
    }),
  }),
});

export const { useListSchedulesQuery, useCreateScheduleMutation, useDeleteScheduleMutation } = schedulesApi;

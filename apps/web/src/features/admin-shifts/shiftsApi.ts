import { api } from '../../app/api';
import type { Page, ShiftTemplate } from '../../app/types';

export type ShiftInput = Omit<ShiftTemplate, 'id'>;

export const shiftsApi = api.injectEndpoints({
  endpoints: (b) => ({
    // Unpaged on the server: every template is returned.
    listShifts: b.query<Page<ShiftTemplate>, void>({
      query: () => 'shift-templates',
      providesTags: ['Shift'],
    }),
    createShift: b.mutation<ShiftTemplate, ShiftInput>({
      query: (body) => ({ url: 'shift-templates', method: 'POST', body }),
      invalidatesTags: ['Shift'],
    }),
    updateShift: b.mutation<ShiftTemplate, { id: string; body: ShiftInput }>({
      query: ({ id, body }) => ({ url: `shift-templates/${encodeURIComponent(id)}`, method: 'PATCH', body }),
      invalidatesTags: ['Shift', 'Schedule'],
    }),
    deleteShift: b.mutation<void, string>({
      query: (id) => ({ url: `shift-templates/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['Shift'],
    }),
  }),
});

export const { useListShiftsQuery, useCreateShiftMutation, useUpdateShiftMutation, useDeleteShiftMutation } = shiftsApi;

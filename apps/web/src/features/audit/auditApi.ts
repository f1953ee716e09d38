import { api } from '../../app/api';
import type { AuditEvent, Page, PageArgs } from '../../app/types';

export interface AuditFilters {
  from?: string;
  to?: string;
  userId?: string;
  username?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  patientId?: string;
  outcome?: string;
}

export const auditApi = api.injectEndpoints({
  endpoints: (b) => ({
    listAuditEvents: b.query<Page<AuditEvent>, AuditFilters & PageArgs>({
      query: (params) => ({ url: 'audit-events', params: { ...params } }),
      providesTags: ['Audit'],
      keepUnusedDataFor: 10,
    }),
  }),
});

export const { useListAuditEventsQuery } = auditApi;

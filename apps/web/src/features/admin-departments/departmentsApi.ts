import { api } from '../../app/api';
import type { Department, Page } from '../../app/types';

export type DepartmentInput = Omit<Department, 'id'>;

export const departmentsApi = api.injectEndpoints({
  endpoints: (b) => ({
    // The server returns every department (no paging parameters); pages are cut client-side.
    listDepartments: b.query<Page<Department>, void>({
      query: () => 'departments',
      providesTags: ['Department'],
    }),
    createDepartment: b.mutation<Department, DepartmentInput>({
      query: (body) => ({ url: 'departments', method: 'POST', body }),
      invalidatesTags: ['Department'],
    }),
    updateDepartment: b.mutation<Department, { id: string; body: DepartmentInput }>({
      query: ({ id, body }) => ({ url: `departments/${encodeURIComponent(id)}`, method: 'PATCH', body }),
      invalidatesTags: ['Department', 'User', 'Room'],
    }),
    deleteDepartment: b.mutation<void, string>({
      query: (id) => ({ url: `departments/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['Department'],
    }),
  }),
});

export const {
  useListDepartmentsQuery, useCreateDepartmentMutation, useUpdateDepartmentMutation, useDeleteDepartmentMutation,
} = departmentsApi;

/** Every department, for pickers. */
export function useDepartmentOptions(skip = false) {
  const { data, isLoading } = useListDepartmentsQuery(undefined, { skip });
  const options = (data?.items ?? [])
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => ({ value: d.id, label: d.code ? `${d.name} (${d.code})` : d.name }));
  return { options, departments: data?.items ?? [], isLoading };
}

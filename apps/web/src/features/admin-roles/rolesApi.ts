import { api } from '../../app/api';
import type { PermissionInfo, Role, RolePermission } from '../../app/types';

export const rolesApi = api.injectEndpoints({
  endpoints: (b) => ({
    listRoles: b.query<Role[], void>({
      query: () => 'roles',
      transformResponse: (res: Role[] | { items: Role[] }) => (Array.isArray(res) ? res : res.items),
      providesTags: ['Role'],
    }),
    listPermissions: b.query<PermissionInfo[], void>({
      query: () => 'permissions',
      transformResponse: (res: PermissionInfo[] | { items: PermissionInfo[] }) => (Array.isArray(res) ? res : res.items),
      providesTags: ['Permission'],
    }),
    setRolePermissions: b.mutation<Role, { code: string; permissions: RolePermission[] }>({
      query: ({ code, permissions }) => ({ url: `roles/${encodeURIComponent(code)}/permissions`, method: 'PUT', body: { permissions } }),
      invalidatesTags: ['Role'],
    }),
    createRole: b.mutation<Role, { code: string; name: string; description: string }>({
      query: (body) => ({ url: 'roles', method: 'POST', body }),
      invalidatesTags: ['Role'],
    }),
  }),
});

export const { useListRolesQuery, useListPermissionsQuery, useSetRolePermissionsMutation, useCreateRoleMutation } = rolesApi;

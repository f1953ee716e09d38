import { api } from '../../app/api';
import type { Page, PageArgs, User } from '../../app/types';

export interface UserFilters extends PageArgs {
  q?: string;
  role?: string;
  departmentId?: string;
  active?: boolean;
}

export interface UserCreate {
  username: string;
  displayName: string;
  email?: string;
  phone?: string;
  password: string;
  departmentId?: string;
  roles: string[];
}

export interface UserUpdate {
  displayName: string;
  email: string | null;
  phone: string | null;
  departmentId: string | null;
  roles: string[];
}

export const usersApi = api.injectEndpoints({
  endpoints: (b) => ({
    listUsers: b.query<Page<User>, UserFilters>({
      query: (params) => ({ url: 'users', params: { ...params } }),
      providesTags: (res) => [{ type: 'User', id: 'LIST' }, ...(res?.items.map((u) => ({ type: 'User' as const, id: u.id })) ?? [])],
    }),
    getUser: b.query<User, string>({
      query: (id) => `users/${encodeURIComponent(id)}`,
      providesTags: (_r, _e, id) => [{ type: 'User', id }],
    }),
    createUser: b.mutation<User, UserCreate>({
      query: (body) => ({ url: 'users', method: 'POST', body }),
      invalidatesTags: [{ type: 'User', id: 'LIST' }],
    }),
    updateUser: b.mutation<User, { id: string; body: UserUpdate }>({
      query: ({ id, body }) => ({ url: `users/${encodeURIComponent(id)}`, method: 'PATCH', body }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'User', id }, { type: 'User', id: 'LIST' }],
    }),
    setUserActive: b.mutation<User | null, { id: string; active: boolean }>({
      query: ({ id, active }) => ({ url: `users/${encodeURIComponent(id)}/${active ? 'activate' : 'deactivate'}`, method: 'POST' }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'User', id }, { type: 'User', id: 'LIST' }],
    }),
    resetPassword: b.mutation<{ temporaryPassword?: string } | null, { id: string; newPassword?: string }>({
      query: ({ id, newPassword }) => ({
        url: `users/${encodeURIComponent(id)}/reset-password`,
        method: 'POST',
        body: newPassword ? { newPassword } : {},
      }),
      invalidatesTags: (_r, _e, { id }) => [{ type: 'User', id }],
    }),
  }),
});

export const {
  useListUsersQuery, useGetUserQuery, useCreateUserMutation, useUpdateUserMutation, useSetUserActiveMutation, useResetPasswordMutation,
} = usersApi;

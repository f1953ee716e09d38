import { api } from '../../app/api';
import type { SessionPayload, User } from '../../app/types';

export interface ProfileUpdate {
  displayName: string;
  email: string | null;
  phone: string | null;
}

export const authApi = api.injectEndpoints({
  endpoints: (b) => ({
    login: b.mutation<SessionPayload, { username: string; password: string }>({
      query: (body) => ({ url: 'auth/login', method: 'POST', body }),
    }),
    logout: b.mutation<void, void>({
      query: () => ({ url: 'auth/logout', method: 'POST' }),
    }),
    logoutAll: b.mutation<void, void>({
      query: () => ({ url: 'auth/logout-all', method: 'POST' }),
    }),
    me: b.query<User, void>({
      query: () => 'auth/me',
      providesTags: ['Me'],
    }),
    updateMe: b.mutation<User, ProfileUpdate>({
      query: (body) => ({ url: 'auth/me', method: 'PATCH', body }),
      invalidatesTags: ['Me'],
    }),
    changePassword: b.mutation<Partial<SessionPayload> | null, { currentPassword: string; newPassword: string }>({
      query: (body) => ({ url: 'auth/change-password', method: 'POST', body }),
    }),
  }),
});

export const {
  useLoginMutation, useLogoutMutation, useLogoutAllMutation, useMeQuery, useUpdateMeMutation, useChangePasswordMutation,
} = authApi;

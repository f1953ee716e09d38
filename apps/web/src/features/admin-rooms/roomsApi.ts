import { api } from '../../app/api';
import type { Page, Room } from '../../app/types';

export interface RoomInput {
  name: string;
  departmentId: string;
  modalities: string[];
  active: boolean;
}

export const roomsApi = api.injectEndpoints({
  endpoints: (b) => ({
    // Unpaged on the server: every matching room is returned.
    listRooms: b.query<Page<Room>, { departmentId?: string; modality?: string }>({
      query: (params) => ({ url: 'rooms', params: { ...params } }),
      providesTags: ['Room'],
    }),
    createRoom: b.mutation<Room, RoomInput>({
      query: (body) => ({ url: 'rooms', method: 'POST', body }),
      invalidatesTags: ['Room'],
    }),
    updateRoom: b.mutation<Room, { id: string; body: RoomInput }>({
      query: ({ id, body }) => ({ url: `rooms/${encodeURIComponent(id)}`, method: 'PATCH', body }),
      invalidatesTags: ['Room', 'Schedule'],
    }),
    deleteRoom: b.mutation<void, string>({
      query: (id) => ({ url: `rooms/${encodeURIComponent(id)}`, method: 'DELETE' }),
      invalidatesTags: ['Room', 'Schedule'],
    }),
  }),
});

export const { useListRoomsQuery, useCreateRoomMutation, useUpdateRoomMutation, useDeleteRoomMutation } = roomsApi;

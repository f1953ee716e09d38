import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { SessionPayload, User } from './types';

/**
 * The signed-in session. The access token lives only here (memory); the refresh token is an
 * httpOnly cookie the browser sends to /api/v1/auth/refresh.
 */
export interface SessionState {
  status: 'restoring' | 'authenticated' | 'anonymous';
  accessToken: string | null;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number | null;
  user: User | null;
  /** Why the last session ended, shown on the login page. */
  endReason: 'expired' | 'logged-out' | 'password-changed' | null;
}

const initialState: SessionState = {
  status: 'restoring',
  accessToken: null,
  expiresAt: null,
  user: null,
  endReason: null,
};

const sessionSlice = createSlice({
  name: 'session',
  initialState,
  reducers: {
    sessionStarted(state, action: PayloadAction<SessionPayload>) {
      state.status = 'authenticated';
      state.accessToken = action.payload.accessToken;
      state.expiresAt = Date.now() + action.payload.expiresIn * 1000;
      state.user = action.payload.user;
      state.endReason = null;
    },
    userUpdated(state, action: PayloadAction<User>) {
      state.user = action.payload;
    },
    sessionEnded(state, action: PayloadAction<SessionState['endReason'] | undefined>) {
      state.status = 'anonymous';
      state.accessToken = null;
      state.expiresAt = null;
      state.user = null;
      state.endReason = action.payload ?? null;
    },
  },
});

export const { sessionStarted, userUpdated, sessionEnded } = sessionSlice.actions;
export const sessionReducer = sessionSlice.reducer;

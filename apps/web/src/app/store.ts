import { configureStore } from '@reduxjs/toolkit';
import { useDispatch, useSelector } from 'react-redux';
import { api } from './api';
import { sessionEnded, sessionReducer } from './session';
import { clearToasts } from '../ui/Toast';

export const store = configureStore({
  reducer: {
    session: sessionReducer,
    [api.reducerPath]: api.reducer,
  },
  middleware: (getDefault) => getDefault().concat(api.middleware),
});

// Data cached for one user, and messages on screen for them, must never be shown to the next one.
let lastUserId: string | null = null;
store.subscribe(() => {
  const { session } = store.getState();
  const userId = session.user?.id ?? null;
  if (userId !== lastUserId) {
    const hadUser = lastUserId !== null;
    lastUserId = userId;
    if (hadUser) {
      store.dispatch(api.util.resetApiState());
      clearToasts();
    }
  }
});

export type RootState = ReturnType<typeof store.getState>;
export type AppDispatch = typeof store.dispatch;

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();

export const selectSession = (s: RootState) => s.session;
export const selectUser = (s: RootState) => s.session.user;
export const selectToken = (s: RootState) => s.session.accessToken;

export { sessionEnded };

import { StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { RouterProvider } from 'react-router/dom';
import './index.css';
import { restoreSession } from './app/api';
import { Splash } from './app/guards';
import { router } from './app/router';
import { store } from './app/store';

// Restore the session from the httpOnly refresh cookie exactly once, before the first render.
void restoreSession(store.dispatch);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider store={store}>
      <Suspense fallback={<Splash />}>
        <RouterProvider router={router} />
      </Suspense>
    </Provider>
  </StrictMode>,
);

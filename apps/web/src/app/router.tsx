import { lazy, type ReactNode } from 'react';
import { createBrowserRouter, Outlet } from 'react-router';
import { RequireAuth, RequirePermission } from './guards';
import { P } from './permissions';
import { Shell } from './Shell';
import { ComingSoonPage } from '../features/placeholders/ComingSoonPage';
import { ForbiddenPage, NotFoundPage } from '../features/errors/ErrorPages';
import { Toaster } from '../ui';
import { store } from './store';
import { startViewerPrefetch } from '../viewer/viewerData';
import { loadViewerModule } from '../viewer/preloadViewer';

const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const ForcedPasswordChangePage = lazy(() => import('../features/auth/ForcedPasswordChangePage'));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage'));
const UsersPage = lazy(() => import('../features/admin-users/UsersPage'));
const DepartmentsPage = lazy(() => import('../features/admin-departments/DepartmentsPage'));
const RoomsPage = lazy(() => import('../features/admin-rooms/RoomsPage'));
const ShiftsPage = lazy(() => import('../features/admin-shifts/ShiftsPage'));
const SchedulesPage = lazy(() => import('../features/admin-schedules/SchedulesPage'));
const RolesPage = lazy(() => import('../features/admin-roles/RolesPage'));
const AuditPage = lazy(() => import('../features/audit/AuditPage'));
const DicomNodesPage = lazy(() => import('../features/admin-dicom-nodes/DicomNodesPage'));
const ProfilePage = lazy(() => import('../features/profile/ProfilePage'));
const NotificationsPage = lazy(() => import('../features/notifications/NotificationsPage'));
const StudiesPage = lazy(() => import('../features/studies/StudiesPage'));
const StudyPage = lazy(() => import('../features/study/StudyPage'));
const UploadPage = lazy(() => import('../features/upload/UploadPage'));
// The diagnostic viewer (Cornerstone3D) is its own chunk: the rest of the app never downloads it.
// Opening it starts the study's first requests at once (the route's loader), in parallel with the chunk
// (viewer/viewerData.ts); the study list and study page load the chunk ahead in idle time
// (viewer/preloadViewer.ts), with the same promise.
const ViewerPage = lazy(loadViewerModule);

function guard(anyOf: string[], page: ReactNode) {
  return <RequirePermission anyOf={anyOf}>{page}</RequirePermission>;
}

function Root() {
  return (
    <>
      <Outlet />
      <Toaster />
    </>
  );
}

export const router = createBrowserRouter([
  {
    element: <Root />,
    children: [
      { path: '/login', element: <LoginPage /> },
      {
        element: <RequireAuth allowPasswordChange />,
        children: [{ path: '/change-password', element: <ForcedPasswordChangePage /> }],
      },
      {
        element: <RequireAuth />,
        children: [
          // Full-screen diagnostic viewer, outside the application shell.
          {
            path: '/viewer',
            element: guard([P.studyRead], <ViewerPage />),
            // Runs at every navigation to the viewer, before it renders: its first requests start at once.
            loader: ({ request }) => {
              startViewerPrefetch(new URL(request.url).search, store);
              return null;
            },
          },
          {
            element: <Shell />,
            children: [
              { index: true, element: <DashboardPage /> },
              { path: 'admin/users', element: guard([P.userRead], <UsersPage />) },
              { path: 'admin/departments', element: guard([P.departmentRead], <DepartmentsPage />) },
              { path: 'admin/rooms', element: guard([P.roomRead], <RoomsPage />) },
              { path: 'admin/shifts', element: guard([P.shiftRead], <ShiftsPage />) },
              { path: 'admin/schedules', element: guard([P.scheduleRead], <SchedulesPage />) },
              { path: 'admin/roles', element: guard([P.roleManage], <RolesPage />) },
              { path: 'admin/dicom-nodes', element: guard([P.dicomNodeManage], <DicomNodesPage />) },
              { path: 'audit', element: guard([P.auditRead], <AuditPage />) },
              { path: 'patients', element: guard([P.patientRead], <ComingSoonPage area="patients" />) },
              { path: 'orders', element: guard([P.orderRead], <ComingSoonPage area="orders" />) },
              { path: 'studies', element: guard([P.studyRead], <StudiesPage />) },
              { path: 'studies/:studyUid', element: guard([P.studyRead], <StudyPage />) },
              { path: 'upload', element: guard([P.studyUpload], <UploadPage />) },
              { path: 'worklist', element: guard([P.worklistRead], <ComingSoonPage area="worklist" />) },
              { path: 'reports', element: guard([P.reportRead], <ComingSoonPage area="reports" />) },
              { path: 'profile', element: <ProfilePage /> },
              { path: 'notifications', element: <NotificationsPage /> },
              { path: 'forbidden', element: <ForbiddenPage /> },
              { path: '*', element: <NotFoundPage /> },
            ],
          },
        ],
      },
    ],
  },
]);

import type { LucideIcon } from 'lucide-react';
import {
  Building2, CalendarDays, ClipboardList, DoorOpen, FileText, FolderSearch, History, ListChecks,
  Network, ShieldCheck, Timer, Upload, UserCircle, Users, Contact,
} from 'lucide-react';
import { useMemo } from 'react';
import { useAppSelector } from './store';

/**
 * Permission codes the UI reacts to. Navigation and actions are derived from `user.permissions`
 * only (never from role names), so custom roles work without UI changes.
 */
export const P = {
  userRead: 'user.read',
  userManage: 'user.manage',
  departmentRead: 'department.read',
  departmentManage: 'department.manage',
  roomRead: 'room.read',
  roomManage: 'room.manage',
  shiftRead: 'shift.read',
  shiftManage: 'shift.manage',
  scheduleRead: 'schedule.read',
  scheduleManage: 'schedule.manage',
  roleManage: 'role.manage',
  auditRead: 'audit.read',
  notificationSend: 'notification.send',
  patientRead: 'patient.read',
  orderRead: 'order.read',
  studyRead: 'study.read',
  studyUpload: 'study.upload',
  studyDelete: 'study.delete',
  worklistRead: 'worklist.read',
  reportRead: 'report.read',
  dicomNodeManage: 'dicom-node.manage',
  studyExport: 'study.export',
} as const;

/** Permissions that imply another one (holding `x.manage` implies `x.read`). */
const IMPLIED: Record<string, string[]> = {
  [P.userManage]: [P.userRead],
  [P.departmentManage]: [P.departmentRead],
  [P.roomManage]: [P.roomRead],
  [P.shiftManage]: [P.shiftRead],
  [P.scheduleManage]: [P.scheduleRead],
};

/** Normalised permission set: accepts `code` or `code:scope` strings and the `*` wildcard. */
export function permissionSet(perms: readonly string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const raw of perms ?? []) {
    const code = raw.split(':')[0]!.trim();
    out.add(code);
    for (const implied of IMPLIED[code] ?? []) out.add(implied);
  }
  return out;
}

export function hasPermission(set: Set<string>, code: string): boolean {
  return set.has('*') || set.has(code);
}

export function hasAny(set: Set<string>, codes: readonly string[]): boolean {
  return codes.some((c) => hasPermission(set, c));
}

export type NavKey =
  | 'users' | 'departments' | 'rooms' | 'shifts' | 'schedules' | 'roles' | 'audit'
  | 'patients' | 'orders' | 'studies' | 'upload' | 'worklist' | 'reports' | 'dicom-nodes' | 'profile';

export interface NavItem {
  key: NavKey;
  label: string;
  path: string;
  /** Shown when the user holds any of these. Empty = every signed-in user. */
  anyOf: string[];
  icon: LucideIcon;
  group: 'clinical' | 'admin' | 'account';
  description: string;
  /** Area not built yet: its page says it is coming in a later release. */
  upcoming?: boolean;
}

export const NAV_ITEMS: NavItem[] = [
  { key: 'worklist', label: 'Worklist', path: '/worklist', anyOf: [P.worklistRead], icon: ListChecks, group: 'clinical', description: 'Reading worklist for radiologists', upcoming: true },
  { key: 'patients', label: 'Patients', path: '/patients', anyOf: [P.patientRead], icon: Contact, group: 'clinical', description: 'Patient registry and demographics', upcoming: true },
  { key: 'orders', label: 'Orders', path: '/orders', anyOf: [P.orderRead], icon: ClipboardList, group: 'clinical', description: 'Imaging orders and scheduling', upcoming: true },
  { key: 'studies', label: 'Studies', path: '/studies', anyOf: [P.studyRead], icon: FolderSearch, group: 'clinical', description: 'Archived imaging studies' },
  { key: 'upload', label: 'Upload', path: '/upload', anyOf: [P.studyUpload], icon: Upload, group: 'clinical', description: 'Import DICOM files into the archive' },
  { key: 'reports', label: 'Reports', path: '/reports', anyOf: [P.reportRead], icon: FileText, group: 'clinical', description: 'Diagnostic reports', upcoming: true },
  { key: 'users', label: 'Users', path: '/admin/users', anyOf: [P.userRead], icon: Users, group: 'admin', description: 'Accounts, roles and access' },
  { key: 'departments', label: 'Departments', path: '/admin/departments', anyOf: [P.departmentRead], icon: Building2, group: 'admin', description: 'Organisational units' },
  { key: 'rooms', label: 'Rooms', path: '/admin/rooms', anyOf: [P.roomRead], icon: DoorOpen, group: 'admin', description: 'Modality rooms and their equipment' },
  { key: 'shifts', label: 'Shift templates', path: '/admin/shifts', anyOf: [P.shiftRead], icon: Timer, group: 'admin', description: 'Reusable shift definitions' },
  { key: 'schedules', label: 'Schedules', path: '/admin/schedules', anyOf: [P.scheduleRead], icon: CalendarDays, group: 'admin', description: 'Weekly staff rota by room' },
  { key: 'roles', label: 'Roles & permissions', path: '/admin/roles', anyOf: [P.roleManage], icon: ShieldCheck, group: 'admin', description: 'What each role may do' },
  { key: 'dicom-nodes', label: 'DICOM nodes', path: '/admin/dicom-nodes', anyOf: [P.dicomNodeManage], icon: Network, group: 'admin', description: 'Remote modalities and archives' },
  { key: 'audit', label: 'Audit log', path: '/audit', anyOf: [P.auditRead], icon: History, group: 'admin', description: 'Who did what, and when' },
  { key: 'profile', label: 'My profile', path: '/profile', anyOf: [], icon: UserCircle, group: 'account', description: 'Your details, password and sessions' },
];

export function navItemsFor(perms: Set<string>): NavItem[] {
  return NAV_ITEMS.filter((item) => item.anyOf.length === 0 || hasAny(perms, item.anyOf));
}

export function navItem(key: NavKey): NavItem {
  return NAV_ITEMS.find((i) => i.key === key)!;
}

/** The current user's normalised permissions plus a `can()` helper. */
export function usePermissions() {
  const perms = useAppSelector((s) => s.session.user?.permissions);
  return useMemo(() => {
    const set = permissionSet(perms);
    return {
      set,
      can: (code: string) => hasPermission(set, code),
      canAny: (codes: readonly string[]) => hasAny(set, codes),
    };
  }, [perms]);
}

/** Fallback names of the built-in roles, the same as the server's (GET /api/v1/roles is the source when readable). */
export const ROLE_LABELS: Record<string, string> = {
  admin: 'Administrator',
  radiologist: 'Radiologist',
  technician: 'Imaging technician',
  receptionist: 'Reception staff',
  department_head: 'Department head',
  referring_physician: 'Referring physician',
};

export function roleLabel(code: string): string {
  return ROLE_LABELS[code] ?? code.replace(/[_-]+/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
}

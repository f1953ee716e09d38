/** Shapes of the Axial REST API (server contract v1). */

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  active: boolean;
  departmentId: string | null;
  departmentName: string | null;
  roles: string[];
  permissions: string[];
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export interface SessionPayload {
  accessToken: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
  user: User;
}

export interface FieldIssue {
  path: string;
  message: string;
}

/** Every error the API returns has this shape; `statusCode` 0 stands for a network failure. */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  details?: FieldIssue[];
  /** Seconds from a Retry-After header (429). */
  retryAfter?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageArgs {
  limit?: number;
  offset?: number;
}

export interface Department {
  id: string;
  name: string;
  code: string;
  description: string;
}

export const MODALITIES = ['CT', 'MR', 'US', 'CR', 'DX', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT'] as const;

export interface Room {
  id: string;
  name: string;
  departmentId: string;
  departmentName: string | null;
  modalities: string[];
  active: boolean;
}

export interface ShiftTemplate {
  id: string;
  name: string;
  startTime: string;
  endTime: string;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
}

export interface ScheduleEntry {
  id: string;
  userId: string;
  userDisplayName: string;
  roomId: string;
  roomName: string;
  shiftTemplateId: string;
  shiftName: string;
  startTime: string;
  endTime: string;
  date: string;
  departmentId: string | null;
}

export type PermissionScope = 'all' | 'department';

export interface RolePermission {
  permission: string;
  scope: PermissionScope;
}

export interface Role {
  code: string;
  name: string;
  description: string;
  builtin: boolean;
  permissions: RolePermission[];
}

export interface PermissionInfo {
  code: string;
  description: string;
  group: string;
}

export interface AuditEvent {
  id: number | string;
  at: string;
  userId: string | null;
  username: string | null;
  role: string | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  outcome: string;
  clientIp: string | null;
  userAgent: string | null;
  details: unknown;
}

export type NotificationLevel = 'info' | 'warning' | 'critical';

export interface AppNotification {
  id: string;
  title: string;
  body: string;
  level: NotificationLevel;
  link: string | null;
  readAt: string | null;
  createdAt: string;
}

export interface NotificationPage extends Page<AppNotification> {
  unread: number;
}

import type { UserRecord } from './users.repository';

/** The user object of the API (see README / OpenAPI `UserView`). */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  active: boolean;
  departmentId: string | null;
  departmentName: string | null;
  roles: string[];
  permissions?: string[];
  mustChangePassword: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export function mapUser(u: UserRecord, permissions?: Iterable<string>): UserView {
  const view: UserView = {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    email: u.email,
    phone: u.phone,
    active: u.active,
    departmentId: u.departmentId,
    departmentName: u.departmentName,
    roles: u.roles,
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  };
  if (permissions) view.permissions = [...permissions].sort();
  return view;
}

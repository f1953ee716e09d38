import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions';

/**
 * Every route declares who may call it, with exactly one of these. The global AuthGuard refuses a route
 * that declares nothing (fail closed), and the route × role matrix test fails on it.
 */
export const ACCESS_KEY = 'axial:access';
export type RouteAccess = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'permission'; permission: Permission };

/** No token needed (login, health). */
export const Public = () => SetMetadata(ACCESS_KEY, { kind: 'public' } satisfies RouteAccess);
/** Any signed-in user (own profile, own notifications). */
export const Authenticated = () => SetMetadata(ACCESS_KEY, { kind: 'authenticated' } satisfies RouteAccess);
/** A signed-in user holding this permission (at any scope; services then check the scope per resource). */
export const RequirePermission = (permission: Permission) =>
  SetMetadata(ACCESS_KEY, { kind: 'permission', permission } satisfies RouteAccess);

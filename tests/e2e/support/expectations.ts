/**
 * What a user should see, derived from the sources of truth instead of hard-coded lists:
 * - the server's built-in role defaults (apps/server/src/identity/access/permissions.ts), and
 * - the web app's permission -> navigation mapping data (NAV_ITEMS in apps/web/src/app/permissions.ts).
 *
 * Only the mapping *data* is taken from the web app; the visibility rule is evaluated here
 * (an item shows when it needs nothing, or the user holds one of its permissions), so a bug in the
 * app's own filtering code is caught instead of mirrored. The spec file mocks the web store module
 * that permissions.ts imports (it is not needed for the data).
 */
import { BUILTIN_ROLES, withImplied } from '../../../apps/server/src/identity/access/permissions';
import { NAV_ITEMS } from '../../../apps/web/src/app/permissions';

export const ALL_NAV_KEYS: string[] = NAV_ITEMS.map((i) => i.key);

export function builtinRole(code: string) {
  const role = BUILTIN_ROLES.find((r) => r.code === code);
  if (!role) throw new Error(`No built-in role "${code}" in the server's role defaults`);
  return role;
}

/** Permission codes (scope dropped) a user with these built-in roles holds by default. */
export function defaultPermissions(roleCodes: readonly string[]): string[] {
  const held = new Map<string, 'all' | 'department'>();
  for (const code of roleCodes) for (const [perm, scope] of builtinRole(code).permissions) if (held.get(perm) !== 'all') held.set(perm, scope);
  // With the permissions they imply (study.upload → study.annotate), as the server grants them.
  return [...withImplied(held).keys()].sort();
}

/** Navigation keys, in sidebar order, that these permissions should show. */
export function expectedNav(permissions: readonly string[]): string[] {
  const held = new Set(permissions.map((p) => p.split(':')[0]));
  return NAV_ITEMS.filter((i) => i.anyOf.length === 0 || i.anyOf.some((p) => held.has(p))).map((i) => i.key);
}

/** Navigation keys these permissions should NOT show. */
export function expectedHiddenNav(permissions: readonly string[]): string[] {
  const shown = new Set(expectedNav(permissions));
  return ALL_NAV_KEYS.filter((k) => !shown.has(k));
}

/** The permission a nav item needs (for readable assertion messages). */
export function navRequirement(key: string): string {
  const item = NAV_ITEMS.find((i) => i.key === key);
  return item ? (item.anyOf.join(' | ') || '(none)') : '(unknown item)';
}

import { roleLabel } from '../../app/permissions';
import { useListRolesQuery } from './rolesApi';

const BUILTIN = ['admin', 'radiologist', 'technician', 'receptionist', 'department_head', 'referring_physician'];

/** Role choices for pickers: the server's roles, or the built-in set if they cannot be read. */
export function useRoleOptions(skip = false) {
  const { data, isError } = useListRolesQuery(undefined, { skip });
  if (data) return data.map((r) => ({ value: r.code, label: r.name || roleLabel(r.code) }));
  if (isError || skip) return BUILTIN.map((c) => ({ value: c, label: roleLabel(c) }));
  return BUILTIN.map((c) => ({ value: c, label: roleLabel(c) }));
}

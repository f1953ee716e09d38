import { useEffect, useMemo, useState } from 'react';
import { Plus, RotateCcw, Save } from 'lucide-react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { errorMessage } from '../../app/api';
import { applyServerErrors } from '../../app/forms';
import type { PermissionInfo, PermissionScope, Role, RolePermission } from '../../app/types';
import { Alert, Badge, Button, Card, Dialog, FormField, Input, PageHeader, Spinner, Textarea, toast, cn } from '../../ui';
import { useCreateRoleMutation, useListPermissionsQuery, useListRolesQuery, useSetRolePermissionsMutation } from './rolesApi';

type Draft = Record<string, Record<string, PermissionScope>>;

function toDraft(roles: Role[]): Draft {
  const out: Draft = {};
  for (const r of roles) {
    out[r.code] = {};
    for (const p of r.permissions) out[r.code]![p.permission] = p.scope === 'department' ? 'department' : 'all';
  }
  return out;
}

function signature(perms: Record<string, PermissionScope> | undefined): string {
  return Object.entries(perms ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .sort()
    .join(',');
}

export default function RolesPage() {
  const roles = useListRolesQuery();
  const permissions = useListPermissionsQuery();
  const [saveRole] = useSetRolePermissionsMutation();
  const [draft, setDraft] = useState<Draft>({});
  const [saving, setSaving] = useState(false);
  const [creating, setCreating] = useState(false);

  const original = useMemo(() => toDraft(roles.data ?? []), [roles.data]);
  // Adopt server data whenever it changes (after load, save or role creation), keeping unsaved edits of other roles.
  useEffect(() => {
    setDraft((prev) => {
      const next: Draft = { ...original };
      for (const [code, perms] of Object.entries(prev)) {
        if (code in original && signature(perms) !== signature(original[code])) next[code] = perms;
      }
      return next;
    });
  }, [original]);

  const dirtyRoles = (roles.data ?? []).filter((r) => signature(draft[r.code]) !== signature(original[r.code]));

  const groups = useMemo(() => {
    const map = new Map<string, PermissionInfo[]>();
    for (const p of permissions.data ?? []) {
      const g = p.group || 'Other';
      map.set(g, [...(map.get(g) ?? []), p]);
    }
    return [...map.entries()];
  }, [permissions.data]);

  const toggle = (role: string, perm: string, checked: boolean) =>
    setDraft((d) => {
      const perms = { ...(d[role] ?? {}) };
      if (checked) perms[perm] = 'all';
      else delete perms[perm];
      return { ...d, [role]: perms };
    });
  const setScope = (role: string, perm: string, scope: PermissionScope) =>
    setDraft((d) => ({ ...d, [role]: { ...(d[role] ?? {}), [perm]: scope } }));

  const save = async () => {
    setSaving(true);
    const failed: string[] = [];
    for (const role of dirtyRoles) {
      const body: RolePermission[] = Object.entries(draft[role.code] ?? {}).map(([permission, scope]) => ({ permission, scope }));
      try {
        await saveRole({ code: role.code, permissions: body }).unwrap();
      } catch (err) {
        failed.push(`${role.name}: ${errorMessage(err)}`);
      }
    }
    setSaving(false);
    if (failed.length) toast.error('Some roles were not saved', failed.join(' '));
    else toast.success('Permissions saved', 'Users get the new permissions when their session next refreshes.');
  };

  const loading = roles.isLoading || permissions.isLoading;
  const error = roles.error ?? permissions.error;
  const roleList = roles.data ?? [];

  return (
    <>
      <PageHeader
        title="Roles & permissions"
        description="Tick what each role may do. “Own department” limits a permission to resources of the holder’s department."
        actions={
          <>
            <Button icon={<Plus aria-hidden className="size-4" />} onClick={() => setCreating(true)}>New role</Button>
            <Button icon={<RotateCcw aria-hidden className="size-4" />} disabled={!dirtyRoles.length || saving} onClick={() => setDraft(original)}>Discard</Button>
            <Button variant="primary" icon={<Save aria-hidden className="size-4" />} loading={saving} disabled={!dirtyRoles.length} onClick={() => void save()}>
              {dirtyRoles.length ? `Save changes (${dirtyRoles.length} ${dirtyRoles.length === 1 ? 'role' : 'roles'})` : 'Save changes'}
            </Button>
          </>
        }
      />
      {error && <Alert title="Could not load roles" className="mb-4">{errorMessage(error)}</Alert>}
      {loading ? (
        <Spinner />
      ) : (
        <Card className="overflow-hidden">
          <div className="max-h-[calc(100vh-14rem)] overflow-auto">
            <table aria-label="Permission matrix" className="w-full border-separate border-spacing-0 text-sm">
              <thead className="sticky top-0 z-10">
                <tr>
                  <th scope="col" className="sticky left-0 z-20 min-w-72 border-b border-border bg-surface-muted px-4 py-2.5 text-left text-xs font-semibold text-ink-muted uppercase">
                    Permission
                  </th>
                  {roleList.map((r) => (
                    <th key={r.code} scope="col" className={cn('min-w-36 border-b border-l border-border bg-surface-muted px-3 py-2.5 text-left align-bottom', dirtyRoles.includes(r) && 'bg-warning-50')}>
                      <span className="block text-sm font-semibold text-ink" title={r.description}>{r.name}</span>
                      <span className="flex items-center gap-1 text-xs font-normal text-ink-subtle">
                        <code>{r.code}</code>
                        {r.builtin ? <Badge>Built-in</Badge> : <Badge tone="brand">Custom</Badge>}
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {groups.map(([group, perms]) => (
                  <GroupRows key={group} group={group} perms={perms} roles={roleList} draft={draft} original={original} onToggle={toggle} onScope={setScope} />
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
      {creating && <CreateRoleDialog onClose={() => setCreating(false)} />}
    </>
  );
}

function GroupRows({
  group, perms, roles, draft, original, onToggle, onScope,
}: {
  group: string;
  perms: PermissionInfo[];
  roles: Role[];
  draft: Draft;
  original: Draft;
  onToggle: (role: string, perm: string, checked: boolean) => void;
  onScope: (role: string, perm: string, scope: PermissionScope) => void;
}) {
  return (
    <>
      <tr>
        <th scope="colgroup" colSpan={roles.length + 1} className="sticky left-0 border-b border-border bg-sunken px-4 py-1.5 text-left text-xs font-semibold tracking-wider text-ink-muted uppercase">
          {group}
        </th>
      </tr>
      {perms.map((p) => (
        <tr key={p.code} className="hover:bg-surface-muted/70">
          <th scope="row" className="sticky left-0 border-b border-border bg-surface px-4 py-2 text-left font-normal">
            <code className="text-xs font-semibold text-ink">{p.code}</code>
            {p.description && <span className="block text-xs text-ink-muted">{p.description}</span>}
          </th>
          {roles.map((r) => {
            const scope = draft[r.code]?.[p.code];
            const checked = scope !== undefined;
            const changed = original[r.code]?.[p.code] !== scope;
            return (
              <td key={r.code} className={cn('border-b border-l border-border px-3 py-1.5', changed && 'bg-warning-50')}>
                <div className="flex items-center gap-2">
                  <input
                    type="checkbox"
                    className="size-4 accent-brand-600"
                    aria-label={`${r.name}: ${p.code}`}
                    data-role={r.code}
                    data-permission={p.code}
                    checked={checked}
                    onChange={(e) => onToggle(r.code, p.code, e.target.checked)}
                  />
                  {checked && (
                    <select
                      aria-label={`Scope of ${p.code} for ${r.name}`}
                      value={scope}
                      onChange={(e) => onScope(r.code, p.code, e.target.value as PermissionScope)}
                      className="h-7 rounded border border-border bg-surface px-1 text-xs text-ink"
                    >
                      <option value="all">All</option>
                      <option value="department">Own department</option>
                    </select>
                  )}
                </div>
              </td>
            );
          })}
        </tr>
      ))}
    </>
  );
}

const roleSchema = z.object({
  code: z.string().trim().min(2, 'At least 2 characters').max(40).regex(/^[a-z][a-z0-9_]*$/, 'Lowercase letters, digits and _ (start with a letter)'),
  name: z.string().trim().min(1, 'Name is required').max(100),
  description: z.string().trim().max(500),
});
type RoleValues = z.infer<typeof roleSchema>;

function CreateRoleDialog({ onClose }: { onClose: () => void }) {
  const [create, { isLoading }] = useCreateRoleMutation();
  const [formError, setFormError] = useState<string | null>(null);
  const { register, handleSubmit, setError, formState: { errors } } = useForm<RoleValues>({
    resolver: zodResolver(roleSchema),
    defaultValues: { code: '', name: '', description: '' },
  });
  const onSubmit = handleSubmit(async (v) => {
    setFormError(null);
    try {
      await create(v).unwrap();
      toast.success('Role created', `${v.name} has no permissions yet: tick them in the matrix.`);
      onClose();
    } catch (err) {
      setFormError(applyServerErrors(err, setError, ['code', 'name', 'description']));
    }
  });
  return (
    <Dialog
      open
      onOpenChange={(o) => !o && onClose()}
      title="New role"
      description="Create a custom role, then grant its permissions in the matrix."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form="role-form" loading={isLoading}>Create role</Button>
        </>
      }
    >
      <form id="role-form" onSubmit={onSubmit} noValidate className="flex flex-col gap-4">
        {formError && <Alert>{formError}</Alert>}
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField label="Code" error={errors.code?.message} required hint="e.g. night_radiologist">
            <Input {...register('code')} autoFocus spellCheck={false} autoCapitalize="none" />
          </FormField>
          <FormField label="Name" error={errors.name?.message} required>
            <Input {...register('name')} />
          </FormField>
        </div>
        <FormField label="Description" error={errors.description?.message}>
          <Textarea {...register('description')} rows={2} />
        </FormField>
      </form>
    </Dialog>
  );
}

import { useState } from 'react';
import { KeyRound, Pencil, Plus, Search, UserCheck, UserX } from 'lucide-react';
import { errorMessage } from '../../app/api';
import { formatRelative, formatDateTime } from '../../app/format';
import { PAGE_SIZE, useDebounced } from '../../app/hooks';
import { P, roleLabel, usePermissions } from '../../app/permissions';
import { useAppSelector } from '../../app/store';
import type { User } from '../../app/types';
import {
  Badge, Button, Card, ConfirmDialog, DataTable, EmptyState, FormField, Input, PageHeader, Select, toast, Toolbar, type Column,
} from '../../ui';
import { useDepartmentOptions } from '../admin-departments/departmentsApi';
import { useRoleOptions } from '../admin-roles/useRoleOptions';
import { ResetPasswordDialog } from './ResetPasswordDialog';
import { UserFormDialog } from './UserFormDialog';
import { useListUsersQuery, useSetUserActiveMutation } from './usersApi';

export default function UsersPage() {
  const { can } = usePermissions();
  const canManage = can(P.userManage);
  const me = useAppSelector((s) => s.session.user);
  const [q, setQ] = useState('');
  const [role, setRole] = useState('');
  const [departmentId, setDepartmentId] = useState('');
  const [active, setActive] = useState('');
  const [offset, setOffset] = useState(0);
  const search = useDebounced(q.trim());
  const departments = useDepartmentOptions(!can(P.departmentRead) && !canManage);
  const roleOptions = useRoleOptions();

  const { data, isLoading, isFetching, error } = useListUsersQuery({
    q: search || undefined,
    role: role || undefined,
    departmentId: departmentId || undefined,
    active: active === '' ? undefined : active === 'true',
    limit: PAGE_SIZE,
    offset,
  });

  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'edit'; user: User } | { kind: 'reset'; user: User } | { kind: 'deactivate'; user: User } | null>(null);
  const [setUserActive, activeState] = useSetUserActiveMutation();

  const toggleActive = async (user: User, value: boolean) => {
    try {
      await setUserActive({ id: user.id, active: value }).unwrap();
      toast.success(value ? 'User activated' : 'User deactivated', user.displayName);
      setDialog(null);
    } catch (err) {
      toast.error(value ? 'Could not activate user' : 'Could not deactivate user', errorMessage(err));
    }
  };

  const filtersChanged = <T,>(setter: (v: T) => void) => (v: T) => {
    setter(v);
    setOffset(0);
  };

  const columns: Column<User>[] = [
    {
      key: 'name',
      header: 'Name',
      cell: (u) => (
        <div>
          <div className="font-medium text-ink">{u.displayName}</div>
          <div className="text-xs text-ink-muted">{u.username}{u.email ? ` · ${u.email}` : ''}</div>
        </div>
      ),
    },
    { key: 'department', header: 'Department', cell: (u) => u.departmentName ?? <span className="text-ink-subtle">—</span> },
    {
      key: 'roles',
      header: 'Roles',
      cell: (u) => (
        <div className="flex flex-wrap gap-1">
          {u.roles.map((r) => <Badge key={r} tone="brand">{roleOptions.find((o) => o.value === r)?.label ?? roleLabel(r)}</Badge>)}
        </div>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      cell: (u) => (
        <div className="flex flex-wrap gap-1">
          {u.active ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Inactive</Badge>}
          {u.mustChangePassword && <Badge tone="warning">Password change due</Badge>}
        </div>
      ),
    },
    {
      key: 'lastLogin',
      header: 'Last sign-in',
      cell: (u) => (u.lastLoginAt ? <time dateTime={u.lastLoginAt} title={formatDateTime(u.lastLoginAt)}>{formatRelative(u.lastLoginAt)}</time> : <span className="text-ink-subtle">Never</span>),
    },
  ];
  if (canManage) {
    columns.push({
      key: 'actions',
      header: 'Actions',
      srOnlyHeader: true,
      className: 'text-right',
      cell: (u) => (
        <div className="flex justify-end gap-1">
          <Button size="sm" variant="ghost" icon={<Pencil aria-hidden className="size-3.5" />} aria-label={`Edit ${u.username}`} onClick={() => setDialog({ kind: 'edit', user: u })}>
            Edit
          </Button>
          <Button size="sm" variant="ghost" icon={<KeyRound aria-hidden className="size-3.5" />} aria-label={`Reset password for ${u.username}`} onClick={() => setDialog({ kind: 'reset', user: u })}>
            Reset password
          </Button>
          {u.active ? (
            <Button
              size="sm"
              variant="ghost"
              disabled={u.id === me?.id}
              title={u.id === me?.id ? 'You cannot deactivate your own account' : undefined}
              icon={<UserX aria-hidden className="size-3.5" />}
              aria-label={`Deactivate ${u.username}`}
              onClick={() => setDialog({ kind: 'deactivate', user: u })}
            >
              Deactivate
            </Button>
          ) : (
            <Button size="sm" variant="ghost" icon={<UserCheck aria-hidden className="size-3.5" />} aria-label={`Activate ${u.username}`} onClick={() => void toggleActive(u, true)}>
              Activate
            </Button>
          )}
        </div>
      ),
    });
  }

  return (
    <>
      <PageHeader
        title="Users"
        description="Staff accounts, their roles and departments."
        actions={canManage && <Button variant="primary" icon={<Plus aria-hidden className="size-4" />} onClick={() => setDialog({ kind: 'create' })}>New user</Button>}
      />
      <Card>
        <Toolbar>
          <FormField label="Search" className="w-64">
            <Input type="search" value={q} placeholder="Name, username or email" onChange={(e) => filtersChanged(setQ)(e.target.value)} />
          </FormField>
          <FormField label="Role" className="w-48">
            <Select value={role} onChange={(e) => filtersChanged(setRole)(e.target.value)} options={roleOptions} placeholder="All roles" />
          </FormField>
          <FormField label="Department" className="w-56">
            <Select value={departmentId} onChange={(e) => filtersChanged(setDepartmentId)(e.target.value)} options={departments.options} placeholder="All departments" />
          </FormField>
          <FormField label="Status" className="w-36">
            <Select
              value={active}
              onChange={(e) => filtersChanged(setActive)(e.target.value)}
              options={[{ value: 'true', label: 'Active' }, { value: 'false', label: 'Inactive' }]}
              placeholder="All"
            />
          </FormField>
        </Toolbar>
        <DataTable
          label="Users"
          columns={columns}
          rows={data?.items}
          rowKey={(u) => u.id}
          loading={isLoading || isFetching}
          error={error ? errorMessage(error) : null}
          rowClassName={(u) => (u.active ? undefined : 'opacity-70')}
          empty={<EmptyState icon={Search} title="No users match" description="Try a different search or clear the filters." />}
          paging={data ? { total: data.total, limit: PAGE_SIZE, offset, onChange: setOffset } : undefined}
        />
      </Card>

      {dialog?.kind === 'create' && <UserFormDialog open onOpenChange={(o) => !o && setDialog(null)} />}
      {dialog?.kind === 'edit' && <UserFormDialog key={dialog.user.id} user={dialog.user} open onOpenChange={(o) => !o && setDialog(null)} />}
      {dialog?.kind === 'reset' && <ResetPasswordDialog user={dialog.user} onClose={() => setDialog(null)} />}
      <ConfirmDialog
        open={dialog?.kind === 'deactivate'}
        onOpenChange={(o) => !o && setDialog(null)}
        title={dialog?.kind === 'deactivate' ? `Deactivate ${dialog.user.displayName}?` : 'Deactivate user?'}
        description="They will be signed out everywhere and can no longer sign in. Their history and audit trail are kept. You can reactivate the account later."
        confirmLabel="Deactivate"
        loading={activeState.isLoading}
        onConfirm={() => dialog?.kind === 'deactivate' && void toggleActive(dialog.user, false)}
      />
    </>
  );
}

/**
 * The permission catalog. A permission is a granular string checked by AccessService; roles are sets of
 * permissions stored in the database (role_permission), editable by administrators. The defaults below
 * are given to built-in roles the first time a permission appears.
 */
export interface PermissionDef {
  code: string;
  group: string;
  description: string;
}

export const PERMISSIONS = [
  { code: 'user.read', group: 'Identity', description: 'View staff accounts' },
  { code: 'user.manage', group: 'Identity', description: 'Create, edit, deactivate accounts and reset passwords' },
  { code: 'role.manage', group: 'Identity', description: 'Edit roles and their permissions' },
  { code: 'department.read', group: 'Identity', description: 'View departments' },
  { code: 'department.manage', group: 'Identity', description: 'Create, edit and delete departments' },
  { code: 'room.read', group: 'Identity', description: 'View rooms' },
  { code: 'room.manage', group: 'Identity', description: 'Create, edit and delete rooms' },
  { code: 'shift.read', group: 'Identity', description: 'View shift templates' },
  { code: 'shift.manage', group: 'Identity', description: 'Create, edit and delete shift templates' },
  { code: 'schedule.read', group: 'Identity', description: 'View staff schedules' },
  { code: 'schedule.manage', group: 'Identity', description: 'Assign staff to rooms and shifts' },
  { code: 'audit.read', group: 'System', description: 'Read and export the audit trail' },
  { code: 'notification.send', group: 'System', description: 'Send notifications to users, roles or departments' },
  { code: 'system.settings', group: 'System', description: 'Change system settings' },
  { code: 'patient.read', group: 'Patients', description: 'View patient demographics and history' },
  { code: 'patient.write', group: 'Patients', description: 'Register and edit patients' },
  { code: 'order.read', group: 'Orders', description: 'View imaging orders and appointments' },
  { code: 'order.write', group: 'Orders', description: 'Create, schedule and edit imaging orders' },
  { code: 'worklist.read', group: 'Orders', description: 'View the modality / reading worklist' },
  { code: 'study.read', group: 'Imaging', description: 'Search and view studies and images' },
  { code: 'study.upload', group: 'Imaging', description: 'Upload / store DICOM objects' },
  { code: 'study.annotate', group: 'Imaging', description: 'Store measurements, key images and presentation states (DICOM SR, KO, PR) in archived studies' },
  { code: 'study.delete', group: 'Imaging', description: 'Delete studies, series and instances' },
  { code: 'study.export', group: 'Imaging', description: 'Send studies to other DICOM nodes and download them' },
  { code: 'dicom-node.manage', group: 'Imaging', description: 'Configure remote DICOM nodes' },
  { code: 'report.read', group: 'Reporting', description: 'Read reports' },
  { code: 'report.write', group: 'Reporting', description: 'Draft and edit reports' },
  { code: 'report.sign', group: 'Reporting', description: 'Sign (finalise) reports' },
  { code: 'report.template.manage', group: 'Reporting', description: 'Manage report templates' },
  { code: 'analytics.read', group: 'System', description: 'View department analytics' },
] as const satisfies readonly PermissionDef[];

export type Permission = (typeof PERMISSIONS)[number]['code'];
export type PermissionScope = 'all' | 'department';
export const PERMISSION_CODES: readonly string[] = PERMISSIONS.map((p) => p.code);

export function isPermission(code: string): code is Permission {
  return PERMISSION_CODES.includes(code);
}

/** Permissions that include others: whoever may store any object may store annotations too. */
const IMPLIED: Partial<Record<Permission, Permission[]>> = {
  'study.upload': ['study.annotate'],
};

/** The permissions held, with those they imply (at the same scope, the wider one when both are held). */
export function withImplied<T extends Map<string, PermissionScope>>(held: T): T {
  for (const [code, scope] of [...held]) {
    for (const implied of IMPLIED[code as Permission] ?? []) {
      if (held.get(implied) !== 'all') held.set(implied, scope);
    }
  }
  return held;
}

export interface RoleDef {
  code: string;
  name: string;
  description: string;
  permissions: Array<[Permission, PermissionScope]>;
}

const all = (...codes: Permission[]): Array<[Permission, PermissionScope]> => codes.map((c) => [c, 'all']);

export const BUILTIN_ROLES: RoleDef[] = [
  {
    code: 'admin',
    name: 'Administrator',
    description: 'Runs the system: accounts, roles, rooms, settings, audit',
    permissions: all(...PERMISSIONS.map((p) => p.code)),
  },
  {
    code: 'radiologist',
    name: 'Radiologist',
    description: 'Reads studies and signs reports',
    // study.annotate: the viewer stores measurements (DICOM SR) and key images (KOS) in the study via STOW-RS;
    // storing other objects (study.upload) is the technicians' and administrators' job.
    permissions: all('patient.read', 'order.read', 'worklist.read', 'study.read', 'study.annotate', 'study.export', 'report.read',
      'report.write', 'report.sign', 'schedule.read', 'room.read', 'department.read'),
  },
  {
    code: 'technician',
    name: 'Imaging technician',
    description: 'Performs examinations at the modalities',
    permissions: all('patient.read', 'order.read', 'worklist.read', 'study.read', 'study.upload', 'study.export',
      'schedule.read', 'room.read', 'department.read'),
  },
  {
    code: 'receptionist',
    name: 'Reception staff',
    description: 'Registers patients and books examinations',
    permissions: all('patient.read', 'patient.write', 'order.read', 'order.write', 'schedule.read', 'room.read',
      'department.read', 'shift.read'),
  },
  {
    code: 'department_head',
    name: 'Department head',
    description: 'Leads a department: staff, rooms and schedules of that department, analytics',
    permissions: [
      ...all('patient.read', 'order.read', 'worklist.read', 'study.read', 'report.read', 'analytics.read',
        'department.read', 'room.read', 'shift.read'),
      ['user.read', 'department'],
      ['notification.send', 'department'],
      ['schedule.read', 'department'],
      ['schedule.manage', 'department'],
      ['audit.read', 'department'],
    ],
  },
  {
    code: 'referring_physician',
    name: 'Referring physician',
    description: 'Orders examinations and reads the results of their patients',
    permissions: all('patient.read', 'order.read', 'order.write', 'study.read', 'report.read'),
  },
];

import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { DB, type Db } from '../platform/database/database';
import { AuditService } from '../system/audit/audit.service';
import { BUILTIN_ROLES, PERMISSIONS } from './access/permissions';
import { generatePassword, hashPassword } from './auth/password';
import { seededPermissions } from './identity.schema';
import { DepartmentsRepository, RoomsRepository, SchedulesRepository, ShiftTemplatesRepository } from './organization/organization.repository';
import { isoWeekday } from './organization/organization.service';
import { RolesRepository } from './roles/roles.repository';
import { UsersRepository } from './users/users.repository';

/** Demo accounts (AXIAL_DEMO=true, the default): one per role, all with DEMO_PASSWORD. Listed in the README. */
export const DEMO_PASSWORD = 'axial-demo-2026';
export const DEMO_USERS = [
  { username: 'radiologist', displayName: 'Dr. Rita Radiologist', roles: ['radiologist'] },
  { username: 'technician', displayName: 'Tom Technician', roles: ['technician'] },
  { username: 'reception', displayName: 'Rosa Reception', roles: ['receptionist'] },
  { username: 'head', displayName: 'Dr. Henry Head', roles: ['department_head'] },
  { username: 'referrer', displayName: 'Dr. Fiona Referrer', roles: ['referring_physician'] },
] as const;

/**
 * First start: built-in roles and their default permissions, the admin account, and (unless AXIAL_DEMO=false)
 * demo staff, a department with rooms, shift templates and this week's schedule. Later starts add only what
 * is new (e.g. a permission introduced by an upgrade), never undo an administrator's edits.
 */
@Injectable()
export class IdentitySeed {
  private readonly log = new Logger('Seed');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DB) private readonly db: Db,
    private readonly roles: RolesRepository,
    private readonly users: UsersRepository,
    private readonly departments: DepartmentsRepository,
    private readonly rooms: RoomsRepository,
    private readonly shifts: ShiftTemplatesRepository,
    private readonly schedules: SchedulesRepository,
    private readonly audit: AuditService,
  ) {}

  /** Returns whether this was the first start (an empty database). */
  async run(): Promise<{ firstStart: boolean }> {
    await this.seedRoles();
    const firstStart = (await this.users.count()) === 0;
    if (!firstStart) return { firstStart };
    await this.seedAdmin();
    if (this.config.demo) await this.seedDemo();
    return { firstStart };
  }

  private async seedRoles(): Promise<void> {
    for (const r of BUILTIN_ROLES) await this.roles.upsertBuiltin({ code: r.code, name: r.name, description: r.description });
    const done = new Set((await this.db.select().from(seededPermissions)).map((r) => r.permission));
    for (const p of PERMISSIONS) {
      if (done.has(p.code)) continue;
      for (const r of BUILTIN_ROLES) {
        const grant = r.permissions.find(([code]) => code === p.code);
        if (grant) await this.roles.grant(r.code, grant[0], grant[1]);
      }
      await this.db.insert(seededPermissions).values({ permission: p.code }).onConflictDoNothing();
    }
  }

  private async seedAdmin(): Promise<void> {
    const generated = !this.config.adminPassword;
    const password = this.config.adminPassword ?? generatePassword();
    const id = await this.users.insert({
      username: 'admin', displayName: 'Administrator', passwordHash: await hashPassword(password),
      mustChangePassword: generated,
    }, ['admin']);
    await this.audit.record(null, { action: 'user.create', outcome: 'success', resourceType: 'user', resourceId: id, details: { username: 'admin', by: 'first-start' } });
    if (generated) {
      // Printed once, on the console only (not the log stream): it is not stored anywhere in clear.
      process.stdout.write(`\n  First start: administrator account created.\n    username: admin\n    password: ${password}\n  (set AXIAL_ADMIN_PASSWORD to choose it; you will be asked to change it)\n\n`);
    } else {
      this.log.log('Administrator account "admin" created with the password from AXIAL_ADMIN_PASSWORD');
    }
  }

  private async seedDemo(): Promise<void> {
    const rad = await this.departments.insert({ code: 'RAD', name: 'Radiology', description: 'Diagnostic imaging department' });
    await this.departments.insert({ code: 'ER-RAD', name: 'Emergency Radiology', description: 'Imaging for the emergency department' });
    const hash = await hashPassword(DEMO_PASSWORD);
    const ids: Record<string, string> = {};
    for (const u of DEMO_USERS) {
      ids[u.username] = await this.users.insert({ username: u.username, displayName: u.displayName, passwordHash: hash, departmentId: rad.id }, [...u.roles]);
    }
    const roomIds = {
      ct: await this.rooms.insert({ name: 'CT 1', departmentId: rad.id, modalities: ['CT'] }),
      mr: await this.rooms.insert({ name: 'MR 1', departmentId: rad.id, modalities: ['MR'] }),
      xr: await this.rooms.insert({ name: 'X-ray 1', departmentId: rad.id, modalities: ['CR', 'DX'] }),
      us: await this.rooms.insert({ name: 'Ultrasound 1', departmentId: rad.id, modalities: ['US'] }),
      read: await this.rooms.insert({ name: 'Reading room', departmentId: rad.id, modalities: [] }),
    };
    const weekdays = [1, 2, 3, 4, 5];
    const early = await this.shifts.insert({ name: 'Early', startTime: '07:00', endTime: '15:00', days: weekdays });
    await this.shifts.insert({ name: 'Late', startTime: '15:00', endTime: '23:00', days: weekdays });
    await this.shifts.insert({ name: 'Night', startTime: '23:00', endTime: '07:00', days: [1, 2, 3, 4, 5, 6, 7] });
    // This week's early shifts: the technician at CT, the radiologist in the reading room.
    const today = new Date();
    const monday = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (isoWeekday(today.toISOString().slice(0, 10)) - 1)));
    for (let i = 0; i < 5; i++) {
      const date = new Date(monday.getTime() + i * 86_400_000).toISOString().slice(0, 10);
      await this.schedules.insert({ userId: ids.technician, roomId: roomIds.ct, shiftTemplateId: early.id, date });
      await this.schedules.insert({ userId: ids.radiologist, roomId: roomIds.read, shiftTemplateId: early.id, date });
    }
    this.log.log(`Demo data created: ${DEMO_USERS.length} demo users (password in README), department Radiology, 5 rooms, 3 shift templates`);
  }
}

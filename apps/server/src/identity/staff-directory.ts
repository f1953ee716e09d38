import { Injectable } from '@nestjs/common';
import { UsersRepository } from './users/users.repository';

/** What other modules may ask identity about staff (e.g. who receives a notification sent to a role). */
@Injectable()
export class StaffDirectory {
  constructor(private readonly users: UsersRepository) {}

  activeUserIdsWithRole(role: string): Promise<string[]> {
    return this.users.activeIdsWithRole(role);
  }

  activeUserIdsInDepartment(departmentId: string): Promise<string[]> {
    return this.users.activeIdsInDepartment(departmentId);
  }

  userIdsInDepartment(departmentId: string | null): Promise<string[]> {
    return this.users.idsInDepartment(departmentId);
  }

  async isActiveUser(userId: string): Promise<boolean> {
    const u = await this.users.findRow(userId);
    return !!u?.active;
  }
}

import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessService } from './access/access.service';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { LoginThrottle } from './auth/login-throttle';
import { PrincipalService } from './auth/principal.service';
import { SessionsRepository } from './auth/sessions.repository';
import { TokenService } from './auth/token.service';
import { DepartmentsController, RoomsController, SchedulesController, ShiftTemplatesController } from './organization/organization.controller';
import { DepartmentsRepository, RoomsRepository, SchedulesRepository, ShiftTemplatesRepository } from './organization/organization.repository';
import { DepartmentsService, RoomsService, SchedulesService, ShiftTemplatesService } from './organization/organization.service';
import { RolesController } from './roles/roles.controller';
import { RolesRepository } from './roles/roles.repository';
import { RolesService } from './roles/roles.service';
import { IdentitySeed } from './seed.service';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { StaffDirectory } from './staff-directory';

/**
 * Identity: authentication, accounts, roles & permissions, departments, rooms, shifts, schedules.
 * Exports the access check (AccessService), token verification (PrincipalService) and a read-only
 * StaffDirectory for other modules; its tables stay private.
 */
@Module({
  controllers: [AuthController, UsersController, RolesController, DepartmentsController, RoomsController, ShiftTemplatesController, SchedulesController],
  providers: [
    AccessService, TokenService, PrincipalService, LoginThrottle, AuthService,
    UsersRepository, SessionsRepository, RolesRepository, DepartmentsRepository, RoomsRepository, ShiftTemplatesRepository, SchedulesRepository,
    UsersService, RolesService, DepartmentsService, RoomsService, ShiftTemplatesService, SchedulesService,
    IdentitySeed, StaffDirectory,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessService, PrincipalService, StaffDirectory, IdentitySeed],
})
export class IdentityModule {}

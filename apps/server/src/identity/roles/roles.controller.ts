import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { type Actor, CurrentActor } from '../access/actor';
import { CreateRoleDto, RoleCodeParam, RolesService, SetRolePermissionsDto } from './roles.service';

@ApiTags('roles')
@ApiBearerAuth()
@Controller('api/v1')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @RequirePermission('user.read')
  @Get('roles')
  list(@CurrentActor() a: Actor) { return this.roles.list(a); }

  @RequirePermission('user.read')
  @Get('permissions')
  permissions(@CurrentActor() a: Actor) { return this.roles.permissions(a); }

  @RequirePermission('role.manage')
  @Post('roles')
  create(@CurrentActor() a: Actor, @Body() b: CreateRoleDto) { return this.roles.create(a, b); }

  @RequirePermission('role.manage')
  @Put('roles/:code/permissions')
  setPermissions(@CurrentActor() a: Actor, @Param() p: RoleCodeParam, @Body() b: SetRolePermissionsDto) {
    return this.roles.setPermissions(a, p.code, b);
  }
}

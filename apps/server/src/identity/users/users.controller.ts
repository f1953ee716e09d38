import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { type Actor, CurrentActor } from '../access/actor';
import { CreateUserDto, IdParam, ListUsersQuery, ResetPasswordDto, UpdateUserDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @RequirePermission('user.read')
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: ListUsersQuery) {
    return this.users.list(actor, q);
  }

  @RequirePermission('user.manage')
  @Post()
  create(@CurrentActor() actor: Actor, @Body() body: CreateUserDto) {
    return this.users.create(actor, body);
  }

  @RequirePermission('user.read')
  @Get(':id')
  get(@CurrentActor() actor: Actor, @Param() p: IdParam) {
    return this.users.get(actor, p.id);
  }

  @RequirePermission('user.manage')
  @Patch(':id')
  update(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: UpdateUserDto) {
    return this.users.update(actor, p.id, body);
  }

  @RequirePermission('user.manage')
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@CurrentActor() actor: Actor, @Param() p: IdParam) {
    return this.users.setActive(actor, p.id, false);
  }

  @RequirePermission('user.manage')
  @Post(':id/activate')
  @HttpCode(200)
  activate(@CurrentActor() actor: Actor, @Param() p: IdParam) {
    return this.users.setActive(actor, p.id, true);
  }

  @RequirePermission('user.manage')
  @Post(':id/reset-password')
  @HttpCode(200)
  resetPassword(@CurrentActor() actor: Actor, @Param() p: IdParam, @Body() body: ResetPasswordDto) {
    return this.users.resetPassword(actor, p.id, body.newPassword);
  }
}

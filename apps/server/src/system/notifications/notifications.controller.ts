import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { Authenticated, RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { IdParam, text } from '../../identity/users/users.dto';
import { NotificationService } from './notifications.service';

export class ListNotificationsQuery extends createZodDto(z.object({
  unreadOnly: z.enum(['true', 'false']).transform((v) => v === 'true').default(false),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
}).strict()) {}

export class SendNotificationDto extends createZodDto(z.object({
  title: text(200).pipe(z.string().min(1, 'Required')),
  body: text(4000).default(''),
  level: z.enum(['info', 'warning', 'critical']).default('info'),
  link: z.string().max(500).regex(/^\/[^\s]*$/, 'A path inside Axial, starting with /').nullish(),
  target: z.union([
    z.object({ userId: z.uuid() }).strict(),
    z.object({ role: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/) }).strict(),
    z.object({ departmentId: z.uuid() }).strict(),
  ]),
}).strict()) {}

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/v1/notifications')
export class NotificationsController {
  constructor(private readonly svc: NotificationService) {}

  @Authenticated()
  @Get()
  list(@CurrentActor() a: Actor, @Query() q: ListNotificationsQuery) {
    return this.svc.listMine(a, q.unreadOnly, q.limit, q.offset);
  }

  @RequirePermission('notification.send')
  @Post()
  send(@CurrentActor() a: Actor, @Body() b: SendNotificationDto) {
    const { target, ...input } = b;
    return this.svc.send(a, target, input);
  }

  @Authenticated()
  @Post('read-all')
  @HttpCode(200)
  readAll(@CurrentActor() a: Actor) {
    return this.svc.markAllRead(a);
  }

  @Authenticated()
  @Post(':id/read')
  @HttpCode(204)
  read(@CurrentActor() a: Actor, @Param() p: IdParam) {
    return this.svc.markRead(a, p.id);
  }
}

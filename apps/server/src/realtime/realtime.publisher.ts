import { Injectable, Logger } from '@nestjs/common';
import type { Server } from 'socket.io';

/**
 * What services use to push events to connected browsers. Transport only: it knows rooms
 * (user:<id>, role:<code>, dept:<id>), not domain rules. With REDIS_URL, events reach sockets held by
 * other server processes through the Redis adapter.
 */
@Injectable()
export class RealtimePublisher {
  private readonly log = new Logger('Realtime');
  private server?: Server;

  attach(server: Server): void {
    this.server = server;
  }

  toUser(userId: string, event: string, payload: unknown): void {
    this.emit(`user:${userId}`, event, payload);
  }

  toRole(role: string, event: string, payload: unknown): void {
    this.emit(`role:${role}`, event, payload);
  }

  toDepartment(departmentId: string, event: string, payload: unknown): void {
    this.emit(`dept:${departmentId}`, event, payload);
  }

  private emit(room: string, event: string, payload: unknown): void {
    if (!this.server) {
      this.log.debug(`No realtime server yet: ${event} to ${room} not pushed (it is persisted by its sender)`);
      return;
    }
    this.server.to(room).emit(event, payload);
  }
}

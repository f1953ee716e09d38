import { Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { PrincipalService } from '../identity/auth/principal.service';
import { RealtimePublisher } from './realtime.publisher';

/**
 * Socket.IO on the HTTP server's port (path /socket.io). A client authenticates with the same access
 * token as the API: `io({ auth: { token } })`. Unauthenticated sockets are refused at the handshake.
 */
@WebSocketGateway({ path: '/socket.io', serveClient: false, cors: { origin: false } })
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly log = new Logger('Realtime');

  constructor(private readonly principals: PrincipalService, private readonly publisher: RealtimePublisher) {}

  afterInit(server: Server): void {
    this.publisher.attach(server);
    server.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      if (typeof token !== 'string' || !token) return next(new Error('Authentication required'));
      this.principals
        .fromBearer(token, { clientIp: socket.handshake.address ?? null, userAgent: socket.handshake.headers['user-agent'] ?? null })
        .then((actor) => {
          socket.data.actor = actor;
          next();
        })
        .catch(() => next(new Error('Invalid or expired token')));
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const actor = socket.data.actor as { userId: string; roles: string[]; departmentId: string | null } | undefined;
    if (!actor) {
      socket.disconnect(true);
      return;
    }
    await socket.join([`user:${actor.userId}`, ...actor.roles.map((r) => `role:${r}`), ...(actor.departmentId ? [`dept:${actor.departmentId}`] : [])]);
    socket.emit('ready', { userId: actor.userId });
    this.log.debug(`socket ${socket.id} joined for user ${actor.userId}`);
  }
}

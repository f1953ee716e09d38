import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { ServerOptions } from 'socket.io';

/** Socket.IO adapter sharing rooms and events between server processes through Redis pub/sub. */
export class RedisIoAdapter extends IoAdapter {
  private readonly log = new Logger('Realtime');
  private pub?: Redis;
  private sub?: Redis;

  constructor(app: INestApplicationContext, private readonly redisUrl: string, private readonly prefix: string) {
    super(app);
  }

  async connect(): Promise<void> {
    this.pub = new Redis(this.redisUrl, { maxRetriesPerRequest: 2 });
    this.sub = this.pub.duplicate();
    await Promise.all([waitReady(this.pub), waitReady(this.sub)]);
    this.log.log('Realtime events shared through Redis');
  }

  override createIOServer(port: number, options?: ServerOptions) {
    const server = super.createIOServer(port, options);
    server.adapter(createAdapter(this.pub!, this.sub!, { key: `${this.prefix}:socket.io` }));
    return server;
  }

  override async close(): Promise<void> {
    await Promise.all([this.pub?.quit(), this.sub?.quit()].map((p) => p?.catch(() => undefined)));
  }
}

function waitReady(r: Redis): Promise<void> {
  return r.status === 'ready' ? Promise.resolve() : new Promise((resolve, reject) => {
    r.once('ready', () => resolve());
    r.once('error', reject);
  });
}

import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import type Redis from 'ioredis';

/**
 * Counts failed sign-ins per account and per client address in a sliding window; over the limit,
 * sign-in is refused for the rest of the window (even with the right password) so guessing is slow.
 * In-memory for one process; shared through Redis when REDIS_URL is set.
 */
export const LOGIN_LIMITS = { perAccount: 5, perIp: 20, windowSeconds: 15 * 60 } as const;

@Injectable()
export class LoginThrottle implements OnModuleDestroy {
  private readonly memory = new Map<string, { count: number; resetAt: number }>();
  private redis?: Redis;
  private readonly prefix: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.prefix = config.redisPrefix;
    if (config.redisUrl) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const IORedis = require('ioredis') as typeof import('ioredis').default;
      this.redis = new IORedis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }

  async isBlocked(username: string, ip: string | null): Promise<boolean> {
    const [acc, byIp] = await Promise.all([this.get(this.accountKey(username)), ip ? this.get(this.ipKey(ip)) : 0]);
    return acc >= LOGIN_LIMITS.perAccount || byIp >= LOGIN_LIMITS.perIp;
  }

  async recordFailure(username: string, ip: string | null): Promise<void> {
    await Promise.all([this.incr(this.accountKey(username)), ip ? this.incr(this.ipKey(ip)) : undefined]);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.del(this.accountKey(username));
  }

  private async get(key: string): Promise<number> {
    if (this.redis) return Number((await this.redis.get(key)) ?? 0);
    const e = this.memory.get(key);
    if (!e || e.resetAt < Date.now()) return 0;
    return e.count;
  }

  private async incr(key: string): Promise<void> {
    if (this.redis) {
      const n = await this.redis.incr(key);
      if (n === 1) await this.redis.expire(key, LOGIN_LIMITS.windowSeconds);
      return;
    }
    const now = Date.now();
    const e = this.memory.get(key);
    if (!e || e.resetAt < now) this.memory.set(key, { count: 1, resetAt: now + LOGIN_LIMITS.windowSeconds * 1000 });
    else e.count++;
    if (this.memory.size > 100_000) this.sweep(now);
  }

  private async del(key: string): Promise<void> {
    if (this.redis) await this.redis.del(key);
    else this.memory.delete(key);
  }

  private accountKey(u: string): string {
    return `${this.prefix}:login:acct:${u.toLowerCase()}`;
  }

  private ipKey(ip: string): string {
    return `${this.prefix}:login:ip:${ip}`;
  }

  private sweep(now: number): void {
    for (const [k, v] of this.memory) if (v.resetAt < now) this.memory.delete(k);
  }
}


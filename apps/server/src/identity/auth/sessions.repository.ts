import { Inject, Injectable } from '@nestjs/common';
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { refreshTokens } from '../identity.schema';

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

/** SQL for refresh-token families (login sessions). */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(values: typeof refreshTokens.$inferInsert): Promise<void> {
    await this.db.insert(refreshTokens).values(values);
  }

  async findByHash(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    const [row] = await this.db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
    return row;
  }

  /** Marks a token used only if it was still unused: returns false when another request won the race. */
  async markUsed(id: string): Promise<boolean> {
    const rows = await this.db.update(refreshTokens).set({ usedAt: new Date() })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt))).returning({ id: refreshTokens.id });
    return rows.length === 1;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db.update(refreshTokens).set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }

  async revokeAllOfUser(userId: string): Promise<void> {
    await this.db.update(refreshTokens).set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
  }

  async isFamilyActive(familyId: string): Promise<boolean> {
    const [row] = await this.db.select({ id: refreshTokens.id }).from(refreshTokens)
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt))).limit(1);
    return !!row;
  }

  async deleteExpired(before: Date): Promise<void> {
    await this.db.delete(refreshTokens).where(or(lt(refreshTokens.expiresAt, before)));
  }
}

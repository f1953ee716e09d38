import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { dicomNodes } from './dimse.schema';

export type DicomNode = typeof dicomNodes.$inferSelect;
export type NewDicomNode = Omit<typeof dicomNodes.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;

/** The registry of remote DICOM nodes (table dicom_node). */
@Injectable()
export class DicomNodesService {
  constructor(@Inject(DB) private readonly db: Db) {}

  list(): Promise<DicomNode[]> {
    return this.db.select().from(dicomNodes).orderBy(asc(dicomNodes.aeTitle));
  }

  async get(id: string): Promise<DicomNode> {
    const [n] = await this.db.select().from(dicomNodes).where(eq(dicomNodes.id, id));
    if (!n) throw new NotFoundException(`DICOM node ${id} not found`);
    return n;
  }

  async byAeTitle(aeTitle: string): Promise<DicomNode | undefined> {
    const [n] = await this.db.select().from(dicomNodes).where(eq(dicomNodes.aeTitle, aeTitle.trim()));
    return n;
  }

  async create(input: NewDicomNode): Promise<DicomNode> {
    if (await this.byAeTitle(input.aeTitle)) throw new ConflictException(`A node with AE title ${input.aeTitle} is already registered`);
    const [n] = await this.db.insert(dicomNodes).values(input).returning();
    return n;
  }

  async update(id: string, input: Partial<NewDicomNode>): Promise<DicomNode> {
    const current = await this.get(id);
    if (input.aeTitle && input.aeTitle !== current.aeTitle && (await this.byAeTitle(input.aeTitle))) {
      throw new ConflictException(`A node with AE title ${input.aeTitle} is already registered`);
    }
    const [n] = await this.db.update(dicomNodes).set({ ...input, updatedAt: sql`now()` }).where(eq(dicomNodes.id, id)).returning();
    return n;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.db.delete(dicomNodes).where(eq(dicomNodes.id, id));
  }
}

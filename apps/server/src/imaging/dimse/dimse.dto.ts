import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { isValidAeTitle } from './dimse.config';

const aeTitle = z.string().trim().min(1).max(16).refine(isValidAeTitle, 'An AE title is 1-16 printable ASCII characters without a backslash');
// Host names or IP literals only: no URLs, no whitespace.
const host = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:\-[\]]+$/, 'A host name or IP address');
const uid = z.string().trim().min(1).max(64).regex(/^[0-9]+(\.[0-9]+)*$/, 'A DICOM UID');

const node = {
  aeTitle,
  host,
  port: z.number().int().min(1).max(65535),
  description: z.string().trim().max(500).default(''),
  allowStore: z.boolean().default(true),
  allowQuery: z.boolean().default(true),
  allowRetrieve: z.boolean().default(true),
  isMoveDestination: z.boolean().default(true),
};

export class CreateDicomNodeDto extends createZodDto(z.object(node).strict()) {}
export class UpdateDicomNodeDto extends createZodDto(z.object({
  aeTitle: node.aeTitle.optional(), host: node.host.optional(), port: node.port.optional(), description: z.string().trim().max(500).optional(),
  allowStore: z.boolean().optional(), allowQuery: z.boolean().optional(), allowRetrieve: z.boolean().optional(), isMoveDestination: z.boolean().optional(),
}).strict()) {}
export class NodeIdParam extends createZodDto(z.object({ id: z.uuid('Not a valid id') })) {}
export class StoreToNodeDto extends createZodDto(z.object({ studyUid: uid, seriesUid: uid.optional() }).strict()) {}
export class RetrieveFromNodeDto extends createZodDto(z.object({ studyUid: uid }).strict()) {}
/** Study-level C-FIND matching keys by keyword (PatientID, PatientName, StudyDate, AccessionNumber, ...). */
export class QueryNodeDto extends createZodDto(z.object({
  keys: z.record(z.string().regex(/^[A-Za-z]{2,64}$/, 'A DICOM keyword'), z.string().max(256)).default({}),
}).strict()) {}

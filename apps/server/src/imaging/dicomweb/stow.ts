import type { DicomJsonDataset } from '@axial/dicom';
import type { IngestResult } from '../archive/ingest.service';

/**
 * STOW-RS store response (PS3.18 §10.5.3, Table 10.5.3-1) with Axial's private block in every item
 * (creator "AXIAL" in (0009,0010)): (0009,1002) UL index of the part in the request, (0009,1003) CS
 * STORED | DUPLICATE | REPLACED | REJECTED, (0009,1001) LT a human-readable message. Standard clients
 * ignore private elements; the web app maps results back to files with them.
 */
export const FAILURE = {
  /** Error: Cannot understand (PS3.4 Annex B.2.3). */
  CANNOT_UNDERSTAND: 0xc000,
  /** Error: Data Set does not match SOP Class / study mismatch (PS3.18 Table 10.5.3-2 uses A900 for the latter). */
  DATASET_MISMATCH: 0xa900,
  /** Refused: Out of resources. */
  OUT_OF_RESOURCES: 0xa700,
  /** Processing failure. */
  PROCESSING_FAILURE: 0x0110,
  /** Referenced SOP Class not supported (a part of another media type). */
  SOP_CLASS_NOT_SUPPORTED: 0x0122,
  /** Refused: Not Authorized (PS3.7 Annex C): the sender may store annotations only. */
  NOT_AUTHORIZED: 0x0124,
} as const;

export interface PartOutcome {
  /** zero-based position of the part in the request */
  index: number;
  result: IngestResult | { status: 'rejected'; reason: string; failureReason: number; sopInstanceUid?: string; sopClassUid?: string };
}

export function stowResponse(outcomes: PartOutcome[], base: string, studyUid?: string): { status: number; body: DicomJsonDataset } {
  const referenced: DicomJsonDataset[] = [];
  const failed: DicomJsonDataset[] = [];
  for (const { index, result: r } of outcomes) {
    const item: DicomJsonDataset = {
      '00090010': { vr: 'LO', Value: ['AXIAL'] },
      '00091002': { vr: 'UL', Value: [index] },
    };
    if (r.sopClassUid) item['00081150'] = { vr: 'UI', Value: [r.sopClassUid] };
    if (r.sopInstanceUid) item['00081155'] = { vr: 'UI', Value: [r.sopInstanceUid] };
    if (r.status === 'rejected') {
      const code = 'failureReason' in r ? r.failureReason
        : 'mismatch' in r && r.mismatch ? FAILURE.DATASET_MISMATCH
        : 'notAuthorized' in r && r.notAuthorized ? FAILURE.NOT_AUTHORIZED
        : 'outOfResources' in r && r.outOfResources ? FAILURE.OUT_OF_RESOURCES
        : FAILURE.CANNOT_UNDERSTAND;
      item['00081197'] = { vr: 'US', Value: [code] };
      item['00091003'] = { vr: 'CS', Value: ['REJECTED'] };
      item['00091001'] = { vr: 'LT', Value: [r.reason] };
      failed.push(item);
    } else {
      item['00081190'] = { vr: 'UR', Value: [`${base}/studies/${r.studyUid}/series/${r.seriesUid}/instances/${r.sopInstanceUid}`] };
      item['00091003'] = { vr: 'CS', Value: [r.status.toUpperCase()] };
      const msg = r.status === 'stored' ? 'Stored' : r.warnings[r.warnings.length - 1] ?? r.status;
      item['00091001'] = { vr: 'LT', Value: [msg] };
      // A duplicate is not a failure (the instance is archived); its note travels in the private block.
      referenced.push(item);
    }
  }
  const body: DicomJsonDataset = {};
  const firstStudy = studyUid ?? outcomes.map((o) => ('studyUid' in o.result ? o.result.studyUid : undefined)).find(Boolean);
  if (firstStudy) body['00081190'] = { vr: 'UR', Value: [`${base}/studies/${firstStudy}`] };
  if (failed.length) body['00081198'] = { vr: 'SQ', Value: failed };
  if (referenced.length) body['00081199'] = { vr: 'SQ', Value: referenced };
  // 200 all stored; 202 some stored; 409 none stored (PS3.18 §10.5.3.1 / Table 10.5.3-1).
  const status = failed.length === 0 ? 200 : referenced.length ? 202 : 409;
  return { status, body };
}

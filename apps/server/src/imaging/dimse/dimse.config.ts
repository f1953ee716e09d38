/**
 * DIMSE settings. They are read in platform/config.ts (one line: `dicom: {...}`) from:
 *   DICOM_PORT (11112; 0 = any free port), DICOM_AET (AXIAL), DICOM_HOST (0.0.0.0),
 *   DICOM_AE_WHITELIST (false: any calling AE may associate; true: only registered nodes),
 *   DICOM_IDLE_TIMEOUT (seconds without a PDU before an association is aborted, default 120).
 */
export type { DimseConfig } from '../../platform/config';
import type { DimseConfig } from '../../platform/config';

/** PS3.5 §6.2 AE: 1–16 characters of the default repertoire, no backslash, not only spaces. */
export function isValidAeTitle(aet: string): boolean {
  return aet.trim().length > 0 && aet.length <= 16 && /^[\x20-\x7e]+$/.test(aet) && !aet.includes('\\');
}

export function checkDimseConfig(c: DimseConfig): void {
  if (!isValidAeTitle(c.aet)) throw new Error(`Configuration: DICOM_AET must be 1-16 printable ASCII characters, got "${c.aet}"`);
  if (c.port > 65535) throw new Error(`Configuration: DICOM_PORT must be at most 65535, got ${c.port}`);
}

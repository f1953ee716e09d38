import { BadRequestException } from '@nestjs/common';

/** DICOM UIDs in URL paths: digits and dots, at most 64 characters (PS3.5 §9.1). */
const UID = /^[0-9]+(\.[0-9]+)*$/;

export function checkUids(...uids: Array<string | undefined>): void {
  for (const u of uids) if (u !== undefined && (!UID.test(u) || u.length > 64)) throw new BadRequestException(`Invalid UID "${u.slice(0, 80)}"`);
}

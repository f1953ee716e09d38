import { createRequire } from 'node:module';

/**
 * Part 10 framing for objects received or sent over DIMSE. DIMSE carries data sets, not files (PS3.7 §6.3.1):
 * a received data set is written after a File Meta Information header of our own (PS3.10 §7.1) that records the
 * negotiated transfer syntax, and a stored file is sent as the bytes after its meta header. "Identical" across a
 * DIMSE round trip therefore means: the data set bytes after the meta header are identical.
 */

export const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1543.1';
export const IMPLEMENTATION_VERSION = 'AXIAL_0_1';

function padUid(s: string): Buffer {
  const b = Buffer.from(s, 'ascii');
  return b.length % 2 ? Buffer.concat([b, Buffer.from([0])]) : b;
}

function padText(s: string): Buffer {
  const b = Buffer.from(s, 'ascii');
  return b.length % 2 ? Buffer.concat([b, Buffer.from(' ')]) : b;
}

/** One explicit VR little endian element with a 2-byte length (or the OB form with a 4-byte length). */
function element(group: number, el: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB' || vr === 'UN' || vr === 'SQ' || vr === 'UT';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(el, 2);
  head.write(vr, 4, 'ascii');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

export interface MetaHeaderInfo {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** Source Application Entity Title (0002,0016): the calling AE of the association. */
  sourceAet?: string;
}

/** 128-byte preamble + "DICM" + group 0002 (PS3.10 §7.1), always explicit VR little endian. */
export function buildMetaHeader(info: MetaHeaderInfo): Buffer {
  const elements = [
    element(0x0002, 0x0001, 'OB', Buffer.from([0x00, 0x01])),
    element(0x0002, 0x0002, 'UI', padUid(info.sopClassUid)),
    element(0x0002, 0x0003, 'UI', padUid(info.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', padUid(info.transferSyntaxUid)),
    element(0x0002, 0x0012, 'UI', padUid(IMPLEMENTATION_CLASS_UID)),
    element(0x0002, 0x0013, 'SH', padText(IMPLEMENTATION_VERSION)),
    ...(info.sourceAet ? [element(0x0002, 0x0016, 'AE', padText(info.sourceAet.trim()))] : []),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'ascii'), element(0x0002, 0x0000, 'UL', groupLength), body]);
}

export interface Part10Split {
  /** Offset of the first data set byte (after the file meta information); 0 when the file has none. */
  datasetOffset: number;
  /** Transfer syntax of the meta header, if any. */
  transferSyntaxUid?: string;
}

/**
 * Where the data set starts in a stored file: walks the group 0002 elements (explicit VR LE) after "DICM"
 * instead of trusting (0002,0000) alone, which some writers get wrong.
 */
export function splitPart10(file: Buffer): Part10Split {
  if (file.length < 132 || file.toString('ascii', 128, 132) !== 'DICM') return { datasetOffset: 0 };
  let pos = 132;
  let ts: string | undefined;
  while (pos + 8 <= file.length) {
    const group = file.readUInt16LE(pos);
    if (group !== 0x0002) break;
    const el = file.readUInt16LE(pos + 2);
    const vr = file.toString('ascii', pos + 4, pos + 6);
    let len: number;
    let valuePos: number;
    if (['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV'].includes(vr)) {
      len = file.readUInt32LE(pos + 8);
      valuePos = pos + 12;
    } else {
      len = file.readUInt16LE(pos + 6);
      valuePos = pos + 8;
    }
    if (el === 0x0010) ts = file.toString('ascii', valuePos, valuePos + len).replace(/[\0 ]+$/, '');
    pos = valuePos + len;
  }
  return { datasetOffset: pos, transferSyntaxUid: ts };
}

// ---- dcmjs (naturalized data sets, as dcmjs-dimse hands them over) <-> DICOM JSON ----

interface DcmjsMeta {
  naturalizeDataset(ds: unknown): Record<string, unknown>;
  denaturalizeDataset(ds: unknown): Record<string, { vr: string; Value?: unknown[] }>;
}
let meta: DcmjsMeta | undefined;
function dcmjsMeta(): DcmjsMeta {
  meta ??= (createRequire(__filename)('dcmjs') as { data: { DicomMetaDictionary: DcmjsMeta } }).data.DicomMetaDictionary;
  return meta;
}

/** A naturalized dcmjs data set (keyword keys) → DICOM JSON (PS3.18 Annex F). */
export function naturalToJson(elements: Record<string, unknown>): Record<string, { vr: string; Value?: unknown[] }> {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(elements)) if (k !== '_vrMap' && k !== '_meta') clean[k] = v;
  const den = dcmjsMeta().denaturalizeDataset(clean);
  const out: Record<string, { vr: string; Value?: unknown[] }> = {};
  for (const [tag, el] of Object.entries(den)) {
    const values = (el.Value ?? []).filter((v) => v !== '' && v !== null && v !== undefined);
    out[tag.toUpperCase()] = values.length ? { vr: el.vr, Value: values.map((v) => (isRecord(v) && !('Alphabetic' in v) ? naturalizedItem(v) : v)) } : { vr: el.vr };
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ArrayBuffer);
}

function naturalizedItem(v: Record<string, unknown>): Record<string, unknown> {
  // denaturalizeDataset already denaturalizes sequence items; only normalise their tag case and empty values.
  const out: Record<string, unknown> = {};
  for (const [tag, el] of Object.entries(v)) {
    const e = el as { vr: string; Value?: unknown[] };
    const values = (e.Value ?? []).filter((x) => x !== '' && x !== null && x !== undefined);
    out[tag.toUpperCase()] = values.length ? { vr: e.vr, Value: values.map((x) => (isRecord(x) && !('Alphabetic' in x) ? naturalizedItem(x) : x)) } : { vr: e.vr };
  }
  return out;
}

/** DICOM JSON → naturalized dcmjs data set (for dcmjs-dimse to encode in the negotiated transfer syntax). */
export function jsonToNatural(json: Record<string, unknown>): Record<string, unknown> {
  return dcmjsMeta().naturalizeDataset(json);
}

/**
 * DICOM JSON Model (PS3.18 Annex F) from a dicom-parser data set.
 *
 * - Keys are 8 upper-case hex digits (F.2.1.1), values `{ vr, Value | InlineBinary | BulkDataURI }` (F.2.2).
 * - PN values are objects with Alphabetic / Ideographic / Phonetic strings (F.2.2, Table F.2.2-1).
 * - IS, DS and the binary numeric VRs are JSON numbers (F.2.3.1); an IS/DS value that is not a number is
 *   kept as a string rather than dropped (non-conformant input; see warnings).
 * - Empty values inside a multi-valued attribute become null (F.2.5).
 * - AT values are 8-hex-digit strings (F.2.3.1).
 * - Binary VRs (OB, OD, OF, OL, OV, OW, UN) become InlineBinary (base64, F.2.7) or, above a size
 *   threshold and always for bulk pixel/waveform/document data, a BulkDataURI from a caller callback.
 *   Other binary data is always little endian in JSON, so big endian OW/OF/... values are byte-swapped.
 */
import type { DataSet, Element } from 'dicom-parser';
import { decodeText, parseSpecificCharacterSet, type CharacterSet } from './charset';
import { isPrivateCreator, isPrivateTag, lookupTag } from './tags';
import { parseDS, parseIS, splitValues } from './values';

export interface PersonNameJson {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export type DicomJsonValue = string | number | PersonNameJson | DicomJsonDataset | null;

export interface DicomJsonElement {
  vr: string;
  Value?: DicomJsonValue[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type DicomJsonDataset = { [tag: string]: DicomJsonElement };

export interface ToJsonOptions {
  /** Character set of the top-level data set; defaults to its own Specific Character Set (0008,0005). */
  characterSet?: CharacterSet;
  /** Whether the data set was encoded with explicit VR (else VRs come from the dictionary). Default true. */
  explicitVr?: boolean;
  /** Whether binary values are big endian (Explicit VR Big Endian); they are swapped to little endian. */
  bigEndian?: boolean;
  /**
   * Returns the BulkDataURI for an element, given its path of tags from the top level (sequence items as
   * numeric indexes, e.g. ["00540016", 0, "00281201"]). Return undefined to inline instead.
   * Without a callback, bulk elements are emitted with neither Value nor InlineBinary (F.2.2: "none").
   */
  bulkDataUri?: (path: ReadonlyArray<string | number>, element: { tag: string; vr: string; length: number }) => string | undefined;
  /** Binary values longer than this many bytes go to BulkDataURI (default 1024). */
  bulkDataThreshold?: number;
  /** Include group length elements (gggg,0000), retired since 2008; default false. */
  includeGroupLengths?: boolean;
  /** Collects non-fatal conversion problems. */
  warnings?: string[];
}

/** Elements that always go to BulkDataURI when a callback is given (pixel / overlay / waveform / document data). */
function alwaysBulk(tag: string): boolean {
  return (
    tag === '7FE00010' || // Pixel Data
    tag === '7FE00008' || // Float Pixel Data
    tag === '7FE00009' || // Double Float Pixel Data
    tag === '54001010' || // Waveform Data
    tag === '00420011' || // Encapsulated Document
    tag === '56000020' || // Spectroscopy Data
    (/^60[0-9A-F]{2}3000$/.test(tag) && (parseInt(tag.slice(0, 4), 16) & 1) === 0) // Overlay Data (60xx,3000)
  );
}

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const TEXT_CHARSET_VRS = new Set(['PN', 'LO', 'SH', 'ST', 'LT', 'UT', 'UC']);
const NUMBER_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, SV: 8, UV: 8 };
const SWAP_SIZE: Record<string, number> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

/** Converts the result of {@link parseDicom} to the DICOM JSON model, with its encoding and character set. */
export function toDicomJson(
  parsed: { dataSet: DataSet; characterSet: CharacterSet; explicitVr: boolean; littleEndian: boolean },
  options: Omit<ToJsonOptions, 'characterSet' | 'explicitVr' | 'bigEndian'> = {},
): DicomJsonDataset {
  return dataSetToJson(parsed.dataSet, { ...options, characterSet: parsed.characterSet, explicitVr: parsed.explicitVr, bigEndian: !parsed.littleEndian });
}

/** Converts a parsed data set to the DICOM JSON model. Group 0002 (meta information) is not included. */
export function dataSetToJson(dataSet: DataSet, options: ToJsonOptions = {}): DicomJsonDataset {
  const ctx: Ctx = {
    explicitVr: options.explicitVr ?? true,
    bigEndian: options.bigEndian ?? false,
    threshold: options.bulkDataThreshold ?? 1024,
    includeGroupLengths: options.includeGroupLengths ?? false,
    warnings: options.warnings ?? [],
    ...(options.bulkDataUri ? { bulkDataUri: options.bulkDataUri } : {}),
  };
  const charset = options.characterSet ?? charsetOf(dataSet, parseSpecificCharacterSet(undefined));
  return convert(dataSet, charset, [], ctx, undefined);
}

interface Ctx {
  explicitVr: boolean;
  bigEndian: boolean;
  threshold: number;
  includeGroupLengths: boolean;
  warnings: string[];
  bulkDataUri?: ToJsonOptions['bulkDataUri'];
}

/** A data set or item may carry its own Specific Character Set, which then applies within it (PS3.3 C.12.1.1.2). */
function charsetOf(ds: DataSet, inherited: CharacterSet): CharacterSet {
  const el = ds.elements['x00080005'];
  if (!el || el.length === 0 || el.length === 0xffffffff) return inherited;
  const raw = Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length).toString('latin1');
  return parseSpecificCharacterSet(raw.split('\\').map((s) => s.trim()));
}

function convert(
  ds: DataSet,
  inheritedCharset: CharacterSet,
  path: ReadonlyArray<string | number>,
  ctx: Ctx,
  parentPixelRepresentation: number | undefined,
): DicomJsonDataset {
  const charset = path.length === 0 ? inheritedCharset : charsetOf(ds, inheritedCharset);
  const pixelRepresentation = readPixelRepresentation(ds) ?? parentPixelRepresentation;
  const out: DicomJsonDataset = {};
  const keys = Object.keys(ds.elements).sort();
  for (const key of keys) {
    const el = ds.elements[key]!;
    const tag = key.slice(1).toUpperCase();
    const group = tag.slice(0, 4);
    if (group === '0002' || group === 'FFFE') continue; // meta information; item/delimiter tags
    if (tag.endsWith('0000') && !ctx.includeGroupLengths) continue;
    const json = convertElement(ds, el, tag, charset, [...path, tag], ctx, pixelRepresentation);
    if (json) out[tag] = json;
  }
  return out;
}

function readPixelRepresentation(ds: DataSet): number | undefined {
  const el = ds.elements['x00280103'];
  return el && el.length >= 2 ? ds.uint16('x00280103') : undefined;
}

function resolveVr(el: Element, tag: string, ctx: Ctx, pixelRepresentation: number | undefined): string {
  if (el.items && (el.vr === undefined || el.vr === 'UN' || el.vr === 'SQ')) return 'SQ'; // incl. CP-246 UN sequences
  if (ctx.explicitVr && el.vr) return el.vr;
  // Implicit VR: the dictionary decides (el.vr only echoes our VR callback).
  const info = lookupTag(tag);
  if (!info) return 'UN';
  if (isPrivateTag(tag) && !isPrivateCreator(tag)) return 'UN';
  // "US or SS" elements follow Pixel Representation (PS3.5 Annex A / PS3.3 C.7.6.3.1.x).
  if (info.vrs.includes('SS') && info.vrs.includes('US')) return pixelRepresentation === 1 ? 'SS' : 'US';
  return info.vr;
}

function convertElement(
  ds: DataSet,
  el: Element,
  tag: string,
  charset: CharacterSet,
  path: ReadonlyArray<string | number>,
  ctx: Ctx,
  pixelRepresentation: number | undefined,
): DicomJsonElement | undefined {
  const vr = resolveVr(el, tag, ctx, pixelRepresentation);
  if (vr === 'SQ') {
    const items = (el.items ?? []).map((item, i) =>
      item.dataSet ? convert(item.dataSet, charset, [...path, i], ctx, pixelRepresentation) : {},
    );
    return items.length ? { vr, Value: items } : { vr };
  }
  const undefinedLength = el.length === 0xffffffff || el.hadUndefinedLength === true;
  const bytesAvailable = el.dataOffset <= ds.byteArray.length;
  // Encapsulated pixel data, or pixel data where parsing stopped (untilTag): bulk only.
  if (undefinedLength || el.encapsulatedPixelData || el.dataOffset + el.length > ds.byteArray.length) {
    const uri = ctx.bulkDataUri?.(path, { tag, vr, length: undefinedLength ? -1 : el.length });
    return uri ? { vr, BulkDataURI: uri } : { vr };
  }
  if (!bytesAvailable) return { vr };
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);

  if (BINARY_VRS.has(vr)) {
    if (el.length === 0) return { vr };
    if (alwaysBulk(tag) || el.length > ctx.threshold) {
      const uri = ctx.bulkDataUri?.(path, { tag, vr, length: el.length });
      if (uri) return { vr, BulkDataURI: uri };
      if (alwaysBulk(tag)) return { vr };
    }
    const swap = ctx.bigEndian ? SWAP_SIZE[vr] : undefined;
    return { vr, InlineBinary: toBase64(swap ? swapBytes(bytes, swap) : bytes) };
  }
  if (el.length === 0) return { vr };

  const size = NUMBER_SIZE[vr];
  if (size) {
    const values: number[] = [];
    const le = !ctx.bigEndian;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + size <= bytes.length; o += size) {
      switch (vr) {
        case 'US': values.push(dv.getUint16(o, le)); break;
        case 'SS': values.push(dv.getInt16(o, le)); break;
        case 'UL': values.push(dv.getUint32(o, le)); break;
        case 'SL': values.push(dv.getInt32(o, le)); break;
        case 'FL': values.push(dv.getFloat32(o, le)); break;
        case 'FD': values.push(dv.getFloat64(o, le)); break;
        case 'SV': values.push(Number(dv.getBigInt64(o, le))); break;
        case 'UV': values.push(Number(dv.getBigUint64(o, le))); break;
      }
    }
    return values.length ? { vr, Value: values } : { vr };
  }
  if (vr === 'AT') {
    const values: string[] = [];
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let o = 0; o + 4 <= bytes.length; o += 4) {
      const g = dv.getUint16(o, !ctx.bigEndian);
      const e = dv.getUint16(o + 2, !ctx.bigEndian);
      values.push((g.toString(16).padStart(4, '0') + e.toString(16).padStart(4, '0')).toUpperCase());
    }
    return values.length ? { vr, Value: values } : { vr };
  }

  // String VRs
  const text = TEXT_CHARSET_VRS.has(vr) ? decodeText(bytes, charset, vr) : Buffer.from(bytes).toString('latin1');
  const parts = splitValues(vr, text);
  if (parts.length === 0) return { vr };
  let values: DicomJsonValue[];
  if (vr === 'PN') {
    values = parts.map((p) => (p === '' ? null : personName(p)));
  } else if (vr === 'IS' || vr === 'DS') {
    values = parts.map((p) => {
      if (p === '') return null;
      const n = vr === 'IS' ? parseIS(p) : parseDS(p);
      if (n === undefined) {
        ctx.warnings.push(`Invalid ${vr} value "${p}" in (${tag.slice(0, 4)},${tag.slice(4)}) kept as a string`);
        return p;
      }
      return n;
    });
  } else {
    values = parts.map((p) => (p === '' ? null : p));
  }
  if (values.every((v) => v === null)) return { vr };
  return { vr, Value: values };
}

/** PN JSON object (F.2.2): groups split on "=", empty groups omitted. */
export function personName(value: string): PersonNameJson {
  const [a, i, p] = value.split('=');
  const out: PersonNameJson = {};
  if (a) out.Alphabetic = a;
  if (i) out.Ideographic = i;
  if (p) out.Phonetic = p;
  return out;
}

/** Joins a PN JSON object back into the "=" delimited string form. */
export function personNameToString(pn: PersonNameJson): string {
  const groups = [pn.Alphabetic ?? '', pn.Ideographic ?? '', pn.Phonetic ?? ''];
  while (groups.length && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function swapBytes(b: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let o = 0; o + size <= b.length; o += size) for (let k = 0; k < size; k++) out[o + k] = b[o + size - 1 - k]!;
  return out;
}

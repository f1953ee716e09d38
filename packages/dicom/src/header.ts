/**
 * Reading DICOM files/streams with dicom-parser, hardened for an archive's ingest path:
 * - Part 10 files (PS3.10 §7.1: 128-byte preamble, "DICM", File Meta Information in Explicit VR LE),
 *   and also files lacking the preamble, or lacking the whole meta group (raw data sets as written by
 *   many legacy systems): the encoding of a raw data set is sniffed (implicit/explicit VR, LE/BE).
 * - Transfer syntaxes: Implicit VR LE, Explicit VR LE (and every encapsulated syntax, which uses it for
 *   the data set, PS3.5 §A.4), Explicit VR BE (PS3.5 §A.3, retired), Deflated Explicit VR LE (§A.5).
 * - Stops before the top-level Pixel Data by default (dicom-parser `untilTag`), so a header read does
 *   not walk gigabytes of fragments.
 * - Never throws anything but {@link DicomParseError}; enforces element-count, nesting-depth and
 *   inflated-size limits so hostile input can neither hang nor exhaust the stack/memory.
 */
import { inflateRawSync } from 'node:zlib';
import * as dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { decodeText, parseSpecificCharacterSet, type CharacterSet } from './charset';
import { DicomParseError } from './errors';
import { isPrivateCreator, isPrivateTag, isVr, lookupTag, parserTag } from './tags';
import { isValidUid, SopClass, TransferSyntax, transferSyntaxInfo } from './uid';
import { parseIS, splitValues, trimValue } from './values';

export interface ParseOptions {
  /** Stop at the top-level Pixel Data element (7FE0,0010) (default true). Its offset/length are still reported. */
  untilPixelData?: boolean;
  /** Maximum sequence nesting depth (default 64). */
  maxDepth?: number;
  /** Maximum number of data elements, all nesting levels together (default 1,000,000). */
  maxElements?: number;
  /** Maximum size of a deflated data set once inflated (default 1 GiB), against deflate bombs. */
  maxInflatedBytes?: number;
  /**
   * Require SOP Class/Instance, Study and Series Instance UIDs (default true): an archive cannot index an
   * instance without them. With false, missing UIDs are reported as "" plus a warning (for tools/inspection).
   */
  requireUids?: boolean;
  /**
   * Size of the whole object when `input` holds only its first bytes (e.g. what a receiver kept in memory):
   * parsing stops at the pixel data, whose declared length is then checked against this size instead of
   * against the bytes given. Ignored for deflated data sets.
   */
  totalSize?: number;
}

export interface FileMetaInformation {
  transferSyntaxUid?: string;
  mediaStorageSopClassUid?: string;
  mediaStorageSopInstanceUid?: string;
  implementationClassUid?: string;
  implementationVersionName?: string;
  sourceApplicationEntityTitle?: string;
}

export interface PixelDataInfo {
  /** "7FE00010", "7FE00008" (Float Pixel Data) or "7FE00009" (Double Float Pixel Data). */
  tag: string;
  vr: string;
  /** Offset of the value within {@link ParsedDicom.dataSet}'s byteArray. */
  offset: number;
  /** Offset of the value in the input buffer; absent for deflated data sets (offsets refer to the inflated bytes). */
  fileOffset?: number;
  /** Value length; undefined for undefined-length (encapsulated) pixel data when parsing stopped at it. */
  length?: number;
  /** Encapsulated (fragments, PS3.5 §A.4) rather than native. */
  encapsulated: boolean;
}

export interface PatientAttributes {
  patientName?: string;
  patientId?: string;
  issuerOfPatientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  patientAge?: string;
  otherPatientIds?: string[];
}

export interface StudyAttributes {
  studyDate?: string;
  studyTime?: string;
  accessionNumber?: string;
  studyId?: string;
  studyDescription?: string;
  referringPhysicianName?: string;
  institutionName?: string;
  timezoneOffsetFromUtc?: string;
}

export interface SeriesAttributes {
  modality?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  seriesDate?: string;
  seriesTime?: string;
  bodyPartExamined?: string;
  performedProcedureStepStartDate?: string;
  performedProcedureStepStartTime?: string;
  /** Request Attributes Sequence (0040,0275) items, used by QIDO series queries (PS3.18 Table 10.6.1-5). */
  requestAttributes?: Array<{ requestedProcedureId?: string; scheduledProcedureStepId?: string; accessionNumber?: string }>;
  stationName?: string;
  manufacturer?: string;
}

export interface InstanceAttributes {
  instanceNumber?: number;
  contentDate?: string;
  contentTime?: string;
  acquisitionDateTime?: string;
  imageType?: string[];
  numberOfFrames?: number;
  rows?: number;
  columns?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  samplesPerPixel?: number;
  photometricInterpretation?: string;
  /** Title of an encapsulated document / SR (Document Title, 0042,0010) if any. */
  documentTitle?: string;
}

export interface DicomHeader {
  transferSyntaxUid: string;
  /** True when the transfer syntax was not read from the meta information but sniffed from the data. */
  transferSyntaxInferred: boolean;
  hasPreamble: boolean;
  hasFileMeta: boolean;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Specific Character Set (0008,0005) values as found (empty array if absent). */
  specificCharacterSet: string[];
  meta: FileMetaInformation;
  patient: PatientAttributes;
  study: StudyAttributes;
  series: SeriesAttributes;
  instance: InstanceAttributes;
  pixelData?: PixelDataInfo;
  /** Non-fatal problems (invalid IS values, mismatching meta, unknown charset...). */
  warnings: string[];
}

export interface ParsedDicom {
  header: DicomHeader;
  /** The data set (without group 0002), parsed by dicom-parser. */
  dataSet: DataSet;
  /** Meta information elements (group 0002), keyed like dicom-parser ("x00020010"); values live in the input buffer. */
  metaElements: Record<string, Element>;
  characterSet: CharacterSet;
  explicitVr: boolean;
  littleEndian: boolean;
}

const PIXEL_DATA = 'x7fe00010';
const DEFAULTS = { maxDepth: 64, maxElements: 1_000_000, maxInflatedBytes: 1 << 30, requireUids: true };

/** Parses and validates a DICOM buffer; returns the header summary and the dicom-parser data set. */
export function parseDicom(input: Uint8Array, options: ParseOptions = {}): ParsedDicom {
  const opts = { ...DEFAULTS, untilPixelData: true, ...options };
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const warnings: string[] = [];
  if (buf.length < 8) throw new DicomParseError('NOT_DICOM', `Not a DICOM file: only ${buf.length} bytes`);

  // ---- 1. Locate the meta information and the start of the data set -------------------------------
  let hasPreamble = false;
  let metaStart: number | undefined;
  if (buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM') {
    hasPreamble = true;
    metaStart = 132;
  } else if (buf.toString('latin1', 0, 4) === 'DICM') {
    metaStart = 4;
    warnings.push('File has "DICM" but no 128-byte preamble');
  } else if (looksLikeMetaGroup(buf, 0)) {
    metaStart = 0;
    warnings.push('File has File Meta Information but no preamble/"DICM" prefix');
  }

  let metaElements: Record<string, Element> = {};
  let dataStart = 0;
  if (metaStart !== undefined) {
    const meta = readMetaGroup(buf, metaStart);
    metaElements = meta.elements;
    dataStart = meta.end;
  }
  const meta = metaInfo(buf, metaElements);

  // ---- 2. Decide the transfer syntax ----------------------------------------------------------------
  let transferSyntaxUid = meta.transferSyntaxUid;
  let transferSyntaxInferred = false;
  if (transferSyntaxUid !== undefined && transferSyntaxUid !== '') {
    if (!isValidUid(transferSyntaxUid)) {
      throw new DicomParseError('INVALID_TRANSFER_SYNTAX', `Invalid Transfer Syntax UID "${transferSyntaxUid}" in the file meta information`);
    }
    const info = transferSyntaxInfo(transferSyntaxUid);
    if (!info) {
      if (!transferSyntaxUid.startsWith('1.2.840.10008.1.2.')) {
        throw new DicomParseError('INVALID_TRANSFER_SYNTAX', `Unknown Transfer Syntax UID ${transferSyntaxUid}`);
      }
      // PS3.5 §10: every transfer syntax other than Implicit VR LE, Explicit VR BE and the deflated one
      // encodes the data set in Explicit VR LE; only pixel data encoding differs.
      warnings.push(`Unknown transfer syntax ${transferSyntaxUid}; data set read as Explicit VR Little Endian`);
    } else if (!info.deflated && dataStart < buf.length) {
      // Files whose meta declares one encoding while the data set uses another are common; trust the bytes.
      const declared: Encoding = info.bigEndian ? 'explicit-be' : info.explicitVr ? 'explicit-le' : 'implicit-le';
      const sniffed = walk(buf, dataStart, declared, opts.totalSize) === undefined ? sniffEncoding(buf, dataStart) : undefined;
      if (sniffed && sniffed !== declared) {
        warnings.push(`Meta information declares ${info.name} but the data set is encoded as ${sniffed}`);
        transferSyntaxUid = encodingToTs(sniffed);
        transferSyntaxInferred = true;
      }
    }
  } else {
    if (metaStart !== undefined) warnings.push('File meta information lacks Transfer Syntax UID (0002,0010)');
    const sniffed = dataStart < buf.length ? sniffEncoding(buf, dataStart) : undefined;
    if (!sniffed) {
      throw new DicomParseError(
        'NOT_DICOM',
        metaStart === undefined
          ? 'Not a DICOM file: no "DICM" prefix, and the data does not look like a DICOM data set in any transfer syntax'
          : 'File meta information lacks Transfer Syntax UID (0002,0010) and the data set encoding could not be recognised',
      );
    }
    transferSyntaxUid = encodingToTs(sniffed);
    transferSyntaxInferred = true;
  }
  const tsInfo = transferSyntaxInfo(transferSyntaxUid);
  const deflated = tsInfo?.deflated ?? false;
  const explicitVr = tsInfo?.explicitVr ?? true;
  const littleEndian = !(tsInfo?.bigEndian ?? false);

  // ---- 3. Parse the data set with dicom-parser ------------------------------------------------------
  const body = buf.subarray(dataStart);
  if (body.length === 0) throw new DicomParseError('TRUNCATED', 'File ends after the file meta information: the data set is empty');
  let dataSet: DataSet;
  // dicom-parser 1.8 reads OV/SV/UV (64-bit VRs of PS3.5 2019+, e.g. the Extended Offset Table) with a 2-byte
  // length: those element headers are handed over as OB and their VRs restored afterwards.
  const longVrs = explicitVr && !deflated ? relabelLongVrs(body, littleEndian) : undefined;
  try {
    dataSet = dicomParser.parseDicom(longVrs?.bytes ?? body, {
      TransferSyntaxUID: transferSyntaxUid,
      ...(opts.untilPixelData ? { untilTag: PIXEL_DATA } : {}),
      vrCallback: implicitVr,
      inflater: (arr: Uint8Array, position: number) => inflate(arr, position, opts.maxInflatedBytes),
    } as dicomParser.ParseDicomOptions);
  } catch (e) {
    throw wrapParserError(e);
  }
  // dicom-parser's raw-data-set path adds the fake meta element it was given; drop it.
  delete dataSet.elements['x00020010'];
  if (longVrs) restoreLongVrs(dataSet, longVrs.relabelled);

  checkLimits(dataSet, opts.maxDepth, opts.maxElements);

  // ---- 4. Character set, then the header summary -------------------------------------------------------
  const scsRaw = rawString(dataSet, 'x00080005');
  const specificCharacterSet = scsRaw === undefined ? [] : scsRaw.split('\\').map((s) => s.trim());
  const characterSet = parseSpecificCharacterSet(specificCharacterSet);
  if (characterSet.unknown.length) warnings.push(`Unsupported Specific Character Set term(s): ${characterSet.unknown.join(', ')}`);

  const r = new Reader(dataSet, characterSet, explicitVr, warnings);
  const header = buildHeader(r, {
    transferSyntaxUid,
    transferSyntaxInferred,
    hasPreamble,
    hasFileMeta: metaStart !== undefined,
    meta,
    specificCharacterSet,
    warnings,
    dataStart: deflated ? undefined : dataStart,
    requireUids: opts.requireUids,
    bodyLength: deflated ? undefined : Math.max(opts.totalSize ?? 0, buf.length) - dataStart,
    encapsulatedTs: tsInfo?.encapsulated ?? !['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2'].includes(transferSyntaxUid),
  });
  return { header, dataSet, metaElements, characterSet, explicitVr, littleEndian };
}

/** Reads and validates the header of a DICOM instance (see {@link parseDicom}). */
export function readHeader(input: Uint8Array, options: ParseOptions = {}): DicomHeader {
  return parseDicom(input, options).header;
}

// ------------------------------------------------------------------------------------------------------
// Meta information
// ------------------------------------------------------------------------------------------------------

function looksLikeMetaGroup(buf: Buffer, at: number): boolean {
  if (buf.length < at + 8) return false;
  return buf.readUInt16LE(at) === 0x0002 && isVr(buf.toString('latin1', at + 4, at + 6));
}

/** Reads the group 0002 elements (always Explicit VR LE, PS3.10 §7.1) until the first non-0002 tag. */
function readMetaGroup(buf: Buffer, start: number): { elements: Record<string, Element>; end: number } {
  const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, buf, start);
  const elements: Record<string, Element> = {};
  const warnings: string[] = [];
  let count = 0;
  while (stream.position + 8 <= buf.length && buf.readUInt16LE(stream.position) === 0x0002) {
    const at = stream.position;
    if (!isVr(buf.toString('latin1', at + 4, at + 6))) {
      throw new DicomParseError('MALFORMED', `File meta information is not in Explicit VR Little Endian (offset ${at}), as PS3.10 §7.1 requires`);
    }
    let el: Element;
    try {
      el = dicomParser.readDicomElementExplicit(stream, warnings);
    } catch (e) {
      throw wrapParserError(e);
    }
    if (el.length === 0xffffffff || el.dataOffset + el.length > buf.length) {
      throw new DicomParseError('TRUNCATED', `File meta information element (${el.tag.slice(1, 5)},${el.tag.slice(5)}) extends past the end of the file`);
    }
    el.parser = dicomParser.littleEndianByteArrayParser;
    elements[el.tag] = el;
    if (++count > 1000) throw new DicomParseError('LIMIT_EXCEEDED', 'File meta information has more than 1000 elements');
  }
  return { elements, end: stream.position };
}

function metaInfo(buf: Buffer, els: Record<string, Element>): FileMetaInformation {
  const s = (tag: string, vr: string): string | undefined => {
    const el = els[tag];
    if (!el || el.length === 0) return undefined;
    const v = trimValue(vr, buf.toString('latin1', el.dataOffset, el.dataOffset + el.length));
    return v === '' ? undefined : v;
  };
  const out: FileMetaInformation = {};
  const set = <K extends keyof FileMetaInformation>(k: K, v: string | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('transferSyntaxUid', s('x00020010', 'UI'));
  set('mediaStorageSopClassUid', s('x00020002', 'UI'));
  set('mediaStorageSopInstanceUid', s('x00020003', 'UI'));
  set('implementationClassUid', s('x00020012', 'UI'));
  set('implementationVersionName', s('x00020013', 'SH'));
  set('sourceApplicationEntityTitle', s('x00020016', 'AE'));
  return out;
}

// ------------------------------------------------------------------------------------------------------
// Encoding sniffing for raw data sets
// ------------------------------------------------------------------------------------------------------

type Encoding = 'explicit-le' | 'implicit-le' | 'explicit-be';

function encodingToTs(e: Encoding): string {
  return e === 'implicit-le' ? TransferSyntax.ImplicitVRLittleEndian : e === 'explicit-be' ? TransferSyntax.ExplicitVRBigEndian : TransferSyntax.ExplicitVRLittleEndian;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * Guesses the encoding of a data set starting at `at` by walking its first elements under each
 * hypothesis: a hypothesis survives if tags ascend (PS3.5 §7.1), VRs are valid (explicit) and lengths fit.
 * Among survivors, the one whose tags are most often found in the data dictionary wins.
 */
function sniffEncoding(buf: Buffer, at: number): Encoding | undefined {
  let best: { enc: Encoding; score: number } | undefined;
  for (const enc of ['explicit-le', 'implicit-le', 'explicit-be'] as const) {
    const score = walk(buf, at, enc);
    if (score !== undefined && score > 0 && (!best || score > best.score)) best = { enc, score };
  }
  return best?.enc;
}

function walk(buf: Buffer, start: number, enc: Encoding, totalSize = buf.length): number | undefined {
  // With only the head of an object in `buf`, elements may run past it but not past the whole object.
  const end = Math.max(totalSize, buf.length);
  const le = enc !== 'explicit-be';
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  let pos = start;
  let prev = -1;
  let score = 0;
  for (let n = 0; n < 12; n++) {
    if (pos === end) return score;
    if (pos + 8 > buf.length) return pos + 8 > end ? undefined : score;
    const group = u16(pos);
    const element = u16(pos + 2);
    const tag = group * 0x10000 + element;
    if (tag <= prev || group === 0xfffe) return undefined;
    prev = tag;
    let length: number;
    let headerLen = 8;
    if (enc === 'implicit-le') {
      length = u32(pos + 4);
    } else {
      const vr = buf.toString('latin1', pos + 4, pos + 6);
      if (!isVr(vr)) return undefined;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > buf.length) return pos + 12 > end ? undefined : score;
        length = u32(pos + 8);
        headerLen = 12;
      } else {
        length = u16(pos + 6);
      }
    }
    const hex = tag.toString(16).toUpperCase().padStart(8, '0');
    if (lookupTag(hex)?.keyword) score++;
    if (length === 0xffffffff) return score; // undefined length: cannot skip cheaply, evidence so far suffices
    if (pos + headerLen + length > end) return undefined;
    pos += headerLen + length;
    if (pos > buf.length) return score;
  }
  return score;
}

// ------------------------------------------------------------------------------------------------------
// dicom-parser glue
// ------------------------------------------------------------------------------------------------------

const VRS_64 = new Set(['OV', 'SV', 'UV']);

/**
 * Explicit VR data sets with OV/SV/UV elements: a copy whose element headers say OB instead (same layout:
 * 2 reserved bytes, 4-byte length), plus the offsets relabelled. Found by walking the element structure,
 * sequences included, so bytes inside values are never touched; undefined when there is nothing to relabel
 * (the usual case costs one byte search).
 */
function relabelLongVrs(body: Buffer, le: boolean): { bytes: Buffer; relabelled: Map<number, string> } | undefined {
  // Cheap pre-check: every such element header holds "OV", "SV" or "UV" followed by two zero bytes.
  if (body.indexOf('V\0\0', 0, 'latin1') < 0) return undefined;
  const relabelled = new Map<number, string>();
  const u16 = (o: number) => (le ? body.readUInt16LE(o) : body.readUInt16BE(o));
  const u32 = (o: number) => (le ? body.readUInt32LE(o) : body.readUInt32BE(o));
  const UNDEFINED = 0xffffffff;
  // Returns where the walk stopped: the end, a delimiter (FFFE,xxxx) for the caller, or -1 when it cannot go on.
  const elements = (pos: number, end: number, depth: number): number => {
    while (pos + 8 <= end) {
      const group = u16(pos);
      if (group === 0xfffe) return pos;
      const element = u16(pos + 2);
      const vr = body.toString('latin1', pos + 4, pos + 6);
      let length: number;
      let header: number;
      if (LONG_VRS.has(vr)) {
        if (pos + 12 > end) return -1;
        length = u32(pos + 8);
        header = 12;
        if (VRS_64.has(vr)) relabelled.set(pos + 4, vr);
      } else if (isVr(vr)) {
        length = u16(pos + 6);
        header = 8;
      } else {
        return -1;
      }
      const value = pos + header;
      if (group === 0x7fe0 && element === 0x0010) return end; // pixel data: nothing to relabel beyond it
      if (vr === 'SQ') {
        const stop = items(value, length === UNDEFINED ? end : Math.min(end, value + length), length === UNDEFINED, depth + 1);
        if (stop < 0) return -1;
        pos = length === UNDEFINED ? stop : value + length;
      } else {
        if (length === UNDEFINED) return -1; // UN of undefined length holds Implicit VR data: not walked
        pos = value + length;
      }
    }
    return pos;
  };
  const items = (pos: number, end: number, undefinedLength: boolean, depth: number): number => {
    if (depth > 64) return -1;
    while (pos + 8 <= end) {
      if (u16(pos) !== 0xfffe) return -1;
      const el = u16(pos + 2);
      const length = u32(pos + 4);
      if (el === 0xe0dd) return pos + 8; // sequence delimitation
      if (el !== 0xe000) return -1;
      if (length === UNDEFINED) {
        const stop = elements(pos + 8, end, depth);
        if (stop < 0 || stop + 8 > end || u16(stop) !== 0xfffe || u16(stop + 2) !== 0xe00d) return -1;
        pos = stop + 8;
      } else {
        if (elements(pos + 8, Math.min(end, pos + 8 + length), depth) < 0) return -1;
        pos += 8 + length;
      }
    }
    return undefinedLength ? -1 : pos;
  };
  elements(0, body.length, 0);
  if (!relabelled.size) return undefined;
  const bytes = Buffer.from(body);
  for (const at of relabelled.keys()) bytes.write('OB', at, 'latin1');
  return { bytes, relabelled };
}

/** Gives relabelled elements (found by their header position: value offset - 8) their real VR back. */
function restoreLongVrs(ds: DataSet, relabelled: Map<number, string>): void {
  for (const el of Object.values(ds.elements)) {
    const vr = relabelled.get(el.dataOffset - 8);
    if (vr && el.vr === 'OB') el.vr = vr;
    for (const item of el.items ?? []) if (item.dataSet) restoreLongVrs(item.dataSet, relabelled);
  }
}

/** VR lookup for Implicit VR parsing: dictionary VR, or undefined for unknown/private so dicom-parser peeks for items. */
function implicitVr(tag: string): string {
  const hex = tag.slice(1).toUpperCase();
  if (isPrivateTag(hex) && !isPrivateCreator(hex)) return undefined as unknown as string;
  return (lookupTag(hex)?.vr ?? undefined) as string;
}

function inflate(arr: Uint8Array, pos: number | undefined, maxBytes: number): Uint8Array {
  // dicom-parser passes `undefined` as position when it parses a raw data set (our case): start at 0.
  const position = pos ?? 0;
  try {
    const inflated = inflateRawSync(arr.subarray(position), { maxOutputLength: maxBytes });
    const out = Buffer.alloc(position + inflated.length);
    Buffer.from(arr.buffer, arr.byteOffset, position).copy(out, 0);
    inflated.copy(out, position);
    return out;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxOutputLength|buffer/i.test(msg) && /exceed|larger|than/i.test(msg)) {
      throw new DicomParseError('LIMIT_EXCEEDED', `Deflated data set inflates to more than ${maxBytes} bytes`);
    }
    throw new DicomParseError('MALFORMED', `Deflated data set cannot be inflated: ${msg}`, { cause: e });
  }
}

function wrapParserError(e: unknown): DicomParseError {
  if (e instanceof DicomParseError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new DicomParseError('LIMIT_EXCEEDED', 'Data set is nested too deeply to be parsed (sequence nesting exhausted the stack)', { cause: e });
  }
  // dicom-parser throws strings, Errors, or {exception, dataSet}.
  let inner: unknown = e;
  if (inner && typeof inner === 'object' && 'exception' in inner) inner = (inner as { exception: unknown }).exception;
  if (inner instanceof DicomParseError) return inner;
  if (inner instanceof RangeError && /call stack/i.test(inner.message)) {
    return new DicomParseError('LIMIT_EXCEEDED', 'Data set is nested too deeply to be parsed (sequence nesting exhausted the stack)', { cause: e });
  }
  const msg = inner instanceof Error ? inner.message : String(inner);
  if (/overrun|eof|beyond|outside the bounds|out of range|past the end|end of buffer|Offset is outside/i.test(msg)) {
    return new DicomParseError('TRUNCATED', `File is truncated or an element length is corrupt: ${msg}`, { cause: e });
  }
  return new DicomParseError('MALFORMED', `Malformed DICOM data: ${msg}`, { cause: e });
}

function checkLimits(root: DataSet, maxDepth: number, maxElements: number): void {
  let count = 0;
  // Iterative walk: the depth check itself must not recurse on hostile input.
  const stack: Array<{ ds: DataSet; depth: number }> = [{ ds: root, depth: 0 }];
  while (stack.length) {
    const { ds, depth } = stack.pop()!;
    if (depth > maxDepth) throw new DicomParseError('LIMIT_EXCEEDED', `Sequences are nested more than ${maxDepth} levels deep`);
    for (const key in ds.elements) {
      if (++count > maxElements) throw new DicomParseError('LIMIT_EXCEEDED', `Data set has more than ${maxElements} elements`);
      const items = ds.elements[key]!.items;
      if (items) for (const it of items) if (it.dataSet) stack.push({ ds: it.dataSet, depth: depth + 1 });
    }
  }
}

function rawString(ds: DataSet, tag: string): string | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.length === 0xffffffff) return undefined;
  return Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length).toString('latin1');
}

/** Typed access to a data set's values with the right VR handling and character set. */
class Reader {
  constructor(
    readonly ds: DataSet,
    readonly charset: CharacterSet,
    readonly explicitVr: boolean,
    readonly warnings: string[],
  ) {}

  vr(tag: string): string | undefined {
    const el = this.ds.elements[parserTag(tag)];
    return (this.explicitVr ? el?.vr : undefined) ?? el?.vr ?? lookupTag(tag)?.vr;
  }

  /** Full decoded value (multi-values still joined by "\"), padding trimmed; undefined if absent/empty. */
  text(keywordTag: string): string | undefined {
    const tag = lookupTag(keywordTag)!.tag;
    const el = this.ds.elements[parserTag(tag)];
    if (!el || el.length === 0 || el.length === 0xffffffff) return undefined;
    if (el.dataOffset + el.length > this.ds.byteArray.length) return undefined;
    const vr = this.vr(tag) ?? 'UN';
    const bytes = this.ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const decoded = decodeText(bytes, this.charset, vr);
    const trimmed = vr === 'PN' || vr === 'LO' || vr === 'SH' || vr === 'CS' || vr === 'UI' || vr === 'AE' || vr === 'DA' || vr === 'TM' || vr === 'DT' || vr === 'IS' || vr === 'DS' || vr === 'AS'
      ? splitValues(vr, decoded).join('\\')
      : trimValue(vr, decoded);
    return trimmed === '' ? undefined : trimmed;
  }

  first(keywordTag: string): string | undefined {
    const t = this.text(keywordTag);
    if (t === undefined) return undefined;
    const v = t.split('\\')[0];
    return v === '' ? undefined : v;
  }

  list(keywordTag: string): string[] | undefined {
    const t = this.text(keywordTag);
    return t === undefined ? undefined : t.split('\\');
  }

  int(keywordTag: string): number | undefined {
    const info = lookupTag(keywordTag)!;
    const vr = this.vr(info.tag);
    const ptag = parserTag(info.tag);
    const el = this.ds.elements[ptag];
    if (!el || el.length === 0) return undefined;
    if (vr === 'US') return el.length >= 2 ? this.ds.uint16(ptag) : undefined;
    if (vr === 'UL') return el.length >= 4 ? this.ds.uint32(ptag) : undefined;
    if (vr === 'SS') return el.length >= 2 ? this.ds.int16(ptag) : undefined;
    if (vr === 'SL') return el.length >= 4 ? this.ds.int32(ptag) : undefined;
    const s = this.first(keywordTag);
    if (s === undefined) return undefined;
    const n = parseIS(s);
    if (n === undefined) this.warnings.push(`Invalid ${vr ?? 'IS'} value "${s}" in ${info.keyword ?? info.tag}; ignored`);
    return n;
  }
}

function buildHeader(
  r: Reader,
  ctx: {
    transferSyntaxUid: string;
    transferSyntaxInferred: boolean;
    hasPreamble: boolean;
    hasFileMeta: boolean;
    meta: FileMetaInformation;
    specificCharacterSet: string[];
    warnings: string[];
    dataStart: number | undefined;
    /** Bytes of the data set in the whole object (beyond the input when only its head was given); undefined when deflated. */
    bodyLength: number | undefined;
    encapsulatedTs: boolean;
    requireUids: boolean;
  },
): DicomHeader {
  const { warnings, meta } = ctx;
  const sopClassUid = r.first('SOPClassUID') ?? meta.mediaStorageSopClassUid;
  const sopInstanceUid = r.first('SOPInstanceUID') ?? meta.mediaStorageSopInstanceUid;
  const studyInstanceUid = r.first('StudyInstanceUID');
  const seriesInstanceUid = r.first('SeriesInstanceUID');

  if (sopClassUid === SopClass.MediaStorageDirectoryStorage && ctx.requireUids) {
    throw new DicomParseError('MISSING_UID', 'File is a DICOMDIR (Media Storage Directory), not a composite instance: it has no Study/Series/SOP Instance UIDs of its own');
  }
  const missing: string[] = [];
  if (!sopInstanceUid) missing.push('SOP Instance UID (0008,0018)');
  if (!sopClassUid) missing.push('SOP Class UID (0008,0016)');
  if (!studyInstanceUid) missing.push('Study Instance UID (0020,000D)');
  if (!seriesInstanceUid) missing.push('Series Instance UID (0020,000E)');
  if (missing.length) {
    if (ctx.requireUids) throw new DicomParseError('MISSING_UID', `Missing required ${missing.join(', ')}`);
    warnings.push(`Missing ${missing.join(', ')}`);
  }
  for (const [name, uid] of [['SOP Instance UID', sopInstanceUid], ['SOP Class UID', sopClassUid], ['Study Instance UID', studyInstanceUid], ['Series Instance UID', seriesInstanceUid]] as const) {
    if (uid === undefined) continue;
    if (uid.length > 64 || !/^[0-9.]+$/.test(uid)) {
      throw new DicomParseError('MISSING_UID', `${name} "${uid.slice(0, 80)}" is not a UID (PS3.5 §9.1: digits and dots, at most 64 characters)`);
    }
    if (!isValidUid(uid)) warnings.push(`${name} ${uid} does not conform to PS3.5 §9.1 (accepted as is)`);
  }
  if (meta.mediaStorageSopInstanceUid && meta.mediaStorageSopInstanceUid !== sopInstanceUid) {
    warnings.push(`Media Storage SOP Instance UID ${meta.mediaStorageSopInstanceUid} differs from SOP Instance UID ${sopInstanceUid}`);
  }

  const opt = <T>(o: T): T => {
    for (const k of Object.keys(o as object)) if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k];
    return o;
  };

  const patient: PatientAttributes = opt({
    patientName: r.text('PatientName'),
    patientId: r.text('PatientID'),
    issuerOfPatientId: r.text('IssuerOfPatientID'),
    patientBirthDate: r.first('PatientBirthDate'),
    patientSex: r.first('PatientSex'),
    patientAge: r.first('PatientAge'),
    otherPatientIds: r.list('OtherPatientIDs'),
  });
  const study: StudyAttributes = opt({
    studyDate: r.first('StudyDate'),
    studyTime: r.first('StudyTime'),
    accessionNumber: r.text('AccessionNumber'),
    studyId: r.text('StudyID'),
    studyDescription: r.text('StudyDescription'),
    referringPhysicianName: r.text('ReferringPhysicianName'),
    institutionName: r.text('InstitutionName'),
    timezoneOffsetFromUtc: r.first('TimezoneOffsetFromUTC'),
  });
  const requestAttributes = readRequestAttributes(r);
  const series: SeriesAttributes = opt({
    modality: r.first('Modality'),
    seriesNumber: r.int('SeriesNumber'),
    seriesDescription: r.text('SeriesDescription'),
    seriesDate: r.first('SeriesDate'),
    seriesTime: r.first('SeriesTime'),
    bodyPartExamined: r.first('BodyPartExamined'),
    performedProcedureStepStartDate: r.first('PerformedProcedureStepStartDate'),
    performedProcedureStepStartTime: r.first('PerformedProcedureStepStartTime'),
    requestAttributes: requestAttributes.length ? requestAttributes : undefined,
    stationName: r.text('StationName'),
    manufacturer: r.text('Manufacturer'),
  });
  const instance: InstanceAttributes = opt({
    instanceNumber: r.int('InstanceNumber'),
    contentDate: r.first('ContentDate'),
    contentTime: r.first('ContentTime'),
    acquisitionDateTime: r.first('AcquisitionDateTime'),
    imageType: r.list('ImageType'),
    numberOfFrames: r.int('NumberOfFrames'),
    rows: r.int('Rows'),
    columns: r.int('Columns'),
    bitsAllocated: r.int('BitsAllocated'),
    bitsStored: r.int('BitsStored'),
    pixelRepresentation: r.int('PixelRepresentation'),
    samplesPerPixel: r.int('SamplesPerPixel'),
    photometricInterpretation: r.first('PhotometricInterpretation'),
    documentTitle: r.text('DocumentTitle'),
  });

  const pixelData = readPixelDataInfo(r, ctx, instance);
  const header: DicomHeader = {
    transferSyntaxUid: ctx.transferSyntaxUid,
    transferSyntaxInferred: ctx.transferSyntaxInferred,
    hasPreamble: ctx.hasPreamble,
    hasFileMeta: ctx.hasFileMeta,
    sopClassUid: sopClassUid ?? '',
    sopInstanceUid: sopInstanceUid ?? '',
    studyInstanceUid: studyInstanceUid ?? '',
    seriesInstanceUid: seriesInstanceUid ?? '',
    specificCharacterSet: ctx.specificCharacterSet,
    meta,
    patient,
    study,
    series,
    instance,
    warnings,
  };
  if (pixelData) header.pixelData = pixelData;
  return header;
}

function readRequestAttributes(r: Reader): NonNullable<SeriesAttributes['requestAttributes']> {
  const el = r.ds.elements['x00400275'];
  const out: NonNullable<SeriesAttributes['requestAttributes']> = [];
  for (const item of el?.items ?? []) {
    if (!item.dataSet) continue;
    // Items may carry their own Specific Character Set; PS3.5 §6.1.2.3 lets it differ per item. Rare here.
    const ir = new Reader(item.dataSet, r.charset, r.explicitVr, r.warnings);
    const o: { requestedProcedureId?: string; scheduledProcedureStepId?: string; accessionNumber?: string } = {};
    const rp = ir.text('RequestedProcedureID');
    const sps = ir.text('ScheduledProcedureStepID');
    const acc = ir.text('AccessionNumber');
    if (rp !== undefined) o.requestedProcedureId = rp;
    if (sps !== undefined) o.scheduledProcedureStepId = sps;
    if (acc !== undefined) o.accessionNumber = acc;
    out.push(o);
  }
  return out;
}

/**
 * Locates the pixel data and checks it against the image dimensions, rejecting truncated files and
 * dimensions the file cannot possibly hold (PS3.5 §8.1.1: native pixel data length is
 * Rows x Columns x Samples x Frames x BitsAllocated / 8, rounded up to even length).
 */
function readPixelDataInfo(
  r: Reader,
  ctx: { dataStart: number | undefined; bodyLength: number | undefined; encapsulatedTs: boolean; warnings: string[] },
  inst: InstanceAttributes,
): PixelDataInfo | undefined {
  const candidates: Array<[string, string]> = [['x7fe00010', '7FE00010'], ['x7fe00008', '7FE00008'], ['x7fe00009', '7FE00009']];
  const found = candidates.find(([k]) => r.ds.elements[k]);
  if (!found) return undefined;
  const [key, tag] = found;
  const el = r.ds.elements[key]!;
  const undefinedLength = el.length === 0xffffffff || el.hadUndefinedLength === true;
  const encapsulated = tag === '7FE00010' && (undefinedLength || el.encapsulatedPixelData === true);
  const vr = el.vr ?? (tag === '7FE00008' ? 'OF' : tag === '7FE00009' ? 'OD' : 'OW');
  const total = ctx.bodyLength ?? r.ds.byteArray.length;

  const info: PixelDataInfo = { tag, vr, offset: el.dataOffset, encapsulated };
  if (ctx.dataStart !== undefined) info.fileOffset = ctx.dataStart + el.dataOffset;
  if (!undefinedLength) info.length = el.length;

  if (encapsulated !== ctx.encapsulatedTs && tag === '7FE00010') {
    ctx.warnings.push(
      encapsulated ? 'Pixel Data is encapsulated although the transfer syntax is native' : 'Pixel Data has a defined length although the transfer syntax is encapsulated (PS3.5 §A.4 requires undefined length)',
    );
  }

  if (!undefinedLength && el.dataOffset + el.length > total) {
    throw new DicomParseError(
      'TRUNCATED',
      `File is truncated: Pixel Data (${tag.slice(0, 4)},${tag.slice(4)}) declares ${el.length} bytes but only ${Math.max(0, total - el.dataOffset)} remain`,
    );
  }

  const rows = inst.rows ?? 0;
  const cols = inst.columns ?? 0;
  const frames = inst.numberOfFrames ?? 1;
  const spp = inst.samplesPerPixel ?? 1;
  const bits = tag === '7FE00008' ? 32 : tag === '7FE00009' ? 64 : (inst.bitsAllocated ?? 0);
  if (el.length === 0) return info;
  if (rows <= 0 || cols <= 0) {
    throw new DicomParseError('ABSURD_DIMENSIONS', `Image has pixel data but Rows=${inst.rows ?? 'absent'} and Columns=${inst.columns ?? 'absent'}`);
  }
  if (!(bits === 1 || (bits % 8 === 0 && bits >= 8 && bits <= 64))) {
    throw new DicomParseError('ABSURD_DIMENSIONS', `Bits Allocated = ${inst.bitsAllocated ?? 'absent'} is not 1 or a multiple of 8 up to 64`);
  }
  if (frames < 1) throw new DicomParseError('ABSURD_DIMENSIONS', `Number of Frames = ${frames} is not positive`);
  if (spp < 1 || spp > 4) throw new DicomParseError('ABSURD_DIMENSIONS', `Samples per Pixel = ${spp} is not between 1 and 4`);

  if (!encapsulated) {
    // YBR_FULL_422 / YBR_PARTIAL_422 native data is subsampled horizontally: 2 samples per pixel on average (PS3.3 C.7.6.3.1.2).
    const pi = inst.photometricInterpretation ?? '';
    const samples = spp === 3 && /_422$/.test(pi) ? 2 : spp;
    const expected = Math.ceil((rows * cols * frames * samples * bits) / 8);
    if (expected > el.length) {
      throw new DicomParseError(
        'ABSURD_DIMENSIONS',
        `Pixel Data holds ${el.length} bytes but Rows ${rows} x Columns ${cols} x Frames ${frames} x Samples ${spp} x ${bits} bits need ${expected}`,
      );
    }
  } else {
    // Each frame needs at least one 8-byte item header; more frames than that cannot fit in the file.
    if (frames > total / 8) {
      throw new DicomParseError('ABSURD_DIMENSIONS', `Number of Frames = ${frames} cannot fit in a ${total}-byte file`);
    }
  }
  return info;
}

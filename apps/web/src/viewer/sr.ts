/**
 * Measurements <-> DICOM Structured Report (TID 1500 Measurement Report), through the Cornerstone3D
 * adapters of @cornerstonejs/adapters (dcmjs underneath).
 *
 * - `annotationsToReport` turns Cornerstone annotations (each bound to one image by its image id) into a
 *   naturalized Enhanced SR data set; `reportToPart10` writes it as a DICOM Part 10 file for STOW-RS.
 * - `reportToAnnotations` reads a TID 1500 SR back into annotations bound to the image ids given by a
 *   `SOPInstanceUID:frame -> imageId` map.
 * - The adapters read image geometry through Cornerstone's metaData (`imagePlaneModule`, from the wadors
 *   metadata) and two modules the image loader does not provide: `instance` (the referenced image's data
 *   set, for the study / patient / series attributes copied into the SR) and `frameNumber`. `registerInstances`
 *   feeds those from the series metadata the viewer already loaded.
 *
 * Adapters for tools without one upstream are defined here: free text (`Label`, a point with a comment).
 * RectangleROI and PlanarFreehandROI are extended to also store the minimum (upstream stores mean, max and
 * std dev only).
 */
import { metaData, utilities as csUtils } from '@cornerstonejs/core';
import dcmjs, { type NaturalDataset } from 'dcmjs';
import MeasurementReport from '@cornerstonejs/adapters/cornerstone3D/MeasurementReport';
import '@cornerstonejs/adapters/cornerstone3D/Length';
import '@cornerstonejs/adapters/cornerstone3D/Angle';
import '@cornerstonejs/adapters/cornerstone3D/CobbAngle';
import '@cornerstonejs/adapters/cornerstone3D/EllipticalROI';
import '@cornerstonejs/adapters/cornerstone3D/Bidirectional';
import '@cornerstonejs/adapters/cornerstone3D/ArrowAnnotate';
import { RectangleROI } from '@cornerstonejs/adapters/cornerstone3D/RectangleROI';
import PlanarFreehandROI from '@cornerstonejs/adapters/cornerstone3D/PlanarFreehandROI';
import Probe from '@cornerstonejs/adapters/cornerstone3D/Probe';
import { instanceEntry, type JsonDataset } from './instanceRegistry';

export { frameOfImageId, registerInstances, sopFrameMap } from './instanceRegistry';

const { DicomMetaDictionary, DicomMessage } = dcmjs.data;

/** Tool names saved in and restored from a Measurement Report. */
export const SR_TOOL_NAMES = [
  'Length',
  'Angle',
  'CobbAngle',
  'EllipticalROI',
  'RectangleROI',
  'PlanarFreehandROI',
  'Probe',
  'Bidirectional',
  'ArrowAnnotate',
  'Label',
] as const;

export const SR_SERIES_DESCRIPTION = 'Axial measurements';
export const ENHANCED_SR = '1.2.840.10008.5.1.4.1.1.88.22';
export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';

/** The subset of a Cornerstone annotation the conversion reads and writes. */
export interface SrAnnotation {
  annotationUID?: string;
  metadata: { toolName: string; referencedImageId?: string; FrameOfReferenceUID?: string; [k: string]: unknown };
  data: {
    handles?: { points?: number[][]; [k: string]: unknown };
    cachedStats?: Record<string, Record<string, unknown>>;
    text?: string;
    label?: string;
    contour?: { polyline: number[][]; closed?: boolean };
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------
// Adapters added / extended here

type AdapterStatics = {
  getTID300RepresentationArguments(tool: SrAnnotation, is3D?: boolean): Record<string, unknown>;
};

/** The upstream TID 300 arguments plus `min` (dcmjs' TID 300 polyline writes a Minimum row when given one). */
function withMin<A>(args: A, tool: SrAnnotation): A & { min?: number } {
  const out = args as A & { min?: number };
  const stats = tool.data.cachedStats?.[`imageId:${tool.metadata.referencedImageId}`];
  if (typeof stats?.min === 'number') out.min = stats.min;
  return out;
}
class RectangleROIWithMin extends RectangleROI {
  static getTID300RepresentationArguments(tool: SrAnnotation, is3D = false): ReturnType<typeof RectangleROI.getTID300RepresentationArguments> & { min?: number } {
    return withMin((RectangleROI as unknown as AdapterStatics).getTID300RepresentationArguments(tool, is3D) as ReturnType<typeof RectangleROI.getTID300RepresentationArguments>, tool);
  }
}
class PlanarFreehandROIWithMin extends PlanarFreehandROI {
  static getTID300RepresentationArguments(tool: SrAnnotation, is3D = false): ReturnType<typeof PlanarFreehandROI.getTID300RepresentationArguments> & { min?: number } {
    return withMin((PlanarFreehandROI as unknown as AdapterStatics).getTID300RepresentationArguments(tool, is3D) as ReturnType<typeof PlanarFreehandROI.getTID300RepresentationArguments>, tool);
  }
}

/** Free text (Cornerstone's LabelTool): a TID 300 point whose text is the measurement group's comment. */
class LabelAdapter extends Probe {}

let adaptersReady = false;
function ensureAdapters(): void {
  ensureInstanceProvider();
  if (adaptersReady) return;
  adaptersReady = true;
  MeasurementReport.registerTool(RectangleROIWithMin as never, true);
  MeasurementReport.registerTool(PlanarFreehandROIWithMin as never, true);
  const pointRepresentation = (Probe as unknown as { TID300Representation: unknown }).TID300Representation;
  (LabelAdapter as unknown as { init(t: string, r: unknown): void }).init('Label', pointRepresentation);
}

// ---------------------------------------------------------------------------------------------------
// Metadata the adapters need

const naturalized = new WeakMap<JsonDataset, NaturalDataset>();
const BINARY_VR = /^(OB|OD|OF|OL|OV|OW|UN)$/;
let providerAdded = false;

/** Naturalizes the public, non-binary, non-sequence attributes of a DICOM JSON instance data set. */
export function naturalizeInstance(json: JsonDataset): NaturalDataset {
  const slim: Record<string, unknown> = {};
  for (const [tag, el] of Object.entries(json)) {
    if (!el || BINARY_VR.test(el.vr) || el.vr === 'SQ' || el.InlineBinary || el.BulkDataURI) continue;
    if (!/^[0-9A-F]{8}$/i.test(tag) || tag.startsWith('0002')) continue;
    if (parseInt(tag.slice(0, 4), 16) % 2 === 1) continue; // private
    slim[tag] = el;
  }
  return DicomMetaDictionary.naturalizeDataset(slim);
}

/**
 * Cornerstone metaData answers `instance` (naturalized attributes of the image's instance, once per
 * instance, on first use) and `frameNumber` for the images in the instance registry.
 */
export function ensureInstanceProvider(): void {
  if (providerAdded) return;
  providerAdded = true;
  metaData.addProvider((type: string, imageId: string) => {
    if (type !== 'instance' && type !== 'frameNumber') return undefined;
    const e = instanceEntry(imageId);
    if (!e) return undefined;
    if (type === 'frameNumber') return e.frame;
    let ds = naturalized.get(e.json);
    if (!ds) {
      ds = naturalizeInstance(e.json);
      naturalized.set(e.json, ds);
    }
    return ds;
  }, 50);
}

// ---------------------------------------------------------------------------------------------------
// Annotations -> SR

export interface ReportOptions {
  /** Person Observer Name (PN, e.g. `Doe^Jane`). */
  observer?: string;
  seriesInstanceUid?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  sopInstanceUid?: string;
  /**
   * With no annotations: write an empty report (no measurement groups) about this image's study, which
   * supersedes the previous report (every measurement was deleted).
   */
  emptyReportImageId?: string;
}

/** Arrow and free-text annotations keep their text in `data.text`; the adapters write `data.label`. */
function forReport(a: SrAnnotation): SrAnnotation {
  const text = a.data.text ?? a.data.label;
  return text ? { ...a, data: { ...a.data, label: text } } : a;
}

/**
 * The naturalized TID 1500 Enhanced SR for `annotations` (all in one study). Annotations of tools without an
 * adapter, or not bound to an image, are skipped.
 */
export function annotationsToReport(annotations: readonly SrAnnotation[], options: ReportOptions = {}): NaturalDataset {
  ensureAdapters();
  const toolState: Record<string, Record<string, { data: SrAnnotation[] }>> = {};
  for (const a of annotations) {
    const imageId = a.metadata.referencedImageId;
    const tool = a.metadata.toolName;
    if (!imageId || !(SR_TOOL_NAMES as readonly string[]).includes(tool)) continue;
    ((toolState[imageId] ??= {})[tool] ??= { data: [] }).data.push(forReport(a));
  }
  if (!Object.keys(toolState).length) {
    if (!options.emptyReportImageId) throw new Error('There are no measurements to save.');
    toolState[options.emptyReportImageId] = {};
  }
  const report = MeasurementReport.generateReport(toolState, metaData, {
    PersonName: options.observer || 'unknown^unknown',
    SeriesDescription: SR_SERIES_DESCRIPTION,
    SeriesNumber: String(options.seriesNumber ?? 9901),
    SeriesInstanceUID: options.seriesInstanceUid,
    SOPInstanceUID: options.sopInstanceUid,
    InstanceNumber: options.instanceNumber ?? 1,
    Manufacturer: 'Axial',
    ManufacturerModelName: 'Axial viewer',
    SoftwareVersions: '0.1',
  }) as { dataset: NaturalDataset };
  const ds = report.dataset;
  ds.SpecificCharacterSet = 'ISO_IR 192';
  ds.InstanceNumber = options.instanceNumber ?? 1;
  ds.ContentQualification = 'PRODUCT';
  delete ds.ImageComments;
  ds._meta = { TransferSyntaxUID: { Value: ['1.2.840.10008.1.2.1'], vr: 'UI' } };
  return ds;
}

/** A naturalized data set as a DICOM Part 10 file (explicit VR little endian). */
export function datasetToPart10(ds: NaturalDataset): ArrayBuffer {
  return dcmjs.data.datasetToDict(ds).write();
}

/** Removes the nulls dcmjs makes of empty sequences / items in DICOM JSON (an SQ element without "Value"). */
function dropNullItems(v: unknown): unknown {
  if (Array.isArray(v)) {
    const kept = v.filter((x) => x !== null && x !== undefined);
    for (let i = 0; i < kept.length; i++) kept[i] = dropNullItems(kept[i]);
    if (kept.length !== v.length) {
      v.length = 0;
      v.push(...kept);
    } else for (let i = 0; i < v.length; i++) v[i] = kept[i];
    return v;
  }
  if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (o[k] === null) delete o[k]; // an empty sequence sent without "Value"
      else o[k] = dropNullItems(o[k]);
    }
  }
  return v;
}

/** A DICOM JSON data set (e.g. WADO-RS instance metadata) as a naturalized data set. */
export function jsonToDataset(json: Record<string, unknown>): NaturalDataset {
  return dropNullItems(DicomMetaDictionary.naturalizeDataset(json)) as NaturalDataset;
}

/** Reads a Part 10 file into a naturalized data set. */
export function part10ToDataset(buffer: ArrayBuffer): NaturalDataset {
  const dict = DicomMessage.readFile(buffer);
  const ds = DicomMetaDictionary.naturalizeDataset(dict.dict);
  ds._meta = DicomMetaDictionary.naturalizeDataset(dict.meta);
  return ds;
}

// ---------------------------------------------------------------------------------------------------
// SR -> annotations

export function isMeasurementReport(ds: NaturalDataset): boolean {
  const tpl = ds.ContentTemplateSequence as { TemplateIdentifier?: string } | Array<{ TemplateIdentifier?: string }> | undefined;
  const first = Array.isArray(tpl) ? tpl[0] : tpl;
  return ds.Modality === 'SR' && first?.TemplateIdentifier === '1500';
}

/**
 * Annotations of a TID 1500 report whose referenced images are in `sopToImageId`
 * (`SOPInstanceUID:frame -> imageId`); measurements on other images are skipped.
 */
export function reportToAnnotations(ds: NaturalDataset, sopToImageId: Record<string, string>): SrAnnotation[] {
  ensureAdapters();
  if (!isMeasurementReport(ds)) return [];
  if (!measurementValues(ds).length) return []; // an empty report: every measurement was deleted
  const shown = withOpenImagesOnly(ds, sopToImageId);
  if (!shown) return [];
  const byTool = MeasurementReport.generateToolState(shown, sopToImageId, metaData, undefined) as Record<string, Array<{ annotation: SrAnnotation }>>;
  const out: SrAnnotation[] = [];
  for (const [toolName, states] of Object.entries(byTool)) {
    for (const state of states) {
      const a = state.annotation;
      if (!a?.metadata?.referencedImageId) continue;
      a.metadata.toolName = toolName;
      if ((toolName === 'ArrowAnnotate' || toolName === 'Label') && a.data.label && !a.data.text) a.data.text = a.data.label;
      if (toolName === 'EllipticalROI') orderEllipsePoints(a);
      a.highlighted = false;
      // Handles show only while one is being dragged (the adapters restore index 0, which draws them all).
      if (a.data.handles) a.data.handles.activeHandleIndex = null;
      a.invalidated = true;
      a.isLocked = false;
      a.isVisible = true;
      out.push(a);
    }
  }
  return out;
}

/**
 * Cornerstone's EllipticalROITool reads its four handles as [bottom, top, left, right] (image rows / columns);
 * the SR stores the major axis first, so a restored ellipse is put back in that order (otherwise a circle
 * reads as a zero-size ellipse). Only axis-aligned ellipses (the tool draws no other) are reordered.
 */
export function orderEllipsePoints(a: SrAnnotation): void {
  const pts = a.data.handles?.points;
  const imageId = a.metadata.referencedImageId;
  if (!pts || pts.length !== 4 || !imageId) return;
  const img = pts.map((p) => csUtils.worldToImageCoords(imageId, p as [number, number, number]) as number[]);
  const pairs: Array<[number, number]> = [
    [0, 1],
    [2, 3],
  ];
  // The vertical pair differs more in rows than in columns.
  const dRow = ([i, j]: [number, number]) => Math.abs(img[i][1] - img[j][1]) - Math.abs(img[i][0] - img[j][0]);
  const [vertical, horizontal] = dRow(pairs[0]) >= dRow(pairs[1]) ? [pairs[0], pairs[1]] : [pairs[1], pairs[0]];
  const [top, bottom] = img[vertical[0]][1] <= img[vertical[1]][1] ? vertical : [vertical[1], vertical[0]];
  const [left, right] = img[horizontal[0]][0] <= img[horizontal[1]][0] ? horizontal : [horizontal[1], horizontal[0]];
  a.data.handles!.points = [pts[bottom], pts[top], pts[left], pts[right]];
}

/** Value of one NUM content item (by concept meaning) of each measurement group — for tests and summaries. */
/** A naturalized sequence (dcmjs gives a single item as an object): always an array. */
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
/** A content item of an SR tree, naturalized by dcmjs. */
type Item = {
  ValueType?: string;
  ConceptNameCodeSequence?: { CodeMeaning?: string } | Array<{ CodeMeaning?: string }>;
  ContentSequence?: Item | Item[];
  TextValue?: string;
  ReferencedSOPSequence?: { ReferencedSOPInstanceUID?: string } | Array<{ ReferencedSOPInstanceUID?: string }>;
  MeasuredValueSequence?: { NumericValue?: number | string; MeasurementUnitsCodeSequence?: { CodeValue?: string } | Array<{ CodeValue?: string }> } | Array<{ NumericValue?: number | string; MeasurementUnitsCodeSequence?: unknown }>;
};
const meaning = (i: Item) => arr(i.ConceptNameCodeSequence)[0]?.CodeMeaning ?? '';
const isGroup = (i: Item) => meaning(i) === 'Measurement Group';

/** The 'Imaging Measurements' container of a TID 1500 report, with its place in the root content. */
function imagingMeasurements(ds: NaturalDataset): { root: Item[]; at: number } {
  const root = arr(ds.ContentSequence as Item | Item[]);
  return { root, at: root.findIndex((i) => meaning(i) === 'Imaging Measurements') };
}

/**
 * The report reduced to the measurement groups on images in `sopToImageId` (undefined when none is): the
 * Cornerstone adapter prints an error with a stack trace for every group whose image is not open, which is the
 * ordinary case when a study's report is read while one of its series is displayed.
 */
function withOpenImagesOnly(ds: NaturalDataset, sopToImageId: Record<string, string>): NaturalDataset | undefined {
  const open = new Set(Object.keys(sopToImageId).map((k) => k.split(':')[0]));
  const references = (i: Item): boolean =>
    arr(i.ReferencedSOPSequence).some((r) => open.has(r.ReferencedSOPInstanceUID ?? '')) || arr(i.ContentSequence).some(references);
  const { root, at } = imagingMeasurements(ds);
  if (at < 0) return ds;
  const items = arr(root[at].ContentSequence);
  const kept = items.filter((g) => !isGroup(g) || references(g));
  if (!kept.some(isGroup)) return undefined;
  if (kept.length === items.length) return ds;
  return { ...ds, ContentSequence: root.map((r, k) => (k === at ? { ...r, ContentSequence: kept } : r)) };
}

export function measurementValues(ds: NaturalDataset): Array<{ tracking: string; values: Record<string, { value: number; unit: string }>; text?: string }> {
  const { root, at } = imagingMeasurements(ds);
  return arr(at < 0 ? undefined : root[at].ContentSequence)
    .filter(isGroup)
    .map((g) => {
      const items = arr(g.ContentSequence);
      const values: Record<string, { value: number; unit: string }> = {};
      for (const n of items.filter((i) => i.ValueType === 'NUM')) {
        const mv = arr(n.MeasuredValueSequence as never)[0] as { NumericValue?: number | string; MeasurementUnitsCodeSequence?: unknown } | undefined;
        const unit = arr(mv?.MeasurementUnitsCodeSequence as { CodeValue?: string } | undefined)[0]?.CodeValue ?? '';
        if (mv?.NumericValue !== undefined) values[meaning(n)] = { value: Number(mv.NumericValue), unit };
      }
      const tracking = items.find((i) => meaning(i) === 'Tracking Identifier')?.TextValue ?? '';
      const text = items.find((i) => meaning(i) === 'Comment')?.TextValue;
      return { tracking, values, ...(text ? { text } : {}) };
    });
}

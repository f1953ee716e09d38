/**
 * Round trip of every saved tool through a TID 1500 SR written as a Part 10 file and read back, on a
 * synthetic 256x256 CT image with 0.5 mm pixels whose plane is z = 10 (image (c, r) -> world
 * (-64 + 0.5c, -64 + 0.5r, 10)).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { metaData } from '@cornerstonejs/core';
import dcmjs from 'dcmjs';
import {
  annotationsToReport,
  datasetToPart10,
  frameOfImageId,
  isMeasurementReport,
  jsonToDataset,
  measurementValues,
  part10ToDataset,
  registerInstances,
  reportToAnnotations,
  sopFrameMap,
  type SrAnnotation,
} from './sr';

const STUDY = '1.2.826.0.1.3680043.8.498.1';
const SERIES = '1.2.826.0.1.3680043.8.498.1.2';
const SOP = '1.2.826.0.1.3680043.8.498.1.2.3';
const IMAGE_ID = `wadors:http://x/dicom-web/studies/${STUDY}/series/${SERIES}/instances/${SOP}/frames/1`;
const ORIGIN = [-64, -64, 10];
const world = (c: number, r: number): number[] => [ORIGIN[0] + 0.5 * c, ORIGIN[1] + 0.5 * r, ORIGIN[2]];

beforeAll(() => {
  metaData.addProvider((type: string, imageId: string) => {
    if (imageId !== IMAGE_ID) return undefined;
    if (type === 'imagePlaneModule') {
      return {
        frameOfReferenceUID: '1.2.3.4',
        rows: 256,
        columns: 256,
        imageOrientationPatient: [1, 0, 0, 0, 1, 0],
        rowCosines: [1, 0, 0],
        columnCosines: [0, 1, 0],
        imagePositionPatient: ORIGIN,
        pixelSpacing: [0.5, 0.5],
        rowPixelSpacing: 0.5,
        columnPixelSpacing: 0.5,
        sliceThickness: 1,
      };
    }
    if (type === 'sopCommonModule') return { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUID: SOP };
    if (type === 'imagePixelModule') return { rows: 256, columns: 256 };
    return undefined;
  }, 10);
  registerInstances([
    [
      IMAGE_ID,
      {
        '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
        '00080018': { vr: 'UI', Value: [SOP] },
        '00080060': { vr: 'CS', Value: ['CT'] },
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Test^Patient' }] },
        '00100020': { vr: 'LO', Value: ['PID-1'] },
        '0020000D': { vr: 'UI', Value: [STUDY] },
        '0020000E': { vr: 'UI', Value: [SERIES] },
        '00200013': { vr: 'IS', Value: [1] },
        '7FE00010': { vr: 'OW', BulkDataURI: 'http://x/bulk' },
      },
    ],
  ]);
});

const key = `imageId:${IMAGE_ID}`;
function ann(toolName: string, points: number[][], extra: Partial<SrAnnotation['data']> = {}): SrAnnotation {
  return { annotationUID: `${toolName}-1`, metadata: { toolName, referencedImageId: IMAGE_ID, FrameOfReferenceUID: '1.2.3.4' }, data: { handles: { points, textBox: { hasMoved: false } }, ...extra } };
}

const ANNOTATIONS: SrAnnotation[] = [
  ann('Length', [world(10, 20), world(110, 20)], { cachedStats: { [key]: { length: 50, unit: 'mm' } } }),
  ann('Angle', [world(10, 10), world(50, 50), world(90, 10)], { cachedStats: { [key]: { angle: 90 } } }),
  ann('CobbAngle', [world(10, 100), world(60, 100), world(10, 150), world(60, 170)], { cachedStats: { [key]: { angle: 21.8 } } }),
  // Cornerstone's handle order: bottom, top, left, right. A circle: both axes the same length.
  ann('EllipticalROI', [world(100, 120), world(100, 80), world(80, 100), world(120, 100)], {
    cachedStats: { [key]: { area: 314.2, areaUnit: 'mm²', mean: 41.5, stdDev: 12.25, min: -3, max: 88, modalityUnit: 'HU' } },
  }),
  ann('RectangleROI', [world(150, 150), world(200, 150), world(150, 200), world(200, 200)], {
    cachedStats: { [key]: { area: 625, areaUnit: 'mm²', mean: -12.5, stdDev: 4.5, min: -30, max: 7, modalityUnit: 'HU' } },
  }),
  {
    ...ann('PlanarFreehandROI', []),
    data: {
      handles: { points: [], textBox: { hasMoved: false } },
      contour: { polyline: [world(20, 200), world(60, 200), world(60, 240), world(20, 240)], closed: true },
      cachedStats: { [key]: { area: 400, areaUnit: 'mm²', mean: 3.25, stdDev: 1.5, min: 0, max: 9, modalityUnit: 'HU', perimeter: 80 } },
    },
  },
  ann('Probe', [world(128, 128)], { cachedStats: { [key]: { value: 17 } } }),
  ann('Bidirectional', [world(30, 60), world(90, 60), world(60, 50), world(60, 70)], { cachedStats: { [key]: { length: 30, width: 10, unit: 'mm' } } }),
  ann('ArrowAnnotate', [world(200, 30), world(230, 60)], { text: 'Nodule RUL' }),
  ann('Label', [world(180, 230)], { text: 'Free text ÄÖ 日本' }),
];

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);

describe('TID 1500 SR conversion', () => {
  it('parses the image id frame number', () => {
    expect(frameOfImageId(IMAGE_ID)).toBe(1);
    expect(frameOfImageId('wadors:http://x/instances/1/frames/17')).toBe(17);
    expect(frameOfImageId('dicomweb:http://x')).toBe(1);
  });

  it('writes every tool as a measurement group of an Enhanced SR with the values and texts', () => {
    const ds = annotationsToReport(ANNOTATIONS, { observer: 'Doe^Jane', instanceNumber: 3 });
    const file = datasetToPart10(ds);
    const back = part10ToDataset(file);
    expect(back._meta?.TransferSyntaxUID).toBe('1.2.840.10008.1.2.1');
    expect(back.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.88.22');
    expect(back.Modality).toBe('SR');
    expect(back.StudyInstanceUID).toBe(STUDY);
    expect(back.PatientID).toBe('PID-1');
    expect(back.InstanceNumber).toBe(3);
    expect(back.SeriesDescription).toBe('Axial measurements');
    expect(isMeasurementReport(back)).toBe(true);

    const groups = measurementValues(back);
    expect(groups).toHaveLength(ANNOTATIONS.length);
    const by = (tool: string) => groups.find((g) => g.tracking.endsWith(`:${tool}`))!;
    expect(by('Length').values.Length).toEqual({ value: 50, unit: 'mm' });
    expect(by('EllipticalROI').values.Mean).toEqual({ value: 41.5, unit: '[hnsf\'U]' });
    expect(by('EllipticalROI').values.Minimum?.value).toBe(-3);
    expect(by('EllipticalROI').values.Maximum?.value).toBe(88);
    expect(by('EllipticalROI').values['Standard Deviation']?.value).toBe(12.25);
    expect(by('RectangleROI').values.Minimum?.value).toBe(-30);
    expect(by('RectangleROI').values.Mean?.value).toBe(-12.5);
    expect(by('PlanarFreehandROI').values.Minimum?.value).toBe(0);
    expect(by('PlanarFreehandROI').values.Area?.value).toBe(400);
    expect(by('Bidirectional').values['Long Axis']?.value).toBe(30);
    expect(by('Bidirectional').values['Short Axis']?.value).toBe(10);
    // Upstream writes both angles with the concept "Cobb angle" (DCM 285285000), in degrees.
    expect(by('CobbAngle').values['Cobb angle']).toEqual({ value: 21.8, unit: 'deg' });
    expect(by('Angle').values['Cobb angle']).toEqual({ value: 90, unit: 'deg' });
    expect(by('ArrowAnnotate').text).toBe('Nodule RUL');
    // Text is written as UTF-8 (Specific Character Set ISO_IR 192).
    expect(back.SpecificCharacterSet).toBe('ISO_IR 192');
    const utf8 = new TextEncoder().encode('Free text ÄÖ 日本');
    const bytes = new Uint8Array(file);
    const found = bytes.findIndex((_, i) => utf8.every((b, j) => bytes[i + j] === b));
    expect(found, 'UTF-8 text in the file').toBeGreaterThan(0);
  });

  it('reads the SR back (as DICOM JSON, as WADO-RS metadata serves it) into annotations on the same image', () => {
    // dcmjs' Part 10 reader decodes text inside sequence items without the data set's character set, so
    // the viewer reads stored reports from the archive's DICOM JSON metadata instead (the server decodes).
    const json = JSON.parse(JSON.stringify(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(annotationsToReport(ANNOTATIONS))));
    const back = jsonToDataset(json);
    const restored = reportToAnnotations(back, sopFrameMap());
    expect(restored.map((a) => a.metadata.toolName).sort()).toEqual(ANNOTATIONS.map((a) => a.metadata.toolName).sort());
    for (const a of restored) expect(a.metadata.referencedImageId).toBe(IMAGE_ID);
    const get = (tool: string) => restored.find((a) => a.metadata.toolName === tool)!;
    const len = get('Length').data.handles!.points!;
    expect(close(len[0], world(10, 20)) && close(len[1], world(110, 20))).toBe(true);
    expect(get('Angle').data.handles!.points!).toHaveLength(3);
    expect(close(get('Angle').data.handles!.points![1], world(50, 50))).toBe(true);
    expect(get('CobbAngle').data.handles!.points!).toHaveLength(4);
    expect(close(get('Probe').data.handles!.points![0], world(128, 128))).toBe(true);
    const rect = get('RectangleROI').data.handles!.points!;
    expect(rect.map((p) => p.map((v) => Math.round(v * 100) / 100))).toEqual([world(150, 150), world(200, 150), world(150, 200), world(200, 200)]);
    const contour = get('PlanarFreehandROI').data.contour!;
    expect(contour.closed).toBe(true);
    expect(contour.polyline).toHaveLength(4);
    expect(get('Bidirectional').data.handles!.points!).toHaveLength(4);
    const ellipse = get('EllipticalROI').data.handles!.points!;
    expect(ellipse.map((p) => p.map((v) => Math.round(v * 100) / 100)), 'ellipse back in [bottom, top, left, right] order').toEqual([world(100, 120), world(100, 80), world(80, 100), world(120, 100)]);
    expect(get('ArrowAnnotate').data.text).toBe('Nodule RUL');
    expect(get('Label').data.text).toBe('Free text ÄÖ 日本');
    expect(close(get('Label').data.handles!.points![0], world(180, 230))).toBe(true);
  });

  it('writes an empty report (all measurements deleted) that reads back as no annotations', () => {
    const ds = annotationsToReport([], { emptyReportImageId: IMAGE_ID });
    const back = part10ToDataset(datasetToPart10(ds));
    expect(isMeasurementReport(back)).toBe(true);
    expect(back.StudyInstanceUID).toBe(STUDY);
    expect(measurementValues(back)).toEqual([]);
    // As the archive serves it: empty sequences as {"vr": "SQ"} without a Value.
    const text = JSON.stringify(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds)).replace(/"vr":"SQ","Value":\[\]/g, '"vr":"SQ"');
    expect(text).toContain('"vr":"SQ"}');
    const fromJson = jsonToDataset(JSON.parse(text));
    expect(isMeasurementReport(fromJson)).toBe(true);
    expect(reportToAnnotations(fromJson, sopFrameMap())).toEqual([]);
  });

  describe('measurements on images that are not open', () => {
    // The Cornerstone adapter prints an error with a stack trace for each one it is given: they are left out before.
    const printed = () => [...vi.mocked(console.error).mock.calls, ...vi.mocked(console.warn).mock.calls];
    afterEach(() => vi.restoreAllMocks());

    it('are skipped quietly, and an empty report is refused', () => {
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const back = part10ToDataset(datasetToPart10(annotationsToReport(ANNOTATIONS.slice(0, 2))));
      expect(reportToAnnotations(back, {})).toEqual([]);
      expect(printed()).toEqual([]);
      expect(() => annotationsToReport([])).toThrow(/no measurements/);
    });

    it('are left out while the measurements on open images are read', () => {
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const back = part10ToDataset(datasetToPart10(annotationsToReport(ANNOTATIONS.slice(0, 3))));
      // The first measurement group now refers to an image of another series, not displayed.
      type Node = { ReferencedSOPInstanceUID?: string; [k: string]: unknown };
      const retarget = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(retarget);
        if (!n || typeof n !== 'object') return;
        const o = n as Node;
        if (o.ReferencedSOPInstanceUID === SOP) o.ReferencedSOPInstanceUID = '1.2.826.0.1.3680043.8.498.9';
        Object.values(o).forEach(retarget);
      };
      const content = (back.ContentSequence as Array<{ ContentSequence?: unknown }>).find((i) => JSON.stringify(i).includes('Imaging Measurements'))!;
      const groups = content.ContentSequence as unknown[];
      retarget(groups[0]);
      const read = reportToAnnotations(back, sopFrameMap());
      expect(read.map((a) => a.metadata.toolName).sort()).toEqual(['Angle', 'CobbAngle']);
      expect(printed()).toEqual([]);
    });
  });
});

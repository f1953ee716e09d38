/**
 * Image id -> instance data set (DICOM JSON, as loaded for the stack) and frame number, for the SR / KOS
 * code (loaded on demand: this module has no dependency, so the viewer's first image does not wait for dcmjs).
 */
export type JsonDataset = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string } | undefined>;

export interface InstanceEntry {
  json: JsonDataset;
  frame: number;
}

const byImageId = new Map<string, InstanceEntry>();

/** Frame number of a wadors image id (`…/frames/N`), 1 otherwise. */
export function frameOfImageId(imageId: string): number {
  const m = /\/frames\/(\d+)(?:$|[?#])/.exec(imageId);
  return m ? Number(m[1]) : 1;
}

/** Makes the images of a loaded stack known to the SR / KOS conversion. */
export function registerInstances(entries: Iterable<[string, JsonDataset]>): void {
  for (const [imageId, json] of entries) {
    if (!byImageId.has(imageId)) byImageId.set(imageId, { json, frame: frameOfImageId(imageId) });
  }
}

export function instanceEntry(imageId: string): InstanceEntry | undefined {
  return byImageId.get(imageId);
}

/** `SOPInstanceUID:frame -> imageId` for the given (default: all registered) images, the key format of the SR adapters. */
export function sopFrameMap(imageIds?: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const imageId of imageIds ?? byImageId.keys()) {
    const e = byImageId.get(imageId);
    const sop = e?.json['00080018']?.Value?.[0];
    if (typeof sop === 'string') out[`${sop}:${e!.frame}`] = imageId;
  }
  return out;
}

/** A registered image of the study (any), e.g. to write a report about the study with no measurement in it. */
export function anyImageOfStudy(studyUid: string): string | undefined {
  const key = `/studies/${encodeURIComponent(studyUid)}/`;
  for (const imageId of byImageId.keys()) if (imageId.includes(key)) return imageId;
  return undefined;
}

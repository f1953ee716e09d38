// Minimal typing of the part of dcmjs the viewer uses (dcmjs ships no .d.ts): naturalized data sets
// (keyword-keyed objects), Part 10 reading / writing and UID generation.
declare module 'dcmjs' {
  /** A naturalized data set: DICOM keywords as keys, `_meta` / `_vrMap` for file meta and VRs. */
  export type NaturalDataset = Record<string, unknown> & { _meta?: Record<string, unknown>; _vrMap?: Record<string, string> };

  export interface DicomDictLike {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }

  const dcmjs: {
    data: {
      DicomMetaDictionary: {
        uid(): string;
        date(): string;
        time(): string;
        naturalizeDataset(json: Record<string, unknown>): NaturalDataset;
        denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown>;
        sopClassUIDsByName: Record<string, string>;
      };
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictLike;
      };
      DicomDict: new (meta: Record<string, unknown>) => DicomDictLike;
      datasetToDict(ds: NaturalDataset): DicomDictLike;
    };
  };
  export default dcmjs;
}

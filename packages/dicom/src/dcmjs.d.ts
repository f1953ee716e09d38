// Minimal typing of the part of dcmjs we use (dcmjs ships no .d.ts). Internal only:
// no dcmjs type appears in the public API of @axial/dicom.
declare module 'dcmjs' {
  interface DcmjsDictEntry {
    tag: string; // "(GGGG,EEEE)"
    vr: string; // may be a pseudo VR: ox, xs, lt, up, na
    vm: string;
    name: string; // keyword; retired ones carry a RETIRED_ prefix
    version?: string;
  }
  export const data: {
    DicomMetaDictionary: {
      /** Lookup proxy keyed by "(GGGG,EEEE)" or "GGGGEEEE"; not enumerable. */
      dictionary: Record<string, DcmjsDictEntry | undefined>;
      /** Enumerable keyword -> entry map (the whole standard dictionary). */
      nameMap: Record<string, DcmjsDictEntry>;
    };
  };
}

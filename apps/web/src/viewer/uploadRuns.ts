/** Slices already in the texture that a run may re-send to join two stretches of new ones. */
export const UPLOAD_RUN_GAP = 8;

/**
 * [first, last] slice runs of a volume texture to upload in one copy each (mpr.ts): every run starts and ends with an
 * updated slice, holds only slices whose image is cached (a slice without one is never overwritten), and joins
 * stretches of updated slices separated by at most `gap` cached ones that are sent again unchanged.
 */
export function uploadRuns(updated: ArrayLike<boolean | null | undefined>, cached: (z: number) => boolean, depth: number, gap = UPLOAD_RUN_GAP): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  let last = -1;
  for (let z = 0; z < depth; z++) {
    const isCached = cached(z);
    if (updated[z] && isCached) {
      if (start < 0) start = z;
      last = z;
    } else if (start >= 0 && (!isCached || z - last > gap)) {
      runs.push([start, last]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, last]);
  return runs;
}

/** Messages between the page and the series-frames worker (seriesFramesWorker.ts). */

export interface StreamRequest {
  /** The series' pixel data URL (`…/studies/{study}/series/{series}/pixeldata`). */
  url: string;
  token: string | null;
  accept: string;
}

export type StreamMessage =
  /** One frame: `location` is the part's Content-Location resolved against the answer's URL (the frame's own URL). */
  | { type: 'frame'; location: string; contentType: string; data: Uint8Array }
  /** The answer has been read to its closing delimiter. */
  | { type: 'done'; frames: number }
  | { type: 'error'; status: number; message: string };

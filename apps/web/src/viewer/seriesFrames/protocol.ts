/** Messages between the page and the series-frames worker (seriesFramesWorker.ts), which may run several streams. */

export type StreamRequest =
  | {
      type: 'start';
      id: number;
      /** The series' pixel data URL (`…/studies/{study}/series/{series}/pixeldata`). */
      url: string;
      token: string | null;
      accept: string;
    }
  /** Abandons a stream (its answer is no longer read). */
  | { type: 'stop'; id: number };

export type StreamMessage =
  /** One frame: `location` is the part's Content-Location resolved against the answer's URL (the frame's own URL). */
  | { type: 'frame'; id: number; location: string; contentType: string; data: Uint8Array }
  /** The answer has been read to its closing delimiter. */
  | { type: 'done'; id: number; frames: number }
  | { type: 'error'; id: number; status: number; message: string };

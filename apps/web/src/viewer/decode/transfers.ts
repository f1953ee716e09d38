/**
 * Frame bytes cross to and from Cornerstone's decode worker by transfer, not by copy.
 *
 * Cornerstone 4.22 sends every frame to its decode worker and receives the decoded frame back with
 * `postMessage` and no transfer list (its `transferPixelData` option computes one and drops it), so each
 * 512×512 CT frame is structured-cloned twice, and the main thread pays for both: in a cold MPR of 500
 * slices, 2.8 s of the page's main thread went to serialising requests and deserialising replies. Here
 * the two endpoints transfer the buffers instead:
 * - requests (main thread → worker): only a frame whose options carry `transferPixelData` (set by
 *   Axial's own `wadors:` loader, whose frame buffer is used once) gives its buffer away; other loaders
 *   may pass a view into a buffer they keep (a whole Part 10 file for multi-frame `wadouri:`);
 * - replies (worker → main thread): the decoded frame's pixel buffer, which the worker does not keep.
 * A buffer that cannot be transferred (a view into WebAssembly memory, a SharedArrayBuffer) is copied
 * as before. The messages are Comlink's (the worker manager's protocol): an APPLY carrying one argument
 * `{ imageFrame, transferSyntax, pixelData, options, decodeConfig }`, and a RAW reply holding the frame.
 */

type Post = (message: unknown, transfer?: Transferable[]) => void;

const isView = (v: unknown): v is ArrayBufferView => ArrayBuffer.isView(v);
const transferable = (b: ArrayBufferLike): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0;

/** The buffer of the frame in a decode request that may be given away, if any. */
export function requestBuffers(message: unknown): ArrayBuffer[] {
  const m = message as { type?: string; argumentList?: Array<{ type?: string; value?: { pixelData?: unknown; options?: { transferPixelData?: boolean } } }> } | null;
  if (!m || m.type !== 'APPLY' || !Array.isArray(m.argumentList)) return [];
  const arg = m.argumentList[0]?.value;
  if (!arg?.options?.transferPixelData || !isView(arg.pixelData) || !transferable(arg.pixelData.buffer)) return [];
  return [arg.pixelData.buffer];
}

/** The pixel buffers of a decoded frame in a reply: typed arrays held directly by the frame, each buffer once. */
export function replyBuffers(message: unknown): ArrayBuffer[] {
  const m = message as { type?: string; value?: unknown } | null;
  if (!m || m.type !== 'RAW' || !m.value || typeof m.value !== 'object') return [];
  const found = new Set<ArrayBuffer>();
  for (const v of Object.values(m.value as Record<string, unknown>)) if (isView(v) && transferable(v.buffer)) found.add(v.buffer);
  return [...found];
}

/**
 * `post` with `pick(message)` as its transfer list when the caller gave none; when a buffer cannot be
 * transferred (postMessage throws before sending), the message is sent again without a transfer list.
 */
export function transferringPost(post: Post, pick: (message: unknown) => ArrayBuffer[]): Post {
  return (message, transfer) => {
    // A transfer list of the caller's own is kept (Comlink passes an empty one).
    const buffers = transfer?.length ? [] : pick(message);
    if (!buffers.length) return post(message, transfer);
    try {
      post(message, buffers);
    } catch (err) {
      if ((err as { name?: string })?.name !== 'DataCloneError') throw err;
      post(message, transfer);
    }
  };
}

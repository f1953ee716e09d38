'use strict';
// Worker thread of the frame decoders (codecs.ts): runs one dcmjs-codecs WebAssembly decoder per message, off the
// request thread and under the pool's time limit (worker-pool.ts). Plain JavaScript so that it runs as it is, from
// the sources (tests) and from dist alike. Answers { result: { pixels, photometricInterpretation,
// planarConfiguration } } with the pixels' memory transferred, or { error }.
const { parentPort } = require('node:worker_threads');
const { Context, NativeCodecs } = require('dcmjs-codecs');

let ready;

parentPort.on('message', async (m) => {
  try {
    ready ??= NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
    await ready;
    const g = m.geometry;
    const ctx = new Context({
      width: g.columns, height: g.rows, bitsAllocated: g.bitsAllocated, bitsStored: g.bitsStored, samplesPerPixel: g.samplesPerPixel,
      pixelRepresentation: g.pixelRepresentation, planarConfiguration: g.planarConfiguration, photometricInterpretation: g.photometricInterpretation,
      encodedBuffer: m.encoded,
    });
    const out = NativeCodecs[m.decoder](ctx, m.params);
    const decoded = out.getDecodedBuffer();
    // The decoded bytes go back by transfer: a view of a larger buffer is copied first (only its own bytes move).
    const pixels = !decoded ? undefined : decoded.byteOffset === 0 && decoded.byteLength === decoded.buffer.byteLength ? decoded : new Uint8Array(decoded);
    parentPort.postMessage(
      { result: { pixels, photometricInterpretation: out.getPhotometricInterpretation(), planarConfiguration: out.getPlanarConfiguration() } },
      pixels ? [pixels.buffer] : [],
    );
  } catch (err) {
    if (ready && !NativeCodecs.isInitialized()) ready = undefined; // initialisation failed: tried again next time
    parentPort.postMessage({ error: err && err.message ? err.message : String(err) });
  }
});

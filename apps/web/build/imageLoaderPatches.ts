/**
 * Build-time changes to Cornerstone's DICOM image loader (4.22), applied by vite.config.ts to the loader's own files.
 * Each names the exact text it replaces: the build fails if a new version of the loader no longer has it, so a change
 * is never dropped silently (imageLoaderPatches.spec.ts checks them against the installed loader).
 *
 * All of them remove a copy of every decoded frame into fresh memory: 512 KB per CT frame, 2.7 ms each in Chromium
 * here (a fresh page costs ≈ 12 µs on this virtual machine, 128 of them per frame), 1.5–2.3 s of the page's main
 * thread in a cold 500-slice MPR.
 * - On the page: after the decode worker has given a frame its final typed array (the smallest type for its values,
 *   or the volume's type), createImage builds that array again from itself. An array that already has the wanted
 *   type is kept; another type is converted as before.
 * - In the decode worker: the frame is converted to its final type in a new array, even when the decoded frame owns
 *   a buffer of the same element size that nobody else holds (a frame transferred to the worker). It is converted in
 *   that buffer instead (convertInPlace).
 */
export interface SourcePatch {
  /** Path of the file inside the loader's `dist/esm` folder. */
  file: string;
  find: string;
  replace: string;
}

/**
 * A decoded frame converted to `Type` in its own memory, when it owns that memory whole (a frame Axial transferred to
 * the worker, or the worker's own copy) and `Type` has the same element size: each element is read and written back
 * at its own index, so no other element is touched before it is read. Null otherwise (the caller allocates, as
 * Cornerstone does). Injected into the decode worker by its source text: no free variables.
 */
export function convertInPlace(src: ArrayBufferView & ArrayLike<number> & { BYTES_PER_ELEMENT: number }, Type: { new (buffer: ArrayBuffer, offset: number, length: number): ArrayLike<number> & { [i: number]: number }; BYTES_PER_ELEMENT: number }): unknown {
  if (!src || src.BYTES_PER_ELEMENT !== Type.BYTES_PER_ELEMENT || !(src.buffer instanceof ArrayBuffer)) return null;
  if (src.byteOffset !== 0 || src.byteLength !== src.buffer.byteLength) return null;
  if (src instanceof (Type as unknown as typeof Uint8Array)) return src;
  const dst = new Type(src.buffer, 0, src.length);
  // Between integer types of one size the conversion is modular (ToInt16 of a Uint16 value, …): every element keeps
  // its bits, so the view is the converted array (a 512² CT frame: 0.4 ms less per frame in the worker). Clamped
  // and float arrays convert by value.
  const modular = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array] as unknown[];
  if (modular.includes(src.constructor) && modular.includes(Type)) return dst;
  for (let i = 0; i < src.length; i++) dst[i] = src[i];
  return dst;
}

export const IMAGE_LOADER_PATCHES: SourcePatch[] = [
  {
    // The volume's target type (MPR): Cornerstone's decode worker has already written the frame in it.
    file: 'imageLoader/createImage.js',
    find: `                const typedArray = arrayBuffer
                    ? new TypedArrayConstructor(arrayBuffer, offset, length)
                    : new TypedArrayConstructor(imageFrame.pixelData);`,
    replace: `                const typedArray = arrayBuffer
                    ? new TypedArrayConstructor(arrayBuffer, offset, length)
                    : imageFrame.pixelData instanceof TypedArrayConstructor
                        ? imageFrame.pixelData
                        : new TypedArrayConstructor(imageFrame.pixelData);`,
  },
  {
    // The smallest type for the frame's values (stack images): the worker chose it from the same values.
    file: 'imageLoader/setPixelDataType.js',
    find: `        const typedArray = new TypedArray(imageFrame.pixelData);`,
    replace: `        const typedArray = imageFrame.pixelData instanceof TypedArray
            ? imageFrame.pixelData
            : new TypedArray(imageFrame.pixelData);`,
  },
  {
    // In the decode worker, the volume's type (MPR): written over the decoded frame instead of a new array.
    file: 'decodeImageFrameWorker.js',
    find: `    const typedArray = arrayBuffer
        ? new TypedArrayConstructor(arrayBuffer, offset, length)
        : new TypedArrayConstructor(length);
    typedArray.set(imageFramePixelData, 0);
    pixelDataArray = typedArray;`,
    replace: `    const inPlace = arrayBuffer ? null : axialConvertInPlace(imageFramePixelData, TypedArrayConstructor);
    const typedArray = inPlace ??
        (arrayBuffer
            ? new TypedArrayConstructor(arrayBuffer, offset, length)
            : new TypedArrayConstructor(length));
    if (!inPlace)
        typedArray.set(imageFramePixelData, 0);
    pixelDataArray = typedArray;`,
  },
  {
    // In the decode worker, the smallest type for the frame's values (stack images): the same, and the helper.
    file: 'decodeImageFrameWorker.js',
    find: `function _getDefaultPixelDataArray(min, max, imageFrame) {
    const TypedArrayConstructor = getPixelDataTypeFromMinMax(min, max);
    const typedArray`,
    replace: `const axialConvertInPlace = ${convertInPlace.toString()};
function _getDefaultPixelDataArray(min, max, imageFrame) {
    const TypedArrayConstructor = getPixelDataTypeFromMinMax(min, max);
    const inPlace = axialConvertInPlace(imageFrame.pixelData, TypedArrayConstructor);
    if (inPlace)
        return inPlace;
    const typedArray`,
  },
];

/** `code` of `file` with its patches applied; throws when a patch's text is not found exactly once. */
export function applyPatches(file: string, code: string, patches: SourcePatch[] = IMAGE_LOADER_PATCHES): string {
  const norm = file.replace(/\\/g, '/');
  for (const p of patches) {
    if (!norm.endsWith(`/dist/esm/${p.file}`)) continue;
    const at = code.indexOf(p.find);
    if (at < 0 || code.indexOf(p.find, at + 1) >= 0) throw new Error(`image loader patch for ${p.file}: the text to replace was not found exactly once (new version of @cornerstonejs/dicom-image-loader?)`);
    code = code.slice(0, at) + p.replace + code.slice(at + p.find.length);
  }
  return code;
}

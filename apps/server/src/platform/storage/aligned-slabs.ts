/**
 * Memory for O_DIRECT writes: the kernel moves such writes straight from the process's memory to the device, and
 * wants the memory address, the file offset and the length to be multiples of the device's block size. Node's
 * Buffers give no say over their address; a WebAssembly.Memory does: V8 reserves it with the system's page
 * allocator, so it starts on a page boundary, and so does every slab cut from it at a multiple of the page size.
 *
 * Slabs are lent and given back (LIFO, so the memory in use stays the memory already touched: fresh pages are what
 * costs most on some virtual machines). The pool grows one arena at a time up to `maxArenas`; past that a taker
 * waits for a slab to come back. An arena is never grown in place (that would detach the slabs being written).
 * The memory is shared (SharedArrayBuffer): worker threads write slabs to files without a copy.
 */
export const DIRECT_IO_ALIGN = 4096;
const WASM_PAGE = 64 * 1024;

export class AlignedSlabs {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(slab: Buffer) => void> = [];
  /** Arenas stay referenced here: a slab is a view, and its memory must outlive every write that uses it. */
  private readonly arenas: WebAssembly.Memory[] = [];
  private readonly arenaIndex = new Map<ArrayBufferLike, number>();
  private readonly arenaListeners: Array<(index: number, buffer: SharedArrayBuffer) => void> = [];

  constructor(
    readonly slabBytes = 1024 * 1024,
    readonly slabsPerArena = 16,
    /**
     * 64 arenas of 16 MiB: 1,024 objects being received at once each hold a slab (a slow sender holds its slab until
     * its object ends). Memory is touched, and kept, only as far as it is used.
     */
    readonly maxArenas = 64,
  ) {
    if (slabBytes % WASM_PAGE !== 0 || slabBytes <= 0) throw new Error('Slab size must be a positive multiple of 64 KiB');
  }

  /** Bytes reserved so far (arenas allocated). */
  get reservedBytes(): number {
    return this.arenas.length * this.slabsPerArena * this.slabBytes;
  }

  /** A slab now when one is free (or an arena can be added), else a promise of the next one given back. */
  take(): Buffer | Promise<Buffer> {
    const slab = this.free.pop();
    if (slab) return slab;
    if (this.arenas.length < this.maxArenas) {
      this.addArena();
      return this.free.pop()!;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Where a slab lies: its arena and its offset there (what a worker thread needs to find it). */
  locate(slab: Buffer): { arena: number; at: number } {
    const arena = this.arenaIndex.get(slab.buffer);
    if (arena === undefined) throw new Error('Not a slab of this pool');
    return { arena, at: slab.byteOffset };
  }

  /** The arenas so far (index = position). */
  sharedArenas(): SharedArrayBuffer[] {
    return this.arenas.map((m) => m.buffer as unknown as SharedArrayBuffer);
  }

  /** Calls `listener` with every arena added from now on, before any slab of it is lent. */
  onArena(listener: (index: number, buffer: SharedArrayBuffer) => void): void {
    this.arenaListeners.push(listener);
  }

  /** Gives a slab back: call only once nothing (no pending write) reads it any more. */
  give(slab: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(slab);
    else this.free.push(slab);
  }

  private addArena(): void {
    const pages = (this.slabsPerArena * this.slabBytes) / WASM_PAGE;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const index = this.arenas.push(memory) - 1;
    this.arenaIndex.set(memory.buffer, index);
    for (const listener of this.arenaListeners) listener(index, memory.buffer as unknown as SharedArrayBuffer);
    // Pushed in reverse so that pop() hands out the arena's slabs in address order.
    for (let i = this.slabsPerArena - 1; i >= 0; i--) this.free.push(Buffer.from(memory.buffer, i * this.slabBytes, this.slabBytes));
  }
}

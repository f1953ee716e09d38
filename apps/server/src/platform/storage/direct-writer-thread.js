'use strict';
// Worker thread of DirectWriter (direct-writer.ts): writes received objects with O_DIRECT from slabs of shared
// memory, and computes their CRC-32 as it goes. One message per slab; the message of an object's last slab also
// cuts the file to its exact size, has it synced (fdatasync, on the thread pool) and closed, and answers with the
// object's CRC-32 once synced, so an object of one slab costs the request thread a single message instead of
// four thread-pool round trips (open, write, ftruncate, fdatasync); that job also says when the bytes are written,
// before the sync ends. Plain JavaScript so that it runs as it is, from
// the sources (tests) and from dist alike.
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { crc32 } = require('node:zlib');

const ALIGN = 4096;
const FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_DIRECT;
/** Shared memory arenas, by index, sent once each before any slab of them. */
const arenas = [];
/** Descriptors of the objects being written, by object id. */
const open = new Map();
/** CRC-32 of each object's bytes so far (the digest is computed here, off the request thread). */
const crcs = new Map();

function closeQuietly(file) {
  crcs.delete(file);
  const fd = open.get(file);
  if (fd === undefined) return;
  open.delete(file);
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

function write(m) {
  let fd = open.get(m.file);
  if (fd === undefined) {
    // An object's first message creates its file; a later one finding no file follows a failed write.
    if (!m.first) throw new Error('An earlier write of this object failed');
    fd = fs.openSync(m.path, FLAGS, 0o600);
    open.set(m.file, fd);
    crcs.set(m.file, 0);
  }
  if (m.length) {
    const data = Buffer.from(arenas[m.arena], m.at, m.length);
    // The object's own bytes: the last slab's zero padding is not part of it.
    const own = m.size === undefined ? m.length : Math.min(m.length, m.size - m.offset);
    crcs.set(m.file, crc32(data.subarray(0, own), crcs.get(m.file)));
    for (let done = 0; done < m.length; ) {
      const n = fs.writeSync(fd, data, done, m.length - done, m.offset + done);
      if (n <= 0) throw new Error('The file system accepted no bytes');
      done += n;
    }
  }
  if (m.size !== undefined) {
    // The last slab was padded to the block size with zeros: the file is cut back to the object's size.
    if (m.size % ALIGN) fs.ftruncateSync(fd, m.size);
    const crc = crcs.get(m.file);
    crcs.delete(m.file);
    open.delete(m.file);
    // Every byte is in the file now: the request thread may rename it (and reuse the slab) while it is synced.
    parentPort.postMessage({ id: m.id, written: true, crc });
    // The sync runs on the thread pool while this thread writes the next objects: the objects of a request's last
    // parts are then synced together instead of one after another per thread (their wait was most of a request's
    // time after its last byte when the disk was fast).
    return new Promise((resolve, reject) => {
      fs.fdatasync(fd, (err) => {
        try {
          fs.closeSync(fd);
        } catch (closeErr) {
          err = err || closeErr;
        }
        if (err) reject(err);
        else resolve(crc);
      });
    });
  }
  return undefined;
}

function discard(m) {
  closeQuietly(m.file);
  try {
    fs.unlinkSync(m.path);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
}

parentPort.on('message', (m) => {
  if (m.type === 'arena') {
    arenas[m.index] = m.buffer;
    return;
  }
  const answer = (crc) => parentPort.postMessage(crc === undefined ? { id: m.id } : { id: m.id, crc });
  const fail = (err) => {
    closeQuietly(m.file);
    parentPort.postMessage({ id: m.id, error: err && err.message ? err.message : String(err) });
  };
  try {
    let crc;
    if (m.type === 'write') crc = write(m);
    else if (m.type === 'discard') discard(m);
    else throw new Error(`Unknown job ${m.type}`);
    if (crc instanceof Promise) crc.then(answer, fail);
    else answer(crc);
  } catch (err) {
    fail(err);
  }
});

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import {
  Dataset, Scp, association as assoc, constants, requests, responses,
  type requests as Req, type responses as Rsp,
} from 'dcmjs-dimse';
import { negotiate } from './negotiation';
import { buildMetaHeader } from './part10';

/**
 * The only file that knows dcmjs-dimse's SCP. Everything Axial-specific is behind DimseHandler, in Axial's terms
 * (AE titles, DICOM JSON identifiers, temp blobs, status codes); the library is configured per PS3.8 here:
 * negotiation from negotiation.ts, TCP_NODELAY, the peer's max PDU as negotiated (never raised), idle timeout,
 * A-ABORT handling, and C-STORE data sets streamed to a temp blob as Part 10 files.
 */

export interface AssociationInfo {
  callingAe: string;
  calledAe: string;
  remoteAddress: string;
}

export type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

export interface StoreInput {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** The received Part 10 file in a temp blob, or why it could not be written. */
  blob: { path: string; finish(): Promise<{ size: number; digest: Promise<string>; head: Buffer }>; discard(): Promise<void> } | Error;
}

export interface DimseStatus {
  status: number;
  comment?: string;
}

export interface SubOperationCounts {
  remaining: number;
  completed: number;
  failed: number;
  warnings: number;
}

export interface RetrieveResult extends DimseStatus {
  counts: SubOperationCounts;
  failedSopInstanceUids: string[];
}

/** A C-STORE sub-operation to run on the same association (C-GET). */
export interface OutgoingStore {
  sopClassUid: string;
  sopInstanceUid: string;
  /** The stored data set (bytes after the meta header) in this transfer syntax. */
  transferSyntaxUid: string;
  dataset: () => Buffer;
  /** For transcoding when the peer did not accept the stored transfer syntax. */
  naturalized: () => Record<string, unknown>;
}

export interface DimseHandler {
  acceptAssociation(info: AssociationInfo): Promise<{ ok: true } | { ok: false; reason: 'calling-ae' | 'called-ae' }>;
  echo(info: AssociationInfo): Promise<DimseStatus>;
  store(info: AssociationInfo, input: StoreInput): Promise<DimseStatus>;
  find(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson }, emit: (ds: DicomJson) => Promise<boolean>): Promise<DimseStatus>;
  move(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson; destination: string; messageId: number }, progress: (c: SubOperationCounts) => void, cancelled: () => boolean): Promise<RetrieveResult>;
  get(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson }, send: (s: OutgoingStore) => Promise<number>, progress: (c: SubOperationCounts) => void, cancelled: () => boolean): Promise<RetrieveResult>;
  commit(info: AssociationInfo, q: { transactionUid: string; refs: Array<{ sopClassUid: string; sopInstanceUid: string }> }, report: (eventTypeId: number, ds: DicomJson) => Promise<boolean>): Promise<DimseStatus>;
  /** The association's connection is gone (released, aborted or dropped). */
  associationClosed?(info: AssociationInfo): void;
  log(level: 'debug' | 'warn' | 'error', message: string): void;
}

const { Status, PresentationContextResult: PCR, RejectResult, RejectSource, RejectReason } = constants;
const PENDING = 0xff00;
const CANCEL = 0xfe00;

/** A data set placeholder whose bytes are already encoded (sending stored files as they are). */
export class RawDataset extends Dataset {
  constructor(private readonly out: OutgoingStore) {
    super({ SOPClassUID: out.sopClassUid, SOPInstanceUID: out.sopInstanceUid }, out.transferSyntaxUid);
  }
  private loaded = false;
  override getElements(): Record<string, unknown> {
    // Only reached when dcmjs-dimse has to transcode (the peer did not accept the stored syntax).
    if (!this.loaded) {
      (this as unknown as { elements: Record<string, unknown> }).elements = this.out.naturalized();
      this.loaded = true;
    }
    return super.getElements();
  }
  override getDenaturalizedDataset(): Buffer {
    return this.out.dataset();
  }
}

/** What dcmjs-dimse passes to cStoreRequest instead of a parsed data set. */
class ReceivedDataset extends Dataset {
  constructor(readonly received: StoreInput) {
    super({}, received.transferSyntaxUid);
  }
}

interface ScpOptions {
  handler: DimseHandler;
  aet: string;
  idleTimeoutMs: number;
}

class AxialScp extends Scp {
  handler!: DimseHandler;
  info: AssociationInfo = { callingAe: '', calledAe: '', remoteAddress: '' };
  readonly cancelled = new Set<number>();
  private openBlobs = new Set<{ discard(): Promise<void> }>();
  private busy = 0;
  private keepAlive?: NodeJS.Timeout;

  /** Long operations keep the association alive: dcmjs-dimse aborts after pduTimeout without incoming PDUs. */
  private async busyWhile<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    this.keepAlive ??= setInterval(() => { (this as unknown as { lastPduTime?: number }).lastPduTime = Date.now(); }, 1000);
    try {
      return await work();
    } finally {
      if (--this.busy === 0 && this.keepAlive) {
        clearInterval(this.keepAlive);
        this.keepAlive = undefined;
      }
    }
  }

  cleanup(): void {
    this.handler.associationClosed?.(this.info);
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const b of this.openBlobs) void b.discard().catch(() => undefined);
    this.openBlobs.clear();
  }

  override associationRequested(association: InstanceType<typeof assoc.Association>): void {
    this.info = {
      callingAe: association.getCallingAeTitle().trim(),
      calledAe: association.getCalledAeTitle().trim(),
      remoteAddress: (this as unknown as { socket: Socket }).socket.remoteAddress ?? '',
    };
    this.handler.acceptAssociation(this.info).then((res) => {
      if (!res.ok) {
        this.handler.log('warn', `A-ASSOCIATE-RJ ${this.info.callingAe} -> ${this.info.calledAe} from ${this.info.remoteAddress}: ${res.reason} not recognized`);
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser,
          res.reason === 'calling-ae' ? RejectReason.CallingAeNotRecognized : RejectReason.CalledAeNotRecognized);
        return;
      }
      for (const { context } of association.getPresentationContexts() as Array<{ context: InstanceType<typeof assoc.PresentationContext> }>) {
        const r = negotiate(context.getAbstractSyntaxUid(), context.getTransferSyntaxUids());
        if (r.accept) context.setResult(PCR.Accept, r.transferSyntax);
        else context.setResult(r.reason === 'abstract-syntax' ? PCR.RejectAbstractSyntaxNotSupported : PCR.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }).catch((err: Error) => {
      this.handler.log('error', `Association from ${this.info.callingAe}: ${err.message}`);
      this.sendAssociationReject(RejectResult.Transient, RejectSource.ServiceUser, RejectReason.NoReasonGiven);
    });
  }

  /** Set once the peer asked to release: nothing more may be sent to it on this association. */
  private released = false;

  override associationReleaseRequested(): void {
    this.released = true;
    this.sendAssociationReleaseResponse();
  }

  override abort(): void {
    this.handler.log('debug', `A-ABORT from ${this.info.callingAe}`);
    (this as unknown as { socket: Socket }).socket.destroy();
  }

  override cEchoRequest(request: Req.CEchoRequest, callback: (r: Rsp.CEchoResponse) => void): void {
    void this.handler.echo(this.info).then((s) => {
      const rsp = responses.CEchoResponse.fromRequest(request);
      rsp.setStatus(s.status);
      callback(rsp);
    });
  }

  // ---- C-STORE: stream to a temp blob ----
  override createStoreWritableStream(context: InstanceType<typeof assoc.PresentationContext>, request: Req.CStoreRequest): Writable {
    const ts = context.getAcceptedTransferSyntaxUid() ?? '';
    const header = buildMetaHeader({
      sopClassUid: request.getAffectedSopClassUid(), sopInstanceUid: request.getAffectedSopInstanceUid(),
      transferSyntaxUid: ts, sourceAet: this.info.callingAe,
    });
    const tempP = this.createTemp();
    let failure: Error | undefined;
    const stream = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _enc, cb) => {
        tempP.then((t) => (failure ? undefined : t.write(Buffer.from(chunk)))).then(() => cb(), (err: Error) => { failure ??= err; cb(); });
      },
    });
    const state = { tempP, header, failure: () => failure, ts, request };
    (stream as unknown as { axial: typeof state }).axial = state;
    tempP.then((t) => { this.openBlobs.add(t); return t.write(header); }).catch((err: Error) => { failure ??= err; });
    stream.on('error', (err) => { failure ??= err; });
    return stream;
  }

  /** Set by the server: creates temp blobs in Axial's storage. */
  createTemp!: () => Promise<{ path: string; write(b: Buffer): Promise<void>; finish(): Promise<{ size: number; digest: Promise<string>; head: Buffer }>; discard(): Promise<void> }>;

  override createDatasetFromStoreWritableStream(writable: Writable, _context: InstanceType<typeof assoc.PresentationContext>, callback: (dataset: InstanceType<typeof Dataset>) => void): void {
    const st = (writable as unknown as { axial: { tempP: ReturnType<AxialScp['createTemp']>; failure: () => Error | undefined; ts: string; request: Req.CStoreRequest } }).axial;
    const done = () => {
      void st.tempP.then((t) => {
        this.openBlobs.delete(t);
        const failure = st.failure();
        callback(new ReceivedDataset({
          sopClassUid: st.request.getAffectedSopClassUid(), sopInstanceUid: st.request.getAffectedSopInstanceUid(), transferSyntaxUid: st.ts,
          blob: failure ? (void t.discard(), failure) : t,
        }));
      }, (err: Error) => callback(new ReceivedDataset({ sopClassUid: '', sopInstanceUid: '', transferSyntaxUid: st.ts, blob: err })));
    };
    if (writable.writableFinished) done();
    else writable.once('finish', done);
  }

  override cStoreRequest(request: Req.CStoreRequest, callback: (r: Rsp.CStoreResponse) => void): void {
    const ds = request.getDataset() as unknown as ReceivedDataset;
    void this.busyWhile(() => this.handler.store(this.info, ds.received)).then((s) => {
      const rsp = responses.CStoreResponse.fromRequest(request);
      rsp.setStatus(s.status);
      if (s.comment) rsp.setErrorComment(s.comment.slice(0, 64));
      callback(rsp);
    });
  }

  // Pending responses are sent with sendResponse: dcmjs-dimse's callback may be called only once.
  // ---- C-FIND ----
  override cFindRequest(request: Req.CFindRequest, _callback: (r: Rsp.CFindResponse[]) => void): void {
    const id = request.getMessageId();
    const ts = request.getDataset()?.getTransferSyntaxUid() ?? constants.TransferSyntax.ImplicitVRLittleEndian;
    let sent = 0;
    const emit = async (json: DicomJson): Promise<boolean> => {
      if (this.cancelled.has(id) || !this.isOpen()) return false;
      const rsp = responses.CFindResponse.fromRequest(request);
      rsp.setStatus(PENDING);
      rsp.setDataset(new Dataset(naturalOf(json), ts));
      this.sendResponse(request, rsp);
      // Let C-CANCEL and socket writes through now and then.
      if (++sent % 20 === 0) await new Promise((r) => setImmediate(r));
      return true;
    };
    void this.busyWhile(() => this.handler.find(this.info, { sopClassUid: request.getAffectedSopClassUid(), identifier: identifierOf(request) }, emit)).then((s) => {
      const rsp = responses.CFindResponse.fromRequest(request);
      rsp.setStatus(this.cancelled.delete(id) ? CANCEL : s.status);
      if (s.comment) rsp.setErrorComment(s.comment.slice(0, 64));
      this.sendResponse(request, rsp);
    });
  }

  override cCancelRequest(request: Req.CCancelRequest): void {
    this.cancelled.add(request.getMessageIdBeingRespondedTo());
  }

  // ---- C-MOVE ----
  override cMoveRequest(request: Req.CMoveRequest, _callback: (r: Rsp.CMoveResponse[]) => void): void {
    const id = request.getMessageId();
    const destination = String(request.getCommandDataset().getElement('MoveDestination') ?? '').trim();
    const ts = request.getDataset()?.getTransferSyntaxUid() ?? constants.TransferSyntax.ImplicitVRLittleEndian;
    const progress = (c: SubOperationCounts) => {
      const rsp = responses.CMoveResponse.fromRequest(request);
      rsp.setStatus(PENDING);
      setCounts(rsp, c);
      this.sendResponse(request, rsp);
    };
    void this.busyWhile(() => this.handler.move(this.info, { sopClassUid: request.getAffectedSopClassUid(), identifier: identifierOf(request), destination, messageId: id }, progress, () => this.cancelled.has(id) || !this.isOpen()))
      .then((r) => this.sendResponse(request, finalRetrieve(responses.CMoveResponse.fromRequest(request), r, this.cancelled.delete(id), ts)));
  }

  // ---- C-GET ----
  override cGetRequest(request: Req.CGetRequest, _callback: (r: Rsp.CGetResponse[]) => void): void {
    const id = request.getMessageId();
    const ts = request.getDataset()?.getTransferSyntaxUid() ?? constants.TransferSyntax.ImplicitVRLittleEndian;
    const progress = (c: SubOperationCounts) => {
      const rsp = responses.CGetResponse.fromRequest(request);
      rsp.setStatus(PENDING);
      setCounts(rsp, c);
      this.sendResponse(request, rsp);
    };
    const send = (out: OutgoingStore) => new Promise<number>((resolve) => {
      const req = new requests.CStoreRequest(new RawDataset(out));
      let status = -1;
      req.on('response', (rsp: Rsp.CStoreResponse) => { status = rsp.getStatus(); });
      req.on('done', () => resolve(status));
      const assocn = (this as unknown as { association: InstanceType<typeof assoc.Association> }).association;
      if (!assocn.getAcceptedPresentationContextFromRequest(req)) return resolve(-2);
      this.sendRequests(req);
    });
    void this.busyWhile(() => this.handler.get(this.info, { sopClassUid: request.getAffectedSopClassUid(), identifier: identifierOf(request) }, send, progress, () => this.cancelled.has(id) || !this.isOpen()))
      .then((r) => this.sendResponse(request, finalRetrieve(responses.CGetResponse.fromRequest(request), r, this.cancelled.delete(id), ts)));
  }

  // ---- Storage Commitment Push Model (PS3.4 Annex J) ----
  override nActionRequest(request: Req.NActionRequest, callback: (r: Rsp.NActionResponse) => void): void {
    const rsp = responses.NActionResponse.fromRequest(request);
    const ds = request.getDataset();
    const json = ds ? naturalToJsonSafe(ds.getElements()) : {};
    const transactionUid = String(json['00081195']?.Value?.[0] ?? '');
    const refs = ((json['00081199']?.Value ?? []) as DicomJson[]).map((it) => ({
      sopClassUid: String(it['00081150']?.Value?.[0] ?? ''), sopInstanceUid: String(it['00081155']?.Value?.[0] ?? ''),
    }));
    if (request.getRequestedSopClassUid() !== '1.2.840.10008.1.20.1' || request.getActionTypeId() !== 1 || !transactionUid) {
      rsp.setStatus(!transactionUid ? 0x0120 : 0x0123); // Missing attribute / No such action
      callback(rsp);
      return;
    }
    rsp.setStatus(Status.Success);
    callback(rsp);
    // The result on the same association while the requester keeps it open (PS3.4 J.3.3.1.2 Note 1); false when it
    // released it, closed it, or did not answer within 10 s, so that the caller reports on a new association.
    const report = (eventTypeId: number, result: DicomJson) => new Promise<boolean>((resolve) => {
      if (!this.isOpen()) return resolve(false);
      const socket = (this as unknown as { socket: Socket }).socket;
      const req = new requests.NEventReportRequest('1.2.840.10008.1.20.1', '1.2.840.10008.1.20.1.1', eventTypeId);
      req.setDataset(new Dataset(naturalOf(result), ds?.getTransferSyntaxUid() ?? constants.TransferSyntax.ImplicitVRLittleEndian));
      let ok = false;
      const finish = (v: boolean) => {
        clearTimeout(timer);
        socket.off('close', onClose);
        resolve(v);
      };
      const onClose = () => finish(false);
      const timer = setTimeout(() => finish(false), 10_000);
      socket.once('close', onClose);
      req.on('response', (r: Rsp.NEventReportResponse) => { ok = r.getStatus() === Status.Success; });
      req.on('done', () => finish(ok));
      this.sendRequests(req);
    });
    void this.handler.commit(this.info, { transactionUid, refs }, report).catch((err: Error) => this.handler.log('error', `Storage commitment: ${err.message}`));
  }

  isOpen(): boolean {
    const s = (this as unknown as { socket: Socket }).socket;
    return !this.released && !s.destroyed && s.writable;
  }
}

function setCounts(rsp: Rsp.CMoveResponse | Rsp.CGetResponse, c: SubOperationCounts): void {
  rsp.setRemaining(c.remaining);
  rsp.setCompleted(c.completed);
  rsp.setFailures(c.failed);
  rsp.setWarnings(c.warnings);
}

function finalRetrieve<T extends Rsp.CMoveResponse | Rsp.CGetResponse>(rsp: T, r: RetrieveResult, cancelled: boolean, ts: string): T {
  rsp.setStatus(cancelled ? CANCEL : r.status);
  if (r.comment) rsp.setErrorComment(r.comment.slice(0, 64));
  setCounts(rsp, { ...r.counts, remaining: cancelled ? r.counts.remaining : 0 });
  if (r.failedSopInstanceUids.length) rsp.setDataset(new Dataset({ FailedSOPInstanceUIDList: r.failedSopInstanceUids }, ts));
  return rsp;
}

function identifierOf(request: Req.CFindRequest | Req.CMoveRequest | Req.CGetRequest): DicomJson {
  const ds = request.getDataset();
  return ds ? naturalToJsonSafe(ds.getElements()) : {};
}

// Late import to keep the dcmjs conversion helpers next to the Part 10 helpers.
import { jsonToNatural, naturalToJson } from './part10';
function naturalToJsonSafe(elements: Record<string, unknown>): DicomJson {
  return naturalToJson(elements) as DicomJson;
}
function naturalOf(json: DicomJson): Record<string, unknown> {
  return jsonToNatural(json);
}

export interface DicomListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A TCP listener bound to the configured host (dcmjs-dimse's own Server binds every interface and hides the port):
 * one AxialScp per connection, TCP_NODELAY on every socket, misbehaving peers dropped without affecting others.
 */
export async function listenDicom(opts: ScpOptions & { host: string; port: number; createTemp: AxialScp['createTemp'] }): Promise<DicomListener> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let scp: AxialScp;
    try {
      scp = new AxialScp(socket, { associationTimeout: 30_000, pduTimeout: opts.idleTimeoutMs, connectTimeout: Math.max(opts.idleTimeoutMs, 30_000) });
    } catch (err) {
      opts.handler.log('error', `Cannot start an association handler: ${(err as Error).message}`);
      socket.destroy();
      return;
    }
    (scp as unknown as { connected: boolean; connectedTime: number }).connected = true;
    (scp as unknown as { connectedTime: number }).connectedTime = Date.now();
    scp.handler = opts.handler;
    scp.createTemp = opts.createTemp;
    scp.on('networkError', (err: Error) => {
      opts.handler.log('warn', `DICOM connection from ${socket.remoteAddress}: ${err.message}`);
      try {
        if ((scp as unknown as { association?: unknown }).association && !socket.destroyed) scp.sendAbort(constants.AbortSource.ServiceProvider, constants.AbortReason.NotSpecified);
      } catch { /* the socket may be gone */ }
      socket.end();
      setTimeout(() => socket.destroy(), 500).unref();
    });
    scp.on('close', () => scp.cleanup());
  });
  server.on('error', (err) => opts.handler.log('error', `DICOM listener: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(); });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

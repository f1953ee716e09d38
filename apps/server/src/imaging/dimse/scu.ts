import { Client, Dataset, association, constants, requests, type responses as Rsp } from 'dcmjs-dimse';
import { RawDataset, type DicomJson, type OutgoingStore } from './scp';
import { jsonToNatural, naturalToJson } from './part10';

/** Axial as an SCU (dcmjs-dimse Client behind a promise API), TCP_NODELAY on, one association per call. */

export interface RemoteAe {
  aeTitle: string;
  host: string;
  port: number;
}

export class DimseScuError extends Error {}

const TIMEOUTS = { connectTimeout: 10_000, associationTimeout: 30_000, pduTimeout: 60_000 };

interface RunOptions {
  /** SCP/SCU role selection proposed per abstract syntax (PS3.7 D.3.3.4), e.g. SCP role for an N-EVENT-REPORT. */
  roles?: Record<string, { scu: boolean; scp: boolean }>;
  /** Called once the association is up, with a way to drop the requests not yet sent (cancellation). */
  onNetwork?: (dropQueued: () => void) => void;
}

interface NetworkLike {
  socket?: { setNoDelay(b: boolean): void };
  requests?: unknown[];
  sendAssociationRequest(a: InstanceType<typeof association.Association>): void;
}

function run(callingAe: string, remote: RemoteAe, reqs: Array<InstanceType<typeof requests.Request>>, opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    for (const r of reqs) client.addRequest(r);
    let error: Error | undefined;
    client.on('connected', () => {
      const network = (client as unknown as { network?: NetworkLike }).network;
      network?.socket?.setNoDelay(true);
      if (network && opts.roles) {
        // dcmjs-dimse builds the A-ASSOCIATE-RQ right after 'connected': set the role selection items on its contexts.
        const send = network.sendAssociationRequest.bind(network);
        network.sendAssociationRequest = (a) => {
          for (const { context } of a.getPresentationContexts() as Array<{ context: InstanceType<typeof association.PresentationContext> }>) {
            const role = opts.roles?.[context.getAbstractSyntaxUid()];
            if (role) {
              context.setUserRole(role.scu);
              context.setProviderRole(role.scp);
            }
          }
          send(a);
        };
      }
    });
    client.on('associationAccepted', () => {
      const network = (client as unknown as { network?: NetworkLike }).network;
      opts.onNetwork?.(() => { if (network?.requests) network.requests.length = 0; });
    });
    client.on('associationRejected', (e: { result: number; source: number; reason: number }) => {
      error = new DimseScuError(`Association rejected by ${remote.aeTitle} (result ${e.result}, source ${e.source}, reason ${e.reason})`);
    });
    client.on('networkError', (e: Error) => { error ??= new DimseScuError(`${remote.aeTitle} at ${remote.host}:${remote.port}: ${e.message}`); });
    client.on('closed', () => (error ? reject(error) : resolve()));
    try {
      client.send(remote.host, remote.port, callingAe, remote.aeTitle, TIMEOUTS);
    } catch (e) {
      reject(new DimseScuError((e as Error).message));
    }
  });
}

export async function echo(callingAe: string, remote: RemoteAe): Promise<{ status: number; roundTripMs: number }> {
  const req = new requests.CEchoRequest();
  let status = -1;
  const started = process.hrtime.bigint();
  let ms = 0;
  req.on('response', (r: Rsp.CEchoResponse) => {
    status = r.getStatus();
    ms = Number(process.hrtime.bigint() - started) / 1e6;
  });
  await run(callingAe, remote, [req]);
  if (status < 0) throw new DimseScuError(`No C-ECHO response from ${remote.aeTitle}`);
  return { status, roundTripMs: Math.round(ms * 10) / 10 };
}

export interface StoreOutcome {
  sopInstanceUid: string;
  status: number;
}

/**
 * C-STORE of archived instances (stored bytes as they are) on one association. `cancelled` is checked after each
 * sub-operation: once it returns true no further instance is sent, and the unsent ones are not reported at all
 * (they are neither completed nor failed). Instances lost with the association are reported with status -1.
 */
export async function store(callingAe: string, remote: RemoteAe, items: OutgoingStore[], opts: {
  moveOriginator?: { aet: string; messageId: number };
  onResult?: (o: StoreOutcome) => void;
  cancelled?: () => boolean;
} = {}): Promise<StoreOutcome[]> {
  const outcomes: StoreOutcome[] = [];
  let dropQueued: (() => void) | undefined;
  let stopped = false;
  const reqs = items.map((it) => {
    const req = new requests.CStoreRequest(new RawDataset(it));
    if (opts.moveOriginator) {
      req.getCommandDataset().setElement('MoveOriginatorApplicationEntityTitle', opts.moveOriginator.aet);
      req.getCommandDataset().setElement('MoveOriginatorMessageID', opts.moveOriginator.messageId as unknown as string);
    }
    let status = -1;
    req.on('response', (r: Rsp.CStoreResponse) => { status = r.getStatus(); });
    req.on('done', () => {
      const o = { sopInstanceUid: it.sopInstanceUid, status };
      outcomes.push(o);
      opts.onResult?.(o);
      if (!stopped && opts.cancelled?.()) {
        stopped = true;
        dropQueued?.();
      }
    });
    return req;
  });
  try {
    await run(callingAe, remote, reqs, { onNetwork: (drop) => { dropQueued = drop; } });
  } catch (err) {
    if (!outcomes.length) throw err;
  }
  if (stopped) return outcomes;
  // Requests never sent (association lost): failures.
  for (const it of items) if (!outcomes.some((o) => o.sopInstanceUid === it.sopInstanceUid)) {
    const o = { sopInstanceUid: it.sopInstanceUid, status: -1 };
    outcomes.push(o);
    opts.onResult?.(o);
  }
  return outcomes;
}

/** Study-level C-FIND (Study Root); returns the matches as DICOM JSON. */
export async function findStudies(callingAe: string, remote: RemoteAe, keys: Record<string, string>): Promise<{ status: number; matches: DicomJson[] }> {
  const req = requests.CFindRequest.createStudyFindRequest(keys);
  const matches: DicomJson[] = [];
  let status = -1;
  req.on('response', (r: Rsp.CFindResponse) => {
    status = r.getStatus();
    const ds = r.getDataset();
    if ((status === 0xff00 || status === 0xff01) && ds) matches.push(naturalToJson(ds.getElements()) as DicomJson);
  });
  await run(callingAe, remote, [req]);
  return { status, matches };
}

export interface MoveOutcome {
  status: number;
  completed: number;
  failed: number;
  warnings: number;
  comment?: string;
}

/** Study-level C-MOVE (Study Root) asking the remote to send a study to `destination`. */
export async function moveStudy(callingAe: string, remote: RemoteAe, destination: string, studyUid: string, onPending?: (o: MoveOutcome & { remaining: number }) => void): Promise<MoveOutcome> {
  const req = requests.CMoveRequest.createStudyMoveRequest(destination, studyUid);
  let last: MoveOutcome = { status: -1, completed: 0, failed: 0, warnings: 0 };
  req.on('response', (r: Rsp.CMoveResponse) => {
    last = { status: r.getStatus(), completed: r.getCompleted() ?? 0, failed: r.getFailures() ?? 0, warnings: r.getWarnings() ?? 0, comment: r.getErrorComment() || undefined };
    if (last.status === 0xff00) onPending?.({ ...last, remaining: r.getRemaining() ?? 0 });
  });
  await run(callingAe, remote, [req]);
  return last;
}

export { Dataset, constants, jsonToNatural };

/**
 * N-EVENT-REPORT (storage commitment result) on a new association, Axial proposing the SCP role for the Storage
 * Commitment Push Model SOP Class (PS3.4 J.3.3.1.3: the SCU accepts an association where the SCP role is proposed).
 * Resolves with the N-EVENT-REPORT-RSP status.
 */
export async function eventReport(callingAe: string, remote: RemoteAe, eventTypeId: number, ds: DicomJson): Promise<number> {
  const req = new requests.NEventReportRequest(STORAGE_COMMITMENT_PUSH, STORAGE_COMMITMENT_INSTANCE, eventTypeId);
  req.setDataset(new Dataset(jsonToNatural(ds), constants.TransferSyntax.ImplicitVRLittleEndian));
  let status = -1;
  req.on('response', (r: Rsp.NEventReportResponse) => { status = r.getStatus(); });
  await run(callingAe, remote, [req], { roles: { [STORAGE_COMMITMENT_PUSH]: { scu: false, scp: true } } });
  if (status < 0) throw new DimseScuError(`No N-EVENT-REPORT response from ${remote.aeTitle}`);
  return status;
}

export const STORAGE_COMMITMENT_PUSH = '1.2.840.10008.1.20.1';
export const STORAGE_COMMITMENT_INSTANCE = '1.2.840.10008.1.20.1.1';

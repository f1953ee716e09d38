/**
 * Glue between the viewer page and the pure hanging-protocol rules (viewer/hangingProtocols.ts): the
 * study → rule-input mapping, the search for the patient's prior studies, and the protocol menu.
 */
import { LayoutTemplate } from 'lucide-react';
import { dicomweb, readDatasets, type Thunk } from '../studies/dicomweb';
import { str, strs, T } from '../studies/dicomJson';
import { type HpPriorCandidate, type ProtocolPlan } from '../../viewer/hangingProtocols';

export { seriesKeyOf, toHpStudy } from '../../viewer/viewerData';

/** The patient's studies (QIDO by Patient ID): date and modalities, to pick a prior. */
export async function priorCandidates(patientId: string, thunk: Thunk, signal?: AbortSignal): Promise<HpPriorCandidate[]> {
  if (!patientId) return [];
  const res = await dicomweb({ path: 'studies', params: { PatientID: patientId, includefield: '00080061', limit: 50 }, signal }, thunk);
  return (await readDatasets(res)).map((d) => ({ studyUid: str(d, T.StudyInstanceUID), studyDate: str(d, T.StudyDate), modalities: strs(d, '00080061') }));
}

export function HangingProtocolMenu({ plans, value, onChange }: { plans: ProtocolPlan[]; value: string; onChange: (plan: ProtocolPlan) => void }) {
  if (!plans.length) return null;
  return (
    <label className="flex items-center gap-1 text-xs text-neutral-400" title="Hanging protocol: layout and series chosen for this study">
      <LayoutTemplate className="size-4" aria-hidden />
      <select
        aria-label="Hanging protocol"
        data-testid="protocol-menu"
        className="h-8 max-w-52 rounded border border-neutral-700 bg-neutral-800 px-2 text-xs text-neutral-200"
        value={value}
        onChange={(e) => {
          const plan = plans.find((p) => p.id === e.target.value);
          if (plan) onChange(plan);
          e.target.blur();
        }}
      >
        {!plans.some((p) => p.id === value) && <option value={value}>Custom</option>}
        {plans.map((p, i) => (
          <option key={p.id} value={p.id}>
            {p.label}
            {i === 0 ? ' (auto)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Hanging protocols: which layout and which series the viewer shows when a study opens, by modality.
 * Pure rules (no React, no Cornerstone), unit-tested in hangingProtocols.spec.ts.
 *
 * - CR / DX (chest and other radiographs): the current image beside the most recent prior radiograph of
 *   the patient when one exists (1×2, current left); otherwise the study's views side by side (or 1×1).
 * - CT: the main axial stack 1×1 (the series with the most images that is not a scout); MPR on demand.
 * - MR: the main series in a grid (2×2 of the first four non-localizer series, fewer when there are fewer).
 * - Anything else: the first image series 1×1.
 * Every applicable protocol is also offered in the viewer's protocol menu, so a radiologist can switch.
 */

export type HpLayout = '1x1' | '1x2' | '2x1' | '2x2';

export interface HpSeries {
  /** Key the viewer uses for the series (study|series UID). */
  key: string;
  modality: string;
  description: string;
  seriesNumber: string;
  instanceCount: number;
}

export interface HpStudy {
  studyUid: string;
  /** YYYYMMDD ('' when unknown). */
  studyDate: string;
  series: HpSeries[];
}

/** A study of the same patient as found by a study search (series not loaded). */
export interface HpPriorCandidate {
  studyUid: string;
  studyDate: string;
  /** Modalities in Study. */
  modalities: string[];
}

export type ProtocolId = 'radiograph-prior' | 'radiograph' | 'ct-axial' | 'mr-grid' | 'grid' | 'mpr' | 'single';

export interface ProtocolPlan {
  id: ProtocolId;
  label: string;
  layout: HpLayout;
  /** Series key per viewport (row-major), null = empty viewport. Length = viewports of the layout. */
  viewports: Array<string | null>;
  /** Series key to show as MPR instead of the grid, or null. */
  mpr: string | null;
}

const NON_IMAGE = /^(SR|KO|PR|DOC|REG|RWV|AU|ECG|HD|PLAN|RTPLAN|RTSTRUCT|RTRECORD|SEG)$/i;
const LOCALIZER = /\b(loc|locali[sz]er|scout|survey|topogram|surview|scanogram|tri-?pilot|pilot|3-?plane)\b/i;
const RADIOGRAPH = /^(CR|DX|DR)$/i;

const VIEWPORTS: Record<HpLayout, number> = { '1x1': 1, '1x2': 2, '2x1': 2, '2x2': 4 };

export function viewportCount(layout: HpLayout): number {
  return VIEWPORTS[layout];
}

function seriesNo(s: HpSeries): number {
  const n = Number(s.seriesNumber);
  return Number.isFinite(n) && s.seriesNumber !== '' ? n : Number.MAX_SAFE_INTEGER;
}

/** Image series in reading order (series number), localizers and scouts last. */
export function imageSeries(study: HpStudy): HpSeries[] {
  return study.series
    .filter((s) => !NON_IMAGE.test(s.modality))
    .sort((a, b) => Number(isLocalizer(a)) - Number(isLocalizer(b)) || seriesNo(a) - seriesNo(b));
}

export function isLocalizer(s: HpSeries): boolean {
  return LOCALIZER.test(s.description.replace(/_/g, ' '));
}

/** The study's dominant modality: CT or MR when present, then radiographs, then the first image series'. */
export function studyModality(study: HpStudy): string {
  const mods = new Set(imageSeries(study).map((s) => s.modality.toUpperCase()));
  for (const m of ['CT', 'MR', 'PT', 'CR', 'DX', 'DR', 'MG', 'US', 'XA', 'NM']) if (mods.has(m)) return m;
  return imageSeries(study)[0]?.modality.toUpperCase() ?? '';
}

/** The main series of a cross-sectional study: most images, not a localizer, then lowest series number. */
export function mainSeries(study: HpStudy, modality?: string): HpSeries | null {
  const list = imageSeries(study).filter((s) => !modality || s.modality.toUpperCase() === modality);
  const candidates = list.filter((s) => !isLocalizer(s));
  const pool = candidates.length ? candidates : list;
  return [...pool].sort((a, b) => b.instanceCount - a.instanceCount || seriesNo(a) - seriesNo(b))[0] ?? null;
}

/**
 * The prior worth loading for `current`: for radiographs, the most recent other study of the patient,
 * strictly older than the current one (same-day studies when the date is unknown are skipped), that
 * holds radiographs too. Null when none (or when the current study is not a radiograph study).
 */
export function priorToLoad(current: HpStudy, candidates: readonly HpPriorCandidate[]): string | null {
  if (!RADIOGRAPH.test(studyModality(current))) return null;
  const older = candidates.filter(
    (c) => c.studyUid !== current.studyUid && c.modalities.some((m) => RADIOGRAPH.test(m)) && /^\d{8}$/.test(c.studyDate) && (!current.studyDate || c.studyDate < current.studyDate),
  );
  older.sort((a, b) => (a.studyDate < b.studyDate ? 1 : a.studyDate > b.studyDate ? -1 : 0));
  return older[0]?.studyUid ?? null;
}

function fill(layout: HpLayout, keys: Array<string | null>): Array<string | null> {
  return Array.from({ length: viewportCount(layout) }, (_, i) => keys[i] ?? null);
}

function gridFor(n: number): HpLayout {
  return n >= 3 ? '2x2' : n === 2 ? '1x2' : '1x1';
}

/**
 * Every protocol that applies to the study, the automatic choice first. `priors` are loaded prior
 * studies of the same patient (most recent first); `canFormVolume(key)` says whether a series can be
 * reformatted (unknown: true), to offer MPR.
 */
export function availableProtocols(current: HpStudy, priors: readonly HpStudy[] = [], canFormVolume: (key: string) => boolean = () => true): ProtocolPlan[] {
  const images = imageSeries(current);
  const modality = studyModality(current);
  const plans: ProtocolPlan[] = [];
  const single = (s: HpSeries | null): ProtocolPlan => ({ id: 'single', label: 'One series', layout: '1x1', viewports: [s?.key ?? null], mpr: null });

  if (RADIOGRAPH.test(modality)) {
    const views = images.filter((s) => RADIOGRAPH.test(s.modality));
    const prior = priors.map((p) => imageSeries(p).find((s) => RADIOGRAPH.test(s.modality))).find(Boolean) ?? null;
    if (views.length && prior) {
      plans.push({ id: 'radiograph-prior', label: 'Current + prior', layout: '1x2', viewports: [views[0].key, prior.key], mpr: null });
    }
    const n = Math.min(4, views.length);
    if (n > 1) plans.push({ id: 'radiograph', label: `${n} views`, layout: gridFor(n), viewports: fill(gridFor(n), views.slice(0, n).map((s) => s.key)), mpr: null });
    plans.push(single(views[0] ?? images[0] ?? null));
  } else if (modality === 'CT') {
    const main = mainSeries(current, 'CT');
    plans.push({ id: 'ct-axial', label: 'Axial stack (MPR on demand)', layout: '1x1', viewports: [main?.key ?? null], mpr: null });
    if (main && canFormVolume(main.key)) plans.push({ id: 'mpr', label: 'MPR of the main series', layout: '1x1', viewports: [main.key], mpr: main.key });
    const others = images.filter((s) => !isLocalizer(s));
    if (others.length > 1) {
      const n = Math.min(4, others.length);
      plans.push({ id: 'grid', label: `${n} series`, layout: gridFor(n), viewports: fill(gridFor(n), [main!, ...others.filter((s) => s.key !== main?.key)].slice(0, n).map((s) => s.key)), mpr: null });
    }
  } else if (modality === 'MR') {
    const series = images.filter((s) => s.modality.toUpperCase() === 'MR' && !isLocalizer(s));
    const pool = series.length ? series : images;
    const n = Math.min(4, pool.length);
    if (n > 1) plans.push({ id: 'mr-grid', label: `${n === 4 ? '2×2' : `${n}`} series`, layout: gridFor(n), viewports: fill(gridFor(n), pool.slice(0, n).map((s) => s.key)), mpr: null });
    const main = mainSeries(current, 'MR');
    plans.push(single(main ?? pool[0] ?? null));
    if (main && canFormVolume(main.key)) plans.push({ id: 'mpr', label: 'MPR of the main series', layout: '1x1', viewports: [main.key], mpr: main.key });
  } else {
    plans.push(single(images[0] ?? null));
    const n = Math.min(4, images.length);
    if (n > 1) plans.push({ id: 'grid', label: `${n} series`, layout: gridFor(n), viewports: fill(gridFor(n), images.slice(0, n).map((s) => s.key)), mpr: null });
  }
  return plans;
}

/** The protocol applied automatically when the study opens. */
export function chooseProtocol(current: HpStudy, priors: readonly HpStudy[] = [], canFormVolume?: (key: string) => boolean): ProtocolPlan {
  return availableProtocols(current, priors, canFormVolume)[0];
}

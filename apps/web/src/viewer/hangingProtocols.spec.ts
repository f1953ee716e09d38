import { describe, expect, it } from 'vitest';
import { availableProtocols, chooseProtocol, imageSeries, mainSeries, priorToLoad, studyModality, type HpSeries, type HpStudy } from './hangingProtocols';

let n = 0;
const se = (modality: string, description: string, instanceCount: number, seriesNumber = String(++n)): HpSeries => ({
  key: `st|${modality}-${description}-${seriesNumber}`,
  modality,
  description,
  seriesNumber,
  instanceCount,
});
const study = (uid: string, date: string, series: HpSeries[]): HpStudy => ({ studyUid: uid, studyDate: date, series });

describe('hanging protocols', () => {
  it('CT: the largest non-scout series as a 1x1 axial stack, MPR offered on demand', () => {
    const scout = se('CT', 'Topogram 0.6 T20s', 2, '1');
    const thick = se('CT', 'Abdomen 5.0 B30f', 90, '2');
    const thin = se('CT', 'Abdomen 1.0 B30f', 450, '3');
    const dose = se('SR', 'Dose Report', 1, '99');
    const ct = study('1', '20260101', [dose, thin, scout, thick]);
    const plan = chooseProtocol(ct);
    expect(plan).toMatchObject({ id: 'ct-axial', layout: '1x1', viewports: [thin.key], mpr: null });
    const ids = availableProtocols(ct).map((p) => p.id);
    expect(ids).toEqual(['ct-axial', 'mpr', 'grid']);
    expect(availableProtocols(ct).find((p) => p.id === 'mpr')).toMatchObject({ mpr: thin.key });
    // No MPR when the main series cannot form a volume.
    expect(availableProtocols(ct, [], (k) => k !== thin.key).map((p) => p.id)).toEqual(['ct-axial', 'grid']);
    // The grid starts with the main series and never shows the scout.
    const grid = availableProtocols(ct).find((p) => p.id === 'grid')!;
    expect(grid.viewports).toEqual([thin.key, thick.key]);
  });

  it('MR: 2x2 of the first four non-localizer series in series order', () => {
    const loc = se('MR', 'localizer', 3, '1');
    const t1 = se('MR', 'T1 SE ax', 24, '2');
    const t2 = se('MR', 'T2 TSE ax', 24, '3');
    const flair = se('MR', 'FLAIR ax', 24, '4');
    const dwi = se('MR', 'DWI b1000', 72, '5');
    const adc = se('MR', 'ADC', 24, '6');
    const mr = study('2', '20260101', [adc, dwi, flair, t2, t1, loc]);
    const plan = chooseProtocol(mr);
    expect(plan).toMatchObject({ id: 'mr-grid', layout: '2x2', viewports: [t1.key, t2.key, flair.key, dwi.key] });
    // Single series alternative: the main (largest) one; MPR of it.
    expect(availableProtocols(mr).map((p) => p.id)).toEqual(['mr-grid', 'single', 'mpr']);
    expect(availableProtocols(mr)[1].viewports).toEqual([dwi.key]);
    // Two series: side by side; one series: 1x1.
    expect(chooseProtocol(study('3', '', [t1, t2]))).toMatchObject({ layout: '1x2', viewports: [t1.key, t2.key] });
    expect(chooseProtocol(study('4', '', [t1]))).toMatchObject({ id: 'single', layout: '1x1', viewports: [t1.key] });
    // Three series: 2x2 with an empty fourth viewport.
    expect(chooseProtocol(study('5', '', [t1, t2, flair])).viewports).toEqual([t1.key, t2.key, flair.key, null]);
  });

  it('CR/DX chest: current + most recent older radiograph prior, else the views of the study', () => {
    const pa = se('DX', 'PA', 1, '1');
    const lat = se('DX', 'LAT', 1, '2');
    const current = study('cur', '20260301', [pa, lat]);
    const candidates = [
      { studyUid: 'cur', studyDate: '20260301', modalities: ['DX'] },
      { studyUid: 'ct-old', studyDate: '20260201', modalities: ['CT'] },
      { studyUid: 'cr-2024', studyDate: '20240105', modalities: ['CR'] },
      { studyUid: 'dx-2025', studyDate: '20250610', modalities: ['DX', 'SR'] },
      { studyUid: 'later', studyDate: '20260401', modalities: ['DX'] },
      { studyUid: 'nodate', studyDate: '', modalities: ['DX'] },
    ];
    expect(priorToLoad(current, candidates)).toBe('dx-2025');
    expect(priorToLoad(current, candidates.filter((c) => c.studyUid !== 'dx-2025' && c.studyUid !== 'cr-2024'))).toBeNull();
    // Not a radiograph study: no prior is loaded for the protocol.
    expect(priorToLoad(study('ct', '20260301', [se('CT', 'ax', 100)]), candidates)).toBeNull();

    const priorPa = se('CR', 'PA', 1, '1');
    const prior = study('dx-2025', '20250610', [se('SR', 'report', 1, '9'), priorPa]);
    expect(chooseProtocol(current, [prior])).toMatchObject({ id: 'radiograph-prior', layout: '1x2', viewports: [pa.key, priorPa.key] });
    expect(chooseProtocol(current)).toMatchObject({ id: 'radiograph', layout: '1x2', viewports: [pa.key, lat.key] });
    expect(chooseProtocol(study('one', '20260301', [pa]))).toMatchObject({ id: 'single', viewports: [pa.key] });
    expect(availableProtocols(current, [prior]).map((p) => p.id)).toEqual(['radiograph-prior', 'radiograph', 'single']);
  });

  it('other modalities: the first image series; helpers', () => {
    const us = se('US', 'Cine', 1, '1');
    const sr = se('SR', 'Report', 1, '2');
    const s = study('us', '20260101', [sr, us]);
    expect(chooseProtocol(s)).toMatchObject({ id: 'single', viewports: [us.key] });
    expect(studyModality(s)).toBe('US');
    expect(imageSeries(s)).toEqual([us]);
    expect(mainSeries(study('x', '', [se('CT', 'Scout', 2), se('CT', 'Axial', 100), se('PT', 'PET', 300)]), 'CT')?.description).toBe('Axial');
    expect(chooseProtocol(study('empty', '', [sr]))).toMatchObject({ id: 'single', viewports: [null] });
  });
});

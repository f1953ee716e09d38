/**
 * MPR and hanging protocols end to end in Debian Chromium (SwiftShader WebGL2).
 *
 * Shapes with known geometry, checked by reading pixels of the reformatted planes at world points
 * (the test maps patient coordinates to each plane's canvas itself, from radiological display
 * conventions: axial = patient left on the right, anterior up; coronal = left on the right, head up;
 * sagittal = anterior on the left, head up):
 * - the 128-slice "PACSMAN" MR phantom (fixtures/demo/mr-pacsman-phantom, the same files as
 *   ../shared/dicom-samples/series/mr_synthetic_pacsman_128slices): a sphere (value 2, radius ≈ 60 mm,
 *   centre (0, -63, 63) mm) with a wedge "mouth" opening anteriorly around z = 63, and "eyes" (value 1)
 *   near x = ±41, y = -80, z = 100;
 * - a synthetic oblique acquisition (rotated 25° about z and 20° about x) of a ball with a rod towards
 *   the patient's left and a knob towards the head, STOWed by the test;
 * - series that cannot form a volume (single image, missing slice, multi-frame US) must say why.
 * Hanging protocols: DX current + prior side by side, MR 2×2, CT axial stack with MPR from the menu.
 * Screenshots: test-artifacts/e2e/mpr-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { Browsers, finishBrowserTest, launchBrowser, login, resetArtifacts, screenshot } from './support/browser';
import { api, apiLogin, assertBuilt, startServer, waitForStudies, type AxialServer } from './support/server';
import { distance, distanceToSegment, image, rotate, stow, volumeSeries, type SeriesSpec, type Vec3 } from './support/volumes';

const PACSMAN_STUDY = '1.2.826.0.1.3680043.8.498.23904356067352728123256330845974725175';
const US_MULTIFRAME_STUDY = '1.2.840.114340.3.8251017118051.1.20160503.120850.2171';

const run = `${Date.now()}`.slice(-9);
const uidRoot = `2.25.${run}${Math.floor(Math.random() * 1e6)}`;
const uid = (k: string) => `${uidRoot}.${k}`;
const patient = { id: `MPR${run}`, name: `MPR^PATIENT${run}` };

const OBLIQUE = {
  centre: [10, -20, 30] as Vec3,
  rodEnd: [10 + 34, -20, 30] as Vec3, // towards the patient's left (+x)
  knob: [10, -20, 30 + 22] as Vec3, // towards the head (+z)
};
const obliqueStudy: SeriesSpec = { studyUid: uid('1'), seriesUid: uid('1.1'), patientId: patient.id, patientName: patient.name, studyDate: '20260110', modality: 'CT', seriesNumber: 1, description: 'OBLIQUE PHANTOM', studyDescription: 'CT OBLIQUE' };
const gapSeries: SeriesSpec = { ...obliqueStudy, seriesUid: uid('1.2'), seriesNumber: 2, description: 'MISSING SLICE' };
const mrStudy = (n: number): SeriesSpec => ({ studyUid: uid('2'), seriesUid: uid(`2.${n}`), patientId: patient.id, patientName: patient.name, studyDate: '20260111', modality: 'MR', seriesNumber: n, description: ['LOCALIZER', 'T1 AX', 'T2 AX', 'FLAIR AX', 'DWI AX', 'ADC'][n], studyDescription: 'MR BRAIN' });
const dxCurrent: SeriesSpec = { studyUid: uid('3'), seriesUid: uid('3.1'), patientId: patient.id, patientName: patient.name, studyDate: '20260301', modality: 'DX', seriesNumber: 1, description: 'CHEST PA', studyDescription: 'DX CHEST' };
const dxPrior: SeriesSpec = { ...dxCurrent, studyUid: uid('4'), seriesUid: uid('4.1'), studyDate: '20250301', description: 'CHEST PA PRIOR' };
const dxOlder: SeriesSpec = { ...dxCurrent, studyUid: uid('5'), seriesUid: uid('5.1'), studyDate: '20230301', description: 'CHEST PA OLD' };

let server: AxialServer;
let browser: Browser;
let browsers: Browsers;

type Plane = 'axial' | 'coronal' | 'sagittal';
/** Screen right and down of each plane, in patient coordinates (LPS). */
const SCREEN: Record<Plane, { right: Vec3; down: Vec3 }> = {
  axial: { right: [1, 0, 0], down: [0, 1, 0] },
  coronal: { right: [1, 0, 0], down: [0, 0, -1] },
  sagittal: { right: [0, 1, 0], down: [0, 0, -1] },
};

interface PlaneView {
  /** World point shown at the canvas centre (the crosshairs centre when MPR opened). */
  origin: Vec3;
  mmPerPx: number;
}

async function openMpr(page: Page): Promise<void> {
  await page.getByTestId('action-mpr').click();
  await expect.poll(() => page.getByTestId('mpr').getAttribute('data-status'), { timeout: 60_000 }).toMatch(/ready|unsupported|error/);
  const status = await page.getByTestId('mpr').getAttribute('data-status');
  if (status !== 'ready') throw new Error(`MPR ${status}: ${await page.getByTestId('mpr-message').textContent()}`);
}

async function crosshairCentre(page: Page): Promise<Vec3> {
  const c = (await page.getByTestId('mpr').getAttribute('data-center')) ?? '';
  const v = c.split(',').map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x))) throw new Error(`no crosshair centre: "${c}"`);
  return v as Vec3;
}

async function planeView(page: Page, plane: Plane, origin: Vec3): Promise<PlaneView> {
  const mmPerPx = Number(await page.getByTestId(`mpr-${plane}`).getAttribute('data-mm-per-px'));
  expect(mmPerPx, `${plane} scale`).toBeGreaterThan(0.05);
  return { origin, mmPerPx };
}

/** Canvas (CSS px) position of world point `w` on `plane`, relative to the canvas centre. */
function toCanvasOffset(plane: Plane, view: PlaneView, w: Vec3): [number, number] {
  const d: Vec3 = [w[0] - view.origin[0], w[1] - view.origin[1], w[2] - view.origin[2]];
  const { right, down } = SCREEN[plane];
  return [(d[0] * right[0] + d[1] * right[1] + d[2] * right[2]) / view.mmPerPx, (d[0] * down[0] + d[1] * down[1] + d[2] * down[2]) / view.mmPerPx];
}

/** Mean luminance of a 5×5 pixel patch around each world point on `plane`'s canvas. */
async function luminanceAt(page: Page, plane: Plane, view: PlaneView, points: Vec3[]): Promise<number[]> {
  const offsets = points.map((p) => toCanvasOffset(plane, view, p));
  return page.evaluate(
    ({ plane, offsets }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="mpr-element-${plane}"] canvas`)!;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const scale = canvas.width / canvas.clientWidth;
      return offsets.map(([dx, dy]) => {
        const x = Math.round((canvas.clientWidth / 2 + dx) * scale);
        const y = Math.round((canvas.clientHeight / 2 + dy) * scale);
        const { data } = ctx.getImageData(x - 2, y - 2, 5, 5);
        let sum = 0;
        for (let p = 0; p < data.length; p += 4) sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
        return sum / (data.length / 4);
      });
    },
    { plane, offsets },
  );
}

/** Page coordinates of world point `w` on `plane`. */
async function pagePoint(page: Page, plane: Plane, view: PlaneView, w: Vec3): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(`mpr-element-${plane}`).boundingBox())!;
  const [dx, dy] = toCanvasOffset(plane, view, w);
  return { x: box.x + box.width / 2 + dx, y: box.y + box.height / 2 + dy };
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
}

const BRIGHT = 200;
const DARK = 40;

beforeAll(async () => {
  assertBuilt();
  resetArtifacts(['mpr-']);
  [server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
  const token = await apiLogin(server, 'admin', server.adminPassword);

  // The oblique phantom: 64×64×48 voxels of 1.5 mm, rows/columns rotated 25° about z then 20° about x.
  const row = rotate(rotate([1, 0, 0], 2, 25), 0, 20);
  const col = rotate(rotate([0, 1, 0], 2, 25), 0, 20);
  const value = (p: Vec3) => (distance(p, OBLIQUE.centre) <= 12 || distanceToSegment(p, OBLIQUE.centre, OBLIQUE.rodEnd) <= 3.5 || distance(p, OBLIQUE.knob) <= 6 ? 1000 : 0);
  const oblique = { size: 64, slices: 48, spacing: 1.5, row, col, centre: OBLIQUE.centre, value, window: [1000, 500] as [number, number] };
  await stow(server, token, volumeSeries(obliqueStudy, oblique));
  // Same geometry, 12 slices with the 7th missing: cannot form a volume.
  await stow(server, token, volumeSeries(gapSeries, { ...oblique, slices: 12 }).filter((_, k) => k !== 6));

  // MR study of five series + a localizer (hanging protocol: 2x2 of the first four non-localizer series).
  const mrFiles: Uint8Array[] = [];
  for (let n = 0; n <= 5; n++) {
    const pixels = new Int16Array(32 * 32).map((_, i) => ((i % 32) + n * 10) % 64);
    for (let k = 0; k < 3; k++) mrFiles.push(image(mrStudy(n), { rows: 32, columns: 32, pixelSpacing: [1, 1], position: [0, 0, k * 5], orientation: [1, 0, 0, 0, 1, 0], pixels, window: [64, 32], instanceNumber: k + 1 }));
  }
  await stow(server, token, mrFiles);

  // DX current and two priors of the same patient (the newer prior is hung beside the current).
  const chest = (seed: number) => new Int16Array(64 * 64).map((_, i) => (Math.hypot((i % 64) - 32, Math.floor(i / 64) - 32) < 20 + seed ? 800 : 200));
  for (const [s, seed] of [[dxCurrent, 0], [dxPrior, 4], [dxOlder, 8]] as const) {
    await stow(server, token, [image(s, { rows: 64, columns: 64, pixelSpacing: [0.5, 0.5], pixels: chest(seed), window: [1000, 500], instanceNumber: 1 })]);
  }

  // The demo import runs on first start: wait for the studies the tests open.
  await waitForStudies(server, token, [PACSMAN_STUDY, US_MULTIFRAME_STUDY]);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'mpr-FAILED-', browserErrors: true }));

async function openViewer(page: Page, studyUid: string): Promise<void> {
  await page.goto(`/viewer?StudyInstanceUIDs=${encodeURIComponent(studyUid)}`);
  await page.getByTestId('viewer').waitFor();
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
}

it('MPR of the PACSMAN phantom: the three planes show the known shape; crosshairs move the planes together; MIP and average slabs', async () => {
  const { page } = await browsers.open('pacsman');
  await login(page, 'admin', server.adminPassword);
  // Single frames answer slowly, so that most of the volume is still to be fetched when the MPR opens: it must then
  // come in one series pixel data request, read by a worker (the shapes checked below are those pixels).
  await page.route('**/frames/*', (route) => setTimeout(() => route.continue().catch(() => undefined), 1000));
  const seriesAnswers: number[] = [];
  page.context().on('response', (r) => {
    if (/\/series\/[^/]+\/pixeldata$/.test(r.url())) seriesAnswers.push(r.status());
  });
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await openViewer(page, PACSMAN_STUDY);
  // MR study with one series: the "one series" protocol, MPR offered in the menu.
  expect(await page.getByTestId('protocol-menu').inputValue()).toBe('single');
  await openMpr(page);
  expect(seriesAnswers, 'series pixel data requests of the MPR').toEqual([200]);
  expect(warnings.filter((w) => /series pixel data/i.test(w))).toEqual([]);
  await page.unroute('**/frames/*');

  // Volume 128³ of 1 mm from (-63, -127, 0) to (64, 0, 127): the crosshairs start at its centre.
  const c0 = await crosshairCentre(page);
  expect(distance(c0, [0.5, -63.5, 63.5]), `initial centre ${c0}`).toBeLessThan(1.01);
  const ax = await planeView(page, 'axial', c0);
  const co = await planeView(page, 'coronal', c0);
  const sa = await planeView(page, 'sagittal', c0);
  // Orientation markers of the three planes.
  expect(await page.getByTestId('mpr-marker-left-axial').textContent()).toBe('R');
  expect(await page.getByTestId('mpr-marker-top-axial').textContent()).toBe('A');
  expect(await page.getByTestId('mpr-marker-top-coronal').textContent()).toBe('H');
  expect(await page.getByTestId('mpr-marker-left-sagittal').textContent()).toBe('A');
  await screenshot(page, 'mpr-01-pacsman');

  // Axial through the mouth: anterior half empty, posterior half of the disc bright.
  const [axAnt, axPost, axPostL, axPostR] = await luminanceAt(page, 'axial', ax, [[0.5, -93.5, 63.5], [0.5, -33.5, 63.5], [30.5, -33.5, 63.5], [-29.5, -33.5, 63.5]]);
  expect(axAnt, 'axial: anterior (mouth) is dark').toBeLessThan(DARK);
  for (const v of [axPost, axPostL, axPostR]) expect(v, 'axial: posterior half of the sphere is bright').toBeGreaterThan(BRIGHT);
  // Sagittal: the pacman profile, mouth open anteriorly (screen left), head up.
  const [saAnt, saPost, saUp, saDown, saOutside] = await luminanceAt(page, 'sagittal', sa, [[0.5, -93.5, 63.5], [0.5, -33.5, 63.5], [0.5, -63.5, 93.5], [0.5, -63.5, 33.5], [0.5, -5, 125]]);
  expect(saAnt, 'sagittal: mouth').toBeLessThan(DARK);
  for (const v of [saPost, saUp, saDown]) expect(v, 'sagittal: sphere').toBeGreaterThan(BRIGHT);
  expect(saOutside, 'sagittal: outside the sphere').toBeLessThan(DARK);
  // Coronal through the centre (the mouth's apex line runs across it at z = 64): the disc, dark corners.
  const [coL, coR, coUp, coDown, coCorner] = await luminanceAt(page, 'coronal', co, [[-29.5, -63.5, 50], [30.5, -63.5, 78], [0.5, -63.5, 103.5], [0.5, -63.5, 23.5], [-55, -63.5, 120]]);
  for (const v of [coL, coR, coUp, coDown]) expect(v, 'coronal: disc').toBeGreaterThan(BRIGHT);
  expect(coCorner, 'coronal: corner').toBeLessThan(DARK);

  // Crosshairs: a click in the sagittal plane 25 mm anterior and 14 mm down (away from the reference lines)
  // moves the crosshair centre there, and the coronal and axial planes with it: the coronal plane now cuts
  // through the mouth (dark centre, bright caps) and the eyes.
  const target: Vec3 = [0.5, -88.5, 50];
  const p = await pagePoint(page, 'sagittal', sa, target);
  await page.mouse.click(p.x, p.y);
  await expect.poll(async () => distance(await crosshairCentre(page), target), { timeout: 10_000 }).toBeLessThan(2);
  await expect.poll(() => page.getByTestId('mpr-position-coronal').textContent()).toMatch(/8[89]\.\d mm A/);
  await settle(page);
  const [mouth, capUp, capDown, eyeR, eyeL] = await luminanceAt(page, 'coronal', co, [[0.5, -88.5, 63.5], [0.5, -88.5, 103.5], [0.5, -88.5, 23.5], [-41, -88.5, 100], [41, -88.5, 100]]);
  expect(mouth, 'coronal after the jump: the mouth').toBeLessThan(DARK);
  expect(capUp).toBeGreaterThan(BRIGHT);
  expect(capDown).toBeGreaterThan(BRIGHT);
  for (const eye of [eyeR, eyeL]) {
    expect(eye, 'eye (value 1 of 0..2) is mid-grey').toBeGreaterThan(70);
    expect(eye).toBeLessThan(190);
  }
  // The axial plane moved down to z = 50; the sagittal did not move (same x).
  expect(await page.getByTestId('mpr-position-axial').textContent()).toMatch(/(49|50|51)\.\d mm H/);
  expect(await page.getByTestId('mpr-position-sagittal').textContent()).toMatch(/[01]\.\d mm L/);
  const [axMouthEdge] = await luminanceAt(page, 'axial', ax, [[0.5, -33.5, 50]]);
  expect(axMouthEdge, 'axial at z = 50: posterior sphere').toBeGreaterThan(BRIGHT);
  await screenshot(page, 'mpr-02-pacsman-crosshairs-moved');

  // Back to the centre, then slabs on the axial plane at 15 mm anterior (inside the mouth):
  // thin = dark; 80 mm MIP = bright (the sphere above and below the mouth); average in between.
  await page.getByTestId('mpr-reset').click();
  await expect.poll(async () => distance(await crosshairCentre(page), c0)).toBeLessThan(1.01);
  await settle(page);
  const probe: Vec3 = [0.5, -78.5, 63.5];
  const [thin] = await luminanceAt(page, 'axial', ax, [probe]);
  expect(thin, 'thin axial inside the mouth').toBeLessThan(DARK);
  await page.getByTestId('mpr-slab').selectOption('80');
  await expect.poll(() => page.getByTestId('mpr-position-axial').textContent()).toContain('MIP 80 mm');
  await settle(page);
  const [mip] = await luminanceAt(page, 'axial', ax, [probe]);
  expect(mip, 'MIP 80 mm').toBeGreaterThan(BRIGHT);
  await screenshot(page, 'mpr-03-pacsman-mip80');
  await page.getByTestId('mpr-slab-mode').selectOption('average');
  await expect.poll(() => page.getByTestId('mpr-position-axial').textContent()).toContain('Average 80 mm');
  await settle(page);
  const [avg] = await luminanceAt(page, 'axial', ax, [probe]);
  // 44 of the 80 mm along z are inside the sphere (value 2): average ≈ 1.1 of 0..2 → ≈ 140 of 255.
  expect(avg, `average ${avg.toFixed(0)} between thin ${thin.toFixed(0)} and MIP ${mip.toFixed(0)}`).toBeGreaterThan(90);
  expect(avg).toBeLessThan(mip - 40);
  await screenshot(page, 'mpr-04-pacsman-average80');

  // Back to the stack: the series is shown again.
  await page.getByTestId('mpr-close').click();
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
});

it('MPR of an oblique acquisition shows the shape at its place in patient space', async () => {
  const { page } = await browsers.open('oblique');
  await login(page, 'admin', server.adminPassword);
  await openViewer(page, obliqueStudy.studyUid);
  // CT: axial stack first, MPR on demand.
  expect(await page.getByTestId('protocol-menu').inputValue()).toBe('ct-axial');
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-series-uid')).toBe(obliqueStudy.seriesUid);
  await openMpr(page);
  expect(await page.getByTestId('mpr').getAttribute('data-oblique')).toBe('true');
  const c0 = await crosshairCentre(page);
  // Cornerstone snaps each plane to the nearest voxel centre along its normal: within one voxel (1.5 mm) per axis.
  expect(distance(c0, OBLIQUE.centre), `volume centre ${c0}`).toBeLessThan(2);
  const { centre, rodEnd, knob } = OBLIQUE;
  const at = (dx: number, dy: number, dz: number): Vec3 => [centre[0] + dx, centre[1] + dy, centre[2] + dz];
  // Axial: ball, rod to the patient's left (screen right) only.
  const ax = await planeView(page, 'axial', c0);
  const [axBall, axRod, axRodTip, axRight, axAnt, axPost] = await luminanceAt(page, 'axial', ax, [centre, at(22, 0, 0), [rodEnd[0] - 3, rodEnd[1], rodEnd[2]], at(-22, 0, 0), at(0, -22, 0), at(0, 22, 0)]);
  expect(axBall).toBeGreaterThan(BRIGHT);
  expect(axRod, 'rod towards patient left').toBeGreaterThan(BRIGHT);
  expect(axRodTip, 'rod tip').toBeGreaterThan(BRIGHT);
  for (const v of [axRight, axAnt, axPost]) expect(v, 'nothing else in the axial plane').toBeLessThan(DARK);
  // Coronal: rod to the left, knob towards the head.
  const co = await planeView(page, 'coronal', c0);
  const [coRod, coKnob, coFeet, coRight] = await luminanceAt(page, 'coronal', co, [at(22, 0, 0), knob, at(0, 0, -22), at(-22, 0, 0)]);
  expect(coRod).toBeGreaterThan(BRIGHT);
  expect(coKnob, 'knob towards the head').toBeGreaterThan(BRIGHT);
  expect(coFeet).toBeLessThan(DARK);
  expect(coRight).toBeLessThan(DARK);
  // Sagittal: knob up, no rod (it runs across the plane).
  const sa = await planeView(page, 'sagittal', c0);
  const [saKnob, saFeet, saAnt, saPost] = await luminanceAt(page, 'sagittal', sa, [knob, at(0, 0, -22), at(0, -22, 0), at(0, 22, 0)]);
  expect(saKnob).toBeGreaterThan(BRIGHT);
  for (const v of [saFeet, saAnt, saPost]) expect(v).toBeLessThan(DARK);
  await screenshot(page, 'mpr-05-oblique');

  // The protocol menu offers MPR of the main series directly.
  await page.getByTestId('mpr-close').click();
  await page.getByTestId('protocol-menu').selectOption('mpr');
  await expect.poll(() => page.getByTestId('mpr').getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
});

it('series that cannot form a volume say why', async () => {
  const { page } = await browsers.open('refusals');
  await login(page, 'admin', server.adminPassword);
  // A missing slice.
  await openViewer(page, obliqueStudy.studyUid);
  await page.getByTestId('series-item').filter({ hasText: 'MISSING SLICE' }).click();
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-series-uid')).toBe(gapSeries.seriesUid);
  await page.getByTestId('action-mpr').click();
  await expect.poll(() => page.getByTestId('mpr').getAttribute('data-status'), { timeout: 20_000 }).toBe('unsupported');
  expect(await page.getByTestId('mpr-message').textContent()).toMatch(/slice spacing is not uniform \(3 mm between images 6 and 7, 1\.5 mm elsewhere\)/);
  await screenshot(page, 'mpr-06-refused-missing-slice');
  await page.getByTestId('mpr-message').getByRole('button', { name: 'Back to stack' }).click();
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-status')).toBe('ready');

  // Multi-frame US (keyboard M toggles MPR).
  await openViewer(page, US_MULTIFRAME_STUDY);
  await page.getByTestId('viewport-0').click();
  await page.keyboard.press('m');
  await expect.poll(() => page.getByTestId('mpr').getAttribute('data-status'), { timeout: 20_000 }).toBe('unsupported');
  expect(await page.getByTestId('mpr-message').textContent()).toMatch(/multi-frame US \(30 frames\).*cannot be reformatted/);
  await screenshot(page, 'mpr-07-refused-us');
  await page.keyboard.press('m');
  await expect.poll(() => page.getByTestId('viewport-0').getAttribute('data-status')).toBe('ready');

  // A single radiograph.
  await openViewer(page, dxOlder.studyUid);
  await page.getByTestId('action-mpr').click();
  await expect.poll(() => page.getByTestId('mpr').getAttribute('data-status'), { timeout: 20_000 }).toBe('unsupported');
  expect(await page.getByTestId('mpr-message').textContent()).toMatch(/at least 3 slices; this series has a single image/);
});

it('hanging protocols: DX current beside the latest prior, MR 2x2, switchable from the menu', async () => {
  const { page } = await browsers.open('protocols');
  await login(page, 'admin', server.adminPassword);

  // DX: the most recent older radiograph of the patient is found and hung on the right.
  await openViewer(page, dxCurrent.studyUid);
  await expect.poll(() => page.getByTestId('protocol-menu').inputValue(), { timeout: 15_000 }).toBe('radiograph-prior');
  expect(await page.getByTestId('viewport-grid').getAttribute('data-layout')).toBe('1x2');
  expect(await page.getByTestId('viewport-0').getAttribute('data-series-uid')).toBe(dxCurrent.seriesUid);
  expect(await page.getByTestId('viewport-1').getAttribute('data-series-uid')).toBe(dxPrior.seriesUid);
  await expect.poll(() => page.getByTestId('viewport-1').getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
  await expect.poll(() => page.getByTestId('viewport-overlay-1').textContent()).toContain('CHEST PA PRIOR');
  await screenshot(page, 'mpr-08-protocol-dx-prior');
  // Switch to one series from the menu.
  await page.getByTestId('protocol-menu').selectOption('single');
  await expect.poll(() => page.getByTestId('viewport-grid').getAttribute('data-layout')).toBe('1x1');

  // MR: 2x2 of the first four non-localizer series in series order.
  await openViewer(page, mrStudy(0).studyUid);
  await expect.poll(() => page.getByTestId('protocol-menu').inputValue()).toBe('mr-grid');
  expect(await page.getByTestId('viewport-grid').getAttribute('data-layout')).toBe('2x2');
  for (let i = 0; i < 4; i++) {
    expect(await page.getByTestId(`viewport-${i}`).getAttribute('data-series-uid')).toBe(mrStudy(i + 1).seriesUid);
    await expect.poll(() => page.getByTestId(`viewport-${i}`).getAttribute('data-status'), { timeout: 20_000 }).toBe('ready');
  }
  await screenshot(page, 'mpr-09-protocol-mr-2x2');
  // A manual change makes the arrangement "custom".
  await page.getByTestId('layout-1x1').click();
  expect(await page.getByTestId('protocol-menu').inputValue()).toBe('custom');
});

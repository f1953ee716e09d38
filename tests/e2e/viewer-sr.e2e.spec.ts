/**
 * Measurements saved as DICOM SR (TID 1500) and key images as KOS, priors with synchronised viewports, and
 * studies in tabs, end to end in Debian Chromium against the built server (npm run build).
 *
 * - A radiologist draws every measurement tool on the demo CT, marks a key image and saves: the archive then
 *   holds an SR (QIDO Modality=SR) whose content dcmjs parses as TID 1500 with the values the panel showed,
 *   and a KOS referencing the key image. After a reload (and for another user) they are back, read from the
 *   archive. Deleting one and saving again persists the deletion.
 * - Two synthetic studies of one patient are stored (STOW-RS): the priors panel lists the older one; opened
 *   beside, scrolling and W/L of one viewport follow the other; switched off, they no longer do. The prior
 *   opens in its own tab without a page reload.
 * Screenshots: test-artifacts/e2e/viewer-sr-*.png.
 */
import dcmjs from 'dcmjs';
import type { Browser, Page } from 'playwright-core';
import { testing } from '../../packages/dicom/src/index';
import { Browsers, finishBrowserTest, launchBrowser, login, resetArtifacts, screenshot } from './support/browser';
import { api, apiLogin, assertBuilt, startServer, waitForStudies, type AxialServer } from './support/server';

const CT = '1.3.6.1.4.1.5962.1.2.1.20040826185059.5457'; // 2 CT images (uncompressed + J2K), HU
const DEMO_PASSWORD = 'axial-demo-2026';
const SR_TID1500 = '1500';
const KOS_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';

let server: AxialServer;
let browser: Browser;
let browsers: Browsers;
let adminToken: string;

type Json = Record<string, { vr?: string; Value?: unknown[] } | undefined>;
const v = (ds: Json | undefined, tag: string): string => String(ds?.[tag]?.Value?.[0] ?? '');

beforeAll(async () => {
  assertBuilt();
  resetArtifacts(['viewer-sr-']);
  [server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
  adminToken = await apiLogin(server, 'admin', server.adminPassword);
  await waitForStudies(server, adminToken, [CT]);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'viewer-sr-FAILED-', browserErrors: true }));

// ---------------------------------------------------------------------------------------------------
// helpers

async function waitReady(page: Page, index: number): Promise<void> {
  const vp = page.getByTestId(`viewport-${index}`);
  await expect.poll(() => vp.getAttribute('data-status'), { timeout: 30_000 }).toMatch(/ready|error/);
  if ((await vp.getAttribute('data-status')) === 'error') throw new Error(`viewport ${index}: ${await vp.getByRole('alert').textContent()}`);
  await page.getByTestId(`viewport-slice-${index}`).waitFor();
  await settle(page);
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))));
}

async function centre(page: Page, index = 0): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(`viewport-${index}`).boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function drag(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.mouse.move(from[0], from[1]);
  await page.mouse.down();
  await page.mouse.move((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, { steps: 4 });
  await page.mouse.move(to[0], to[1], { steps: 4 });
  await page.mouse.up();
  await pause(page);
}

/** Cornerstone holds a mouse-down back for its double-click detection: let each interaction finish. */
async function pause(page: Page): Promise<void> {
  await page.waitForTimeout(600);
  await settle(page);
}

async function click(page: Page, at: [number, number]): Promise<void> {
  await page.mouse.move(at[0], at[1], { steps: 3 });
  await page.mouse.down();
  await page.mouse.up();
  await pause(page);
}

const rows = (page: Page) => page.getByTestId('measurement-row');

/** Numbers in a measurement row's text, in order. */
async function rowNumbers(page: Page, tool: string): Promise<number[]> {
  const text = (await page.locator(`[data-testid="measurement-row"][data-tool="${tool}"] [data-testid="measurement-value"]`).first().textContent()) ?? '';
  return [...text.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
}

async function enterText(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('annotation-text-input');
  await input.waitFor();
  await input.fill(text);
  await input.press('Enter');
  await input.waitFor({ state: 'detached' });
}

/** Series of `study` with `modality`, then all instances' metadata of the newest one. */
async function documentsOf(study: string, modality: string): Promise<Json[]> {
  const s = await api<Json[]>(server, 'GET', `/dicom-web/studies/${study}/series?Modality=${modality}`, { token: adminToken });
  expect(s.status, `QIDO series Modality=${modality}`).toBe(200);
  const out: Json[] = [];
  for (const se of s.body ?? []) {
    const list = await api<Json[]>(server, 'GET', `/dicom-web/studies/${study}/series/${v(se, '0020000E')}/instances`, { token: adminToken });
    out.push(...(list.body ?? []));
  }
  return out;
}

/** The instance's Part 10 bytes, parsed with dcmjs. */
async function fetchDataset(study: string, series: string, sop: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/dicom-web/studies/${study}/series/${series}/instances/${sop}`, {
    headers: { authorization: `Bearer ${adminToken}`, accept: 'application/dicom' },
  });
  expect(res.status).toBe(200);
  const buf = new Uint8Array(await res.arrayBuffer());
  const dict = dcmjs.data.DicomMessage.readFile(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, unknown>;
}

const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
type Item = { ValueType?: string; ConceptNameCodeSequence?: unknown; ContentSequence?: Item | Item[]; TextValue?: string; MeasuredValueSequence?: unknown };
const meaning = (i: Item) => (arr(i.ConceptNameCodeSequence as { CodeMeaning?: string }[])[0]?.CodeMeaning ?? '');

/** TID 1500 measurement groups: tool (from the tracking identifier), NUM values by concept, comment. */
function measurementGroups(ds: Record<string, unknown>): Array<{ tool: string; values: Record<string, number>; units: Record<string, string>; text?: string }> {
  const imaging = arr(ds.ContentSequence as Item[]).find((i) => meaning(i) === 'Imaging Measurements');
  return arr(imaging?.ContentSequence)
    .filter((g) => meaning(g) === 'Measurement Group')
    .map((g) => {
      const items = arr(g.ContentSequence);
      const values: Record<string, number> = {};
      const units: Record<string, string> = {};
      for (const n of items.filter((i) => i.ValueType === 'NUM')) {
        const mv = arr(n.MeasuredValueSequence as Array<{ NumericValue?: unknown; MeasurementUnitsCodeSequence?: unknown }>)[0];
        values[meaning(n)] = Number(mv?.NumericValue);
        units[meaning(n)] = arr(mv?.MeasurementUnitsCodeSequence as Array<{ CodeValue?: string }>)[0]?.CodeValue ?? '';
      }
      const tracking = items.find((i) => meaning(i) === 'Tracking Identifier')?.TextValue ?? '';
      return { tool: tracking.split(':').pop() ?? '', values, units, text: items.find((i) => meaning(i) === 'Comment')?.TextValue };
    });
}

// ---------------------------------------------------------------------------------------------------

it('saves every measurement as a TID 1500 SR and a key image as KOS; both come back after a reload and for another user', async () => {
  const { page } = await browsers.open('rad');
  await login(page, 'radiologist', DEMO_PASSWORD);
  await page.goto(`/viewer?StudyInstanceUIDs=${encodeURIComponent(CT)}`);
  await waitReady(page, 0);
  await page.keyboard.press('8'); // bone window: the body outline is visible
  const c = await centre(page);
  const at = (dx: number, dy: number): [number, number] => [c.x + dx, c.y + dy];

  await page.getByTestId('tool-length').click();
  await drag(page, at(-160, 100), at(-60, 100));
  await page.getByTestId('tool-angle').click();
  await drag(page, at(60, 60), at(120, 60));
  await click(page, at(120, 120));
  await page.getByTestId('tool-cobb').click();
  await drag(page, at(-170, -140), at(-100, -130));
  await drag(page, at(-170, -100), at(-100, -70));
  await page.getByTestId('tool-ellipse').click();
  await drag(page, at(-40, -60), at(-15, -35)); // centre and radius
  await page.getByTestId('tool-rectangle').click();
  await drag(page, at(160, 0), at(210, 50));
  await page.getByTestId('tool-freehand').click();
  await page.mouse.move(...at(80, -130));
  await page.mouse.down();
  for (const [dx, dy] of [[130, -130], [150, -90], [130, -50], [90, -60], [82, -126]] as Array<[number, number]>) await page.mouse.move(...at(dx, dy), { steps: 5 });
  await page.mouse.up();
  await pause(page);
  await page.getByTestId('tool-probe').click();
  await click(page, at(0, 30));
  await page.getByTestId('tool-bidirectional').click();
  await drag(page, at(20, 120), at(130, 135));
  await page.getByTestId('tool-arrow').click();
  await drag(page, at(-140, 170), at(-90, 150));
  await enterText(page, 'Nodule RUL');
  await page.getByTestId('tool-text').click();
  await page.mouse.move(...at(120, -170));
  await page.mouse.down();
  await page.mouse.up();
  await enterText(page, 'Free text ÄÖ');
  await page.getByTestId('tool-windowLevel').click();

  const TOOLS = ['Length', 'Angle', 'Cobb angle', 'Ellipse', 'Rectangle', 'Freehand ROI', 'Probe', 'Bidirectional', 'Arrow', 'Text'];
  await expect.poll(async () => (await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-tool')))).sort()).toEqual([...TOOLS].sort());
  const shown = {
    length: (await rowNumbers(page, 'Length'))[0],
    rect: await rowNumbers(page, 'Rectangle'), // mean, sd, min, max, area
    ellipse: await rowNumbers(page, 'Ellipse'),
    freehand: await rowNumbers(page, 'Freehand ROI'),
    cobb: (await rowNumbers(page, 'Cobb angle'))[0],
    bidi: await rowNumbers(page, 'Bidirectional'),
  };
  expect(shown.length).toBeGreaterThan(10);
  expect(await page.locator('[data-testid="measurement-row"][data-tool="Rectangle"]').textContent()).toContain('HU');
  await screenshot(page, 'viewer-sr-01-drawn');

  // Key image: image 2 of the series (K).
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => page.getByTestId('viewport-slice-0').textContent()).toMatch(/Im: 2\/2/);
  await page.keyboard.press('k');
  await page.getByTestId('viewport-key-0').waitFor();
  expect(await page.getByTestId('key-image-row').count()).toBe(1);

  await page.getByTestId('measurements-save').click();
  await expect.poll(() => page.getByTestId('measurements-status').textContent(), { timeout: 20_000 }).toMatch(/Saved 10 measurements .* and 1 key image/);
  expect(await page.getByTestId('measurements-status').getAttribute('role')).toBe('status');
  await screenshot(page, 'viewer-sr-02-saved');

  // --- server side: an SR in the study, TID 1500, with the values shown in the panel
  const srs = await documentsOf(CT, 'SR');
  expect(srs.length).toBe(1);
  const sr = srs[0];
  const srDs = await fetchDataset(CT, v(sr, '0020000E'), v(sr, '00080018'));
  expect(srDs.Modality).toBe('SR');
  expect(srDs.StudyInstanceUID).toBe(CT);
  expect(arr(srDs.ContentTemplateSequence as Array<{ TemplateIdentifier?: string }>)[0]?.TemplateIdentifier).toBe(SR_TID1500);
  expect(srDs.SeriesDescription).toBe('Axial measurements');
  const groups = measurementGroups(srDs);
  expect(groups.map((g) => g.tool).sort()).toEqual(['Angle', 'ArrowAnnotate', 'Bidirectional', 'CobbAngle', 'EllipticalROI', 'Label', 'Length', 'PlanarFreehandROI', 'Probe', 'RectangleROI']);
  const g = (tool: string) => groups.find((x) => x.tool === tool)!;
  expect(g('Length').values.Length).toBeCloseTo(shown.length, 1);
  expect(g('Length').units.Length).toBe('mm');
  expect(g('RectangleROI').values.Mean).toBeCloseTo(shown.rect[0], 1);
  expect(g('RectangleROI').values['Standard Deviation']).toBeCloseTo(shown.rect[1], 1);
  expect(Math.round(g('RectangleROI').values.Minimum)).toBe(shown.rect[2]);
  expect(Math.round(g('RectangleROI').values.Maximum)).toBe(shown.rect[3]);
  expect(g('RectangleROI').units.Mean).toBe("[hnsf'U]");
  expect(g('EllipticalROI').values.Mean).toBeCloseTo(shown.ellipse[0], 1);
  expect(Math.round(g('EllipticalROI').values.Minimum)).toBe(shown.ellipse[2]);
  expect(g('EllipticalROI').values.Area).toBeCloseTo(shown.ellipse[4], 1);
  expect(g('PlanarFreehandROI').values.Mean).toBeCloseTo(shown.freehand[0], 1);
  expect(Math.round(g('PlanarFreehandROI').values.Maximum)).toBe(shown.freehand[3]);
  expect(g('CobbAngle').values['Cobb angle']).toBeCloseTo(shown.cobb, 1);
  expect(g('Bidirectional').values['Long Axis']).toBeCloseTo(shown.bidi[0], 1);
  expect(g('Bidirectional').values['Short Axis']).toBeCloseTo(shown.bidi[1], 1);
  expect(g('ArrowAnnotate').text).toBe('Nodule RUL');

  // --- and a KOS referencing image 2
  const kos = await documentsOf(CT, 'KO');
  expect(kos.length).toBe(1);
  expect(v(kos[0], '00080016')).toBe(KOS_CLASS);
  const image2 = await api<Json[]>(server, 'GET', `/dicom-web/studies/${CT}/instances?InstanceNumber=2`, { token: adminToken });
  const kosDs = await fetchDataset(CT, v(kos[0], '0020000E'), v(kos[0], '00080018'));
  const refs = arr(kosDs.ContentSequence as Array<{ ValueType?: string; ReferencedSOPSequence?: unknown }>)
    .filter((i) => i.ValueType === 'IMAGE')
    .map((i) => arr(i.ReferencedSOPSequence as Array<{ ReferencedSOPInstanceUID?: string }>)[0]?.ReferencedSOPInstanceUID);
  expect(refs).toEqual([v(image2.body[0], '00080018')]);

  // --- reload: measurements and key image are read back from the archive
  await page.reload();
  await waitReady(page, 0);
  await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBe(10);
  await expect.poll(() => page.getByTestId('measurements-restored').textContent()).toMatch(/Loaded 10 measurements from the saved report of Dr\. Rita Radiologist and 1 key image/);
  expect((await rowNumbers(page, 'Length'))[0]).toBeCloseTo(shown.length, 1);
  expect((await rowNumbers(page, 'Rectangle'))[0]).toBeCloseTo(shown.rect[0], 1);
  // Statistics are recomputed from the pixels on the restored shapes: same values as when drawn.
  await expect.poll(async () => (await rowNumbers(page, 'Ellipse'))[0]).toBeCloseTo(shown.ellipse[0], 1);
  expect((await rowNumbers(page, 'Ellipse'))[4]).toBeCloseTo(shown.ellipse[4], 0);
  expect((await rowNumbers(page, 'Freehand ROI'))[0]).toBeCloseTo(shown.freehand[0], 1);
  expect(await page.locator('[data-testid="measurement-row"][data-tool="Arrow"]').textContent()).toContain('Nodule RUL');
  expect(await page.locator('[data-testid="measurement-row"][data-tool="Text"]').textContent()).toContain('Free text ÄÖ');
  expect(await page.getByTestId('measurements-save').isDisabled(), 'nothing unsaved after loading').toBe(true);
  await settle(page);
  await screenshot(page, 'viewer-sr-03-restored');

  // The key image row jumps to image 2, which carries the KEY mark.
  await page.getByTestId('key-image-row').click();
  await expect.poll(() => page.getByTestId('viewport-slice-0').textContent()).toMatch(/Im: 2\/2/);
  await page.getByTestId('viewport-key-0').waitFor();
  // A measurement row selects it and jumps back to image 1.
  await page.locator('[data-testid="measurement-row"][data-tool="Arrow"]').click();
  await expect.poll(() => page.getByTestId('viewport-slice-0').textContent()).toMatch(/Im: 1\/2/);
  await expect.poll(() => page.locator('[data-testid="measurement-row"][data-tool="Arrow"]').getAttribute('data-selected')).toBe('true');
  expect(await page.getByTestId('viewport-key-0').count()).toBe(0);
  await screenshot(page, 'viewer-sr-04-selected');
  // Delete the selected one (Delete key) and save: the new report has 9.
  await page.getByTestId('viewport-0').hover();
  await page.keyboard.press('Delete');
  await expect.poll(() => rows(page).count()).toBe(9);
  await page.getByTestId('measurements-save').click();
  await expect.poll(() => page.getByTestId('measurements-status').textContent(), { timeout: 20_000 }).toMatch(/Saved 9 measurements/);
  const srs2 = await documentsOf(CT, 'SR');
  expect(srs2.length, 'a second SR instance in the same series').toBe(2);
  expect(new Set(srs2.map((s) => v(s, '0020000E'))).size).toBe(1);

  // --- another user with access sees the newest report
  const other = await browsers.open('head');
  await login(other.page, 'head', DEMO_PASSWORD);
  await other.page.goto(`/viewer?StudyInstanceUIDs=${encodeURIComponent(CT)}`);
  await waitReady(other.page, 0);
  await expect.poll(() => rows(other.page).count(), { timeout: 20_000 }).toBe(9);
  expect(await other.page.locator('[data-testid="measurement-row"][data-tool="Arrow"]').count()).toBe(0);
  expect(await other.page.getByTestId('key-image-row').count()).toBe(1);
  await settle(other.page);
  await screenshot(other.page, 'viewer-sr-05-other-user');
  // The department head may read but not store (no study.upload): the save fails visibly.
  await other.page.getByRole('button', { name: /Delete Length measurement/ }).click();
  await other.page.getByTestId('measurements-save').click();
  await expect.poll(() => other.page.getByTestId('measurements-status').textContent(), { timeout: 20_000 }).toMatch(/Not saved: .*not allowed/);
  expect(await other.page.getByTestId('measurements-status').getAttribute('role')).toBe('alert');
  expect((await documentsOf(CT, 'SR')).length).toBe(2);

  // Deleting every measurement and saving stores an empty report: nothing comes back, the key image does.
  for (let n = await rows(page).count(); n > 0; n--) await rows(page).first().getByRole('button', { name: /^Delete / }).click();
  await expect.poll(() => rows(page).count()).toBe(0);
  await page.getByTestId('measurements-save').click();
  await expect.poll(() => page.getByTestId('measurements-status').textContent(), { timeout: 20_000 }).toMatch(/Saved the deletion of all measurements/);
  const empty = (await documentsOf(CT, 'SR')).sort((a, b) => Number(v(b, '00200013')) - Number(v(a, '00200013')))[0];
  expect(v(empty, '00200013')).toBe('3');
  expect(measurementGroups(await fetchDataset(CT, v(empty, '0020000E'), v(empty, '00080018')))).toEqual([]);
  await page.reload();
  await waitReady(page, 0);
  await expect.poll(() => page.getByTestId('key-image-row').count(), { timeout: 20_000 }).toBe(1);
  expect(await rows(page).count()).toBe(0);
});

// ---------------------------------------------------------------------------------------------------
// Priors

const run = Date.now().toString(36).toUpperCase();
const PATIENT = { id: `PRIOR-${run}`, name: `PRIORTEST^ANNA` };
const root = `2.25.${BigInt(Date.now()) * 1000n + 7n}`;
const SLICES = 20;

/** A 64×64 16-bit axial slice: a disc whose radius follows the slice position (so slices differ). */
function slice(study: { uid: string; date: string; desc: string; series: string; for: string; z0: number }, i: number): Uint8Array {
  const n = 64;
  const px = new Uint8Array(n * n * 2);
  const dv = new DataView(px.buffer);
  const r = 8 + i; // radius grows with the slice
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) dv.setUint16((y * n + x) * 2, (x - 32) ** 2 + (y - 32) ** 2 < r * r ? 1000 + 20 * i : 100, true);
  const z = study.z0 + 2.5 * i;
  const el = (tag: string, value: testing.FixtureValue, vr?: string): testing.FixtureElement => ({ tag, value, ...(vr ? { vr } : {}) });
  const elements: testing.FixtureElement[] = [
    el('00080008', 'ORIGINAL\\PRIMARY\\AXIAL'),
    el('00080016', '1.2.840.10008.5.1.4.1.1.4'),
    el('00080018', `${study.series}.${i + 1}`),
    el('00080020', study.date),
    el('00080030', '101500'),
    el('00080060', 'MR'),
    el('00081030', study.desc),
    el('0008103E', 'AX T1'),
    el('00100010', PATIENT.name),
    el('00100020', PATIENT.id),
    el('0020000D', study.uid),
    el('0020000E', study.series),
    el('00200011', '1'),
    el('00200013', String(i + 1)),
    el('00200032', `0\\0\\${z}`),
    el('00200037', '1\\0\\0\\0\\1\\0'),
    el('00200052', study.for),
    el('00280002', 1),
    el('00280004', 'MONOCHROME2'),
    el('00280010', n),
    el('00280011', n),
    el('00280030', '3\\3'),
    el('00280100', 16),
    el('00280101', 16),
    el('00280102', 15),
    el('00280103', 0),
    el('00281050', '600'),
    el('00281051', '1200'),
    el('7FE00010', px, 'OW'),
  ];
  return testing.buildPart10(elements, { transferSyntaxUid: '1.2.840.10008.1.2.1' });
}

async function stowStudy(study: Parameters<typeof slice>[0]): Promise<void> {
  const boundary = `b${run}${study.z0}`;
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < SLICES; i++) {
    parts.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), slice(study, i), enc.encode('\r\n'));
  }
  parts.push(enc.encode(`--${boundary}--\r\n`));
  const res = await fetch(`${server.url}/dicom-web/studies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
    body: Buffer.concat(parts),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const CURRENT = { uid: `${root}.1`, date: '20260301', desc: 'MR HEAD CURRENT', series: `${root}.1.1`, for: `${root}.1.9`, z0: 0 };
const PRIOR = { uid: `${root}.2`, date: '20250301', desc: 'MR HEAD PRIOR', series: `${root}.2.1`, for: `${root}.2.9`, z0: 40 };

const imageIndex = async (page: Page, i: number) => Number(await page.getByTestId(`viewport-${i}`).getAttribute('data-image-index'));

it('lists the prior, opens it beside the current study with synchronised scrolling and W/L (toggleable), and in its own tab without reloading', async () => {
  await stowStudy(CURRENT);
  await stowStudy(PRIOR);
  const { page } = await browsers.open('priors');
  await login(page, 'radiologist', DEMO_PASSWORD);
  await page.goto(`/viewer?StudyInstanceUIDs=${encodeURIComponent(CURRENT.uid)}`);
  await waitReady(page, 0);
  await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));

  const prior = page.getByTestId('prior-item');
  await expect.poll(() => prior.count()).toBe(1);
  expect(await prior.getAttribute('data-study-uid')).toBe(PRIOR.uid);
  expect(await prior.textContent()).toContain('MR HEAD PRIOR');

  await prior.getByTestId('prior-open-beside').click();
  await expect.poll(() => page.getByTestId('viewport-grid').getAttribute('data-layout')).toBe('1x2');
  await waitReady(page, 1);
  expect(await page.getByTestId('viewport-1').getAttribute('data-series-uid')).toBe(PRIOR.series);
  expect(await page.getByTestId('sync-scroll').isChecked()).toBe(true);
  expect(await page.getByTestId('sync-wl').isChecked()).toBe(true);
  await page.waitForTimeout(500); // synchronizers are (re)built after the stacks settle

  // Scroll the current study: the prior follows, image by image position.
  const c0 = await centre(page, 0);
  await page.mouse.move(c0.x, c0.y);
  for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 120);
  await expect.poll(() => imageIndex(page, 0)).toBeGreaterThanOrEqual(5);
  await expect.poll(() => imageIndex(page, 1)).toBe(await imageIndex(page, 0));
  // Scroll the prior back: the current study follows.
  const c1 = await centre(page, 1);
  await page.mouse.move(c1.x, c1.y);
  for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -120);
  await expect.poll(() => imageIndex(page, 1)).toBeLessThan(5);
  await expect.poll(() => imageIndex(page, 0)).toBe(await imageIndex(page, 1));

  // W/L: a preset on one viewport applies to both.
  await page.mouse.move(c0.x, c0.y);
  await page.mouse.down({ button: 'middle' });
  await page.mouse.up({ button: 'middle' });
  await page.keyboard.press('4');
  await expect.poll(() => page.getByTestId('viewport-wl-0').textContent()).toBe('W: 1500 L: -600');
  await expect.poll(() => page.getByTestId('viewport-wl-1').textContent()).toBe('W: 1500 L: -600');
  await screenshot(page, 'viewer-sr-06-prior-beside-synced');

  // Switched off: the prior stays where it is.
  await page.getByTestId('sync-scroll').uncheck();
  await page.getByTestId('sync-wl').uncheck();
  await page.waitForTimeout(400);
  const priorIndex = await imageIndex(page, 1);
  await page.mouse.move(c0.x, c0.y);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, 120);
  await expect.poll(() => imageIndex(page, 0)).toBeGreaterThan(priorIndex + 2);
  await settle(page);
  expect(await imageIndex(page, 1)).toBe(priorIndex);
  await page.keyboard.press('1');
  await expect.poll(() => page.getByTestId('viewport-wl-0').textContent()).toBe('W: 80 L: 40');
  expect(await page.getByTestId('viewport-wl-1').textContent()).toBe('W: 1500 L: -600');

  // The prior in its own tab: client-side navigation, the page is not reloaded.
  await prior.getByTestId('prior-open-tab').click();
  await page.waitForURL((u) => u.searchParams.get('StudyInstanceUIDs') === PRIOR.uid);
  await waitReady(page, 0);
  expect(await page.getByTestId('viewport-0').getAttribute('data-series-uid')).toBe(PRIOR.series);
  const tabs = page.getByTestId('study-tab');
  await expect.poll(() => tabs.count()).toBe(2);
  expect(await page.locator('[data-testid="study-tab"][data-active="true"]').getAttribute('data-uids')).toBe(PRIOR.uid);
  await screenshot(page, 'viewer-sr-07-prior-tab');
  await page.locator(`[data-testid="study-tab"][data-uids="${CURRENT.uid}"] button`).first().click();
  await page.waitForURL((u) => u.searchParams.get('StudyInstanceUIDs') === CURRENT.uid);
  await waitReady(page, 0);
  expect(await page.getByTestId('viewport-0').getAttribute('data-series-uid')).toBe(CURRENT.series);
  expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload), 'no page reload').toBe(42);

  // From the study list: "open in a new viewer tab" keeps the open studies.
  await page.goto(`/studies?PatientID=${PATIENT.id}`);
  await page.locator(`tr[data-study-uid="${PRIOR.uid}"]`).getByRole('link', { name: 'Open in a new viewer tab' }).click();
  await page.waitForURL((u) => u.pathname === '/viewer' && u.searchParams.get('StudyInstanceUIDs') === PRIOR.uid);
  await expect.poll(() => tabs.count()).toBe(2);
});

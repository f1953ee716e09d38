/**
 * The archive's web pages end to end in a real browser: upload a folder of DICOM files (plus junk)
 * through the Upload page, read the per-file results, find the study in the study list (server-side
 * QIDO-RS search), open the study page (series + thumbnails) and delete a series.
 * Runs against the built server (npm run build). Screenshots: test-artifacts/e2e/archive-*.png.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { testing } from '../../packages/dicom/src/index';
import { Browsers, launchBrowser, login, screenshot, finishBrowserTest } from './support/browser';
import { assertBuilt, REPO_ROOT, startServer, type AxialServer } from './support/server';

const SAMPLES_DIR = join(REPO_ROOT, '../shared/dicom-samples');
/** Real files that every archive must accept (image in implicit/explicit VR, and a non-image SR). */
const SAMPLE_FILES = ['mr_implicit_le_small.dcm', 'ct_explicit_le_signed16.dcm', 'sr_comprehensive_nested.dcm'];

let server: AxialServer;
let browser: Browser;
let browsers: Browsers;
let workDir: string;

const run = Date.now().toString(36).toUpperCase();
const patient = { name: `E2EARCHIVE${run}^JANE`, id: `E2E-${run}` };
const uidRoot = `2.25.${BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))}`;
const studyUid = `${uidRoot}.1`;
const series = [
  { uid: `${uidRoot}.2.1`, number: '1', description: 'E2E AXIAL', instances: 3 },
  { uid: `${uidRoot}.2.2`, number: '2', description: 'E2E CORONAL', instances: 2 },
];

function syntheticFile(s: (typeof series)[number], i: number): Uint8Array {
  const sop = `${s.uid}.${i + 1}`;
  const elements = testing.minimalImage(
    [
      { tag: 'SpecificCharacterSet', value: 'ISO_IR 100' },
      { tag: 'StudyDate', value: '20240115' },
      { tag: 'StudyTime', value: '101500' },
      { tag: 'AccessionNumber', value: `ACC${run}`.slice(0, 16) },
      { tag: 'Modality', value: 'CT' },
      { tag: 'StudyDescription', value: 'E2E ARCHIVE STUDY' },
      { tag: 'SeriesDescription', value: s.description },
      { tag: 'PatientName', value: patient.name },
      { tag: 'PatientID', value: patient.id },
      { tag: 'PatientBirthDate', value: '19800214' },
      { tag: 'PatientSex', value: 'F' },
      { tag: 'BodyPartExamined', value: 'CHEST' },
      { tag: 'StudyID', value: '1' },
      { tag: 'SeriesNumber', value: s.number },
      { tag: 'InstanceNumber', value: String(i + 1) },
    ],
    { study: studyUid, series: s.uid, sop },
  );
  return testing.buildPart10(elements, { transferSyntaxUid: '1.2.840.10008.1.2.1' });
}

interface Fixture {
  folder: string;
  /** Files the server should store. */
  dicomCount: number;
  samples: string[];
  junk: string;
  firstFile: string;
}

/** A folder as a user would pick it: nested sub-folders, files without extension, a text file and .DS_Store. */
function buildFolder(): Fixture {
  const folder = join(workDir, `upload-${run}`);
  let count = 0;
  let firstFile = '';
  series.forEach((s, si) => {
    const dir = join(folder, `SERIES${si + 1}`, 'IMG');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < s.instances; i++) {
      // Scanner-style names without extension, and one with .dcm.
      const name = i === 0 ? `IM${String(i + 1).padStart(5, '0')}.dcm` : `IM${String(i + 1).padStart(5, '0')}`;
      const file = join(dir, name);
      writeFileSync(file, syntheticFile(s, i));
      if (!firstFile) firstFile = file;
      count++;
    }
  });
  const junk = 'notes.txt';
  writeFileSync(join(folder, junk), 'These are the technician notes, not a DICOM file.\n');
  writeFileSync(join(folder, '.DS_Store'), 'Bud1 junk');
  const samples: string[] = [];
  if (existsSync(SAMPLES_DIR)) {
    mkdirSync(join(folder, 'samples'));
    for (const f of SAMPLE_FILES) {
      if (!existsSync(join(SAMPLES_DIR, f))) continue;
      copyFileSync(join(SAMPLES_DIR, f), join(folder, 'samples', f));
      samples.push(f);
    }
  }
  return { folder, dicomCount: count + samples.length, samples, junk, firstFile };
}

/** A minimal ZIP archive with stored (uncompressed) entries (APPNOTE 4.3): local headers, central directory, end record. */
function storedZip(entries: Array<{ name: string; data: Uint8Array }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data));
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const statusRows = (page: Page, status: string) => page.getByTestId('upload-results').locator(`tbody tr[data-status="${status}"]`);

beforeAll(async () => {
  assertBuilt();
  workDir = mkdtempSync(join(tmpdir(), 'axial-archive-e2e-'));
  [server, browser] = await Promise.all([startServer({ demo: false }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'archive-FAILED-', browserErrors: true }));

it('uploads a folder, finds the study in the study list and opens the study page', async () => {
  const fx = buildFolder();
  const { page } = await browsers.open('admin');
  await login(page, 'admin', server.adminPassword);

  // --- Upload page through the navigation
  await page.locator('nav[aria-label="Main"] [data-nav="upload"]').click();
  await page.waitForURL('**/upload');
  await page.getByRole('heading', { name: 'Upload' }).waitFor();
  await screenshot(page, 'archive-01-upload-empty');

  const stowCalls: number[] = [];
  page.on('response', (r) => {
    if (r.request().method() === 'POST' && new URL(r.url()).pathname === '/dicom-web/studies') stowCalls.push(r.status());
  });
  await page.getByTestId('upload-folder-input').setInputFiles(fx.folder);

  const progress = page.getByTestId('upload-progress');
  await expect.poll(() => progress.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
  await expect.poll(() => page.getByTestId('upload-summary').textContent()).toContain(`${fx.dicomCount} stored`);
  await screenshot(page, 'archive-02-upload-done');

  // One row per sent file (.DS_Store is skipped by name), every DICOM file stored, the text file rejected with a reason.
  const rows = page.getByTestId('upload-results').locator('tbody tr');
  expect(await rows.count()).toBe(fx.dicomCount + 1);
  expect(await statusRows(page, 'stored').count()).toBe(fx.dicomCount);
  expect(await statusRows(page, 'error').count()).toBe(0);
  const rejected = statusRows(page, 'rejected');
  expect(await rejected.count()).toBe(1);
  expect(await rejected.getAttribute('data-file')).toMatch(new RegExp(`${fx.junk}$`));
  expect((await rejected.locator('td').nth(3).textContent())?.trim().length, 'rejection reason shown').toBeGreaterThan(5);
  for (const f of fx.samples) expect(await page.locator(`tr[data-status="stored"][data-file$="/${f}"]`).count(), `${f} stored`).toBe(1);
  expect(await page.getByText('.DS_Store').count(), '.DS_Store skipped and listed').toBeGreaterThan(0);
  expect(stowCalls.length, 'files sent in batches').toBeGreaterThanOrEqual(Math.ceil((fx.dicomCount + 1) / 10));
  expect(stowCalls.every((s) => s === 200 || s === 202)).toBe(true);
  await expect.poll(() => page.getByTestId('upload-summary').textContent()).toMatch(new RegExp(`${fx.dicomCount} stored, 0 duplicates, 1 rejected`));

  // Sending a file again reports it as a duplicate (appended to the same result list).
  await page.getByTestId('upload-files-input').setInputFiles(fx.firstFile);
  await expect.poll(() => statusRows(page, 'duplicate').count(), { timeout: 15_000 }).toBe(1);
  await expect.poll(() => progress.getAttribute('aria-valuenow')).toBe('100');

  // The "show uploaded studies" link filters the study list to what was just stored.
  const link = page.getByTestId('upload-studies-link');
  await link.click();
  await page.waitForURL((u) => u.pathname === '/studies' && u.searchParams.has('StudyInstanceUID'));
  await expect.poll(() => page.locator(`tr[data-study-uid="${studyUid}"]`).count()).toBe(1);

  // --- Study list: a case-insensitive "starts with" search on the patient name, kept in the URL
  await page.locator('nav[aria-label="Main"] [data-nav="studies"]').click();
  await page.waitForURL((u) => u.pathname === '/studies' && u.search === '');
  const search = page.getByRole('search', { name: 'Study search' });
  await search.getByLabel('Patient name').fill(`e2earchive${run.toLowerCase()}`);
  await search.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((u) => u.searchParams.get('PatientName') === `e2earchive${run.toLowerCase()}`);
  const row = page.locator(`tr[data-study-uid="${studyUid}"]`);
  await row.waitFor();
  await expect.poll(() => page.getByRole('table', { name: 'Studies' }).locator('tbody tr').count()).toBe(1);
  const total = series.reduce((n, s) => n + s.instances, 0);
  expect((await row.locator('td[data-col="instances"]').textContent())?.trim()).toBe(String(total));
  expect((await row.locator('td[data-col="series"]').textContent())?.trim()).toBe(String(series.length));
  expect(await row.textContent()).toContain(patient.id);
  expect(await row.textContent()).toContain(`E2EARCHIVE${run}, JANE`);
  expect(await page.getByText(/1–1 of 1/).count()).toBe(1);
  await screenshot(page, 'archive-03-study-list');

  // Patient ID search, and a search that matches nothing.
  await search.getByLabel('Patient name').fill('');
  await search.getByLabel('Patient ID').fill(patient.id);
  await search.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL((u) => u.searchParams.get('PatientID') === patient.id);
  await row.waitFor();
  await search.getByLabel('Patient ID').fill(`${patient.id}-NOPE`);
  await search.getByRole('button', { name: 'Search' }).click();
  await page.getByText('No studies match this search').waitFor();
  // Back button restores the previous search.
  await page.goBack();
  await row.waitFor();
  expect(await search.getByLabel('Patient ID').inputValue()).toBe(patient.id);

  // --- Study page: header attributes, series rows with thumbnails
  const thumbStatus = new Map<string, number>();
  page.on('response', (r) => {
    const m = /\/series\/([^/]+)\/thumbnail/.exec(new URL(r.url()).pathname);
    if (m) thumbStatus.set(decodeURIComponent(m[1]!), r.status());
  });
  await row.locator('td').nth(2).click();
  await page.waitForURL((u) => u.pathname === `/studies/${studyUid}`);
  await page.getByRole('heading', { name: `E2EARCHIVE${run}, JANE` }).waitFor();
  const seriesList = page.getByRole('list', { name: 'Series' });
  await expect.poll(() => seriesList.locator('li[data-series-uid]').count()).toBe(series.length);
  for (const s of series) {
    const li = seriesList.locator(`li[data-series-uid="${s.uid}"]`);
    expect(await li.textContent()).toContain(s.description);
    expect(await li.locator('[data-col="instances"]').textContent()).toContain(`${s.instances} instance`);
    await expect.poll(() => li.locator('[data-thumbnail]').getAttribute('data-thumbnail'), { timeout: 15_000 }).not.toBe('loading');
  }
  const thumbs = await seriesList.locator('[data-thumbnail]').evaluateAll((els) => els.map((e) => e.getAttribute('data-thumbnail')));
  await screenshot(page, 'archive-04-study-page');
  // Each series shows what GET …/thumbnail answered: a JPEG as an image, 404/406 as the neutral placeholder.
  expect(thumbs).toEqual(series.map((s) => (thumbStatus.get(s.uid) === 200 ? 'image' : 'placeholder')));
  for (const s of series) expect([200, 404, 406], `thumbnail status of ${s.uid}`).toContain(thumbStatus.get(s.uid));

  // --- Delete one series (confirmation dialog) → the study keeps the other one
  await seriesList.locator(`li[data-series-uid="${series[1]!.uid}"]`).getByRole('button', { name: /Delete series/ }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete this series?' });
  await dialog.waitFor();
  await screenshot(page, 'archive-05-delete-series-confirm');
  await dialog.getByRole('button', { name: 'Delete series' }).click();
  await expect.poll(() => seriesList.locator('li[data-series-uid]').count()).toBe(series.length - 1);
  await expect.poll(async () => (await page.getByLabel('Study attributes').textContent()) ?? '').toContain(`1 / ${series[0]!.instances}`);
});

it('unzips a .zip in the browser; a failed request marks only its files, and "Retry failed" resends just those', async () => {
  const zipStudy = `${uidRoot}.9`;
  const zipSeries = `${zipStudy}.1`;
  const entries = Array.from({ length: 14 }, (_, i) => ({
    name: `ZIPPED/DIR${Math.floor(i / 5)}/I${i + 1}`,
    data: testing.buildPart10(
      testing.minimalImage(
        [
          { tag: 'PatientName', value: `ZIPPATIENT${run}^ONE` },
          { tag: 'PatientID', value: `ZIP-${run}` },
          { tag: 'Modality', value: 'MR' },
          { tag: 'StudyDate', value: '20230301' },
          { tag: 'SeriesNumber', value: '7' },
          { tag: 'InstanceNumber', value: String(i + 1) },
        ],
        { study: zipStudy, series: zipSeries, sop: `${zipSeries}.${i + 1}` },
      ),
      { transferSyntaxUid: '1.2.840.10008.1.2.1' },
    ),
  }));
  entries.push({ name: '__MACOSX/ZIPPED/._I1', data: new Uint8Array([0, 5, 22, 7]) });
  const zipFile = join(workDir, `archive-${run}.zip`);
  writeFileSync(zipFile, storedZip(entries));

  const { page } = await browsers.open('admin');
  await login(page, 'admin', server.adminPassword);
  await page.goto('/upload');
  await page.getByRole('heading', { name: 'Upload' }).waitFor();

  // The first STOW-RS request fails at the network level; the later ones go through.
  let posts = 0;
  await page.route('**/dicom-web/studies', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    posts++;
    if (posts === 1) return route.abort('connectionreset');
    return route.continue();
  });

  await page.getByTestId('upload-files-input').setInputFiles(zipFile);
  const progress = page.getByTestId('upload-progress');
  await expect.poll(() => progress.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
  // 14 files in batches of at most 10: the failed request held 10 (or fewer) of them, the rest were stored.
  const failed = await statusRows(page, 'error').count();
  const stored = await statusRows(page, 'stored').count();
  expect(failed).toBeGreaterThan(0);
  expect(stored).toBeGreaterThan(0);
  expect(failed + stored).toBe(14);
  expect(await page.getByTestId('upload-results').locator('tbody tr').count(), 'one row per zip entry, __MACOSX skipped').toBe(14);
  expect(await statusRows(page, 'error').first().getAttribute('data-file')).toMatch(new RegExp(`^archive-${run}\\.zip/ZIPPED/`));
  await screenshot(page, 'archive-06-upload-failed-batch');

  await page.getByRole('button', { name: /Retry failed/ }).click();
  await expect.poll(() => statusRows(page, 'stored').count(), { timeout: 30_000 }).toBe(14);
  await expect.poll(() => progress.getAttribute('aria-valuenow')).toBe('100');
  expect(posts, 'the retry sent only the failed files').toBe(2 + Math.ceil(failed / 10));
  await expect.poll(() => page.getByTestId('upload-summary').textContent()).toBe('14 stored, 0 duplicates, 0 rejected');
  expect(await page.getByRole('button', { name: /Retry failed/ }).count()).toBe(0);
  await screenshot(page, 'archive-07-upload-retried');

  // Study list by patient ID shows all 14 instances.
  await page.goto(`/studies?PatientID=ZIP-${run}`);
  const row = page.locator(`tr[data-study-uid="${zipStudy}"]`);
  await row.waitFor();
  expect((await row.locator('td[data-col="instances"]').textContent())?.trim()).toBe('14');
});

/**
 * DICOM networking pages end to end in a real browser, against real DIMSE peers: DCMTK's storescp (started here on
 * a free loopback port) and Axial's own SCP. Register a node on /admin/dicom-nodes, verify it (C-ECHO), send a
 * study from the study page ("Send to…", C-STORE job) and watch the job complete; search a remote node and import a
 * study from it (C-FIND + C-MOVE job). Screenshots: test-artifacts/e2e/dicom-nodes-*.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { testing } from '../../packages/dicom/src/index';
import { Browsers, finishBrowserTest, launchBrowser, login, resetArtifacts, screenshot } from './support/browser';
import { assertBuilt, freePort, startServer, type AxialServer } from './support/server';

const AET = 'AXIAL_E2E';
let server: AxialServer;
let browser: Browser;
let browsers: Browsers;
let workDir: string;
let storescp: ChildProcess;
let storescpPort: number;
let storescpDir: string;
let dicomPort: number;

const run = Date.now().toString(36).toUpperCase();
const uidRoot = `2.25.${BigInt(Date.now()) * 1000n + BigInt(Math.floor(Math.random() * 1000))}`;
const studyUid = `${uidRoot}.1`;
const seriesUid = `${uidRoot}.2`;
const patient = { name: `E2EDIMSE${run}^OLGA`, id: `E2E-DIMSE-${run}` };
const INSTANCES = 3;

function instance(i: number): Uint8Array {
  return testing.buildPart10(testing.minimalImage([
    { tag: 'StudyDate', value: '20240220' },
    { tag: 'StudyTime', value: '093000' },
    { tag: 'AccessionNumber', value: `A${run}`.slice(0, 16) },
    { tag: 'Modality', value: 'CT' },
    { tag: 'StudyDescription', value: 'E2E DIMSE STUDY' },
    { tag: 'SeriesDescription', value: 'E2E SERIES' },
    { tag: 'PatientName', value: patient.name },
    { tag: 'PatientID', value: patient.id },
    { tag: 'SeriesNumber', value: '1' },
    { tag: 'InstanceNumber', value: String(i + 1) },
  ], { study: studyUid, series: seriesUid, sop: `${seriesUid}.${i + 1}` }), { transferSyntaxUid: '1.2.840.10008.1.2.1' });
}

async function apiLogin(): Promise<string> {
  const r = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: server.adminPassword }) });
  return ((await r.json()) as { accessToken: string }).accessToken;
}

async function stowStudy(token: string): Promise<void> {
  const boundary = `e2e-${run}`;
  const parts: Buffer[] = [];
  for (let i = 0; i < INSTANCES; i++) parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(instance(i)), Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const r = await fetch(`${server.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}` }, body: Buffer.concat(parts) });
  if (r.status !== 200) throw new Error(`STOW failed: ${r.status} ${await r.text()}`);
}

beforeAll(async () => {
  assertBuilt();
  resetArtifacts(['dicom-nodes-']);
  workDir = mkdtempSync(join(tmpdir(), 'axial-dimse-e2e-'));
  storescpDir = join(workDir, 'received');
  storescpPort = await freePort();
  dicomPort = await freePort();
  spawn('mkdir', ['-p', storescpDir]);
  await new Promise((r) => setTimeout(r, 50));
  storescp = spawn('storescp', ['-aet', 'STORESCP', '-od', storescpDir, String(storescpPort)], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
  [server, browser] = await Promise.all([
    startServer({ demo: false, env: { DICOM_PORT: String(dicomPort), DICOM_HOST: '127.0.0.1', DICOM_AET: AET } }),
    launchBrowser(),
  ]);
  await stowStudy(await apiLogin());
});

afterAll(async () => {
  storescp?.kill();
  await browser?.close().catch(() => undefined);
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'dicom-nodes-FAILED-', browserErrors: true }));

it('registers and verifies a node, sends a study to it from the study page and sees the job complete', async () => {
  const { page } = await browsers.open('admin');
  await login(page, 'admin', server.adminPassword);

  // The navigation entry is a real page now, not "Soon".
  const navItem = page.locator('nav[aria-label="Main"] [data-nav="dicom-nodes"]');
  expect(await navItem.textContent()).not.toContain('Soon');
  await navItem.click();
  await page.waitForURL('**/admin/dicom-nodes');
  await page.getByRole('heading', { name: 'DICOM nodes', level: 1 }).waitFor();
  await page.getByText('No DICOM nodes').waitFor();

  // --- Create the storescp node
  await page.getByRole('button', { name: 'New node' }).click();
  const dialog = page.getByRole('dialog', { name: 'New DICOM node' });
  await dialog.getByLabel('AE title').fill('STORESCP');
  await dialog.getByLabel('Description').fill('DCMTK storescp (test)');
  await dialog.getByLabel('Host').fill('127.0.0.1');
  await dialog.getByLabel('Port').fill(String(storescpPort));
  await dialog.getByLabel(/^Query/).uncheck();
  await dialog.getByRole('button', { name: 'Create node' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const nodes = page.getByRole('table', { name: 'DICOM nodes' });
  const row = nodes.locator('tr', { hasText: 'STORESCP' });
  await row.waitFor();
  expect(await row.textContent()).toContain(`127.0.0.1:${storescpPort}`);
  expect(await row.locator('abbr').allTextContents()).toEqual(['Store', 'Retrieve', 'Move destination']);

  // --- Verify (C-ECHO) shows the result
  await page.getByRole('button', { name: 'Verify STORESCP' }).click();
  await row.getByText(/C-ECHO OK · [\d.]+ ms/).waitFor();

  // --- A node that does not answer shows the failure
  await page.getByRole('button', { name: 'New node' }).click();
  await dialog.getByLabel('AE title').fill('NOBODY');
  await dialog.getByLabel('Host').fill('127.0.0.1');
  await dialog.getByLabel('Port').fill('9');
  await dialog.getByRole('button', { name: 'Create node' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Verify NOBODY' }).click();
  await nodes.locator('tr', { hasText: 'NOBODY' }).getByText('C-ECHO failed').waitFor();
  await screenshot(page, 'dicom-nodes-01-verified');

  // --- Send the study from its page
  await page.goto(`/studies/${studyUid}`);
  await page.getByRole('heading', { name: /E2EDIMSE/ }).waitFor();
  await page.getByRole('button', { name: 'Send to…' }).click();
  const send = page.getByRole('dialog', { name: 'Send to a DICOM node' });
  await send.getByLabel('Destination').selectOption({ label: `STORESCP (127.0.0.1:${storescpPort}) — DCMTK storescp (test)` });
  await send.getByRole('button', { name: 'Send', exact: true }).click();
  const job = send.getByRole('group', { name: 'Send job' });
  await job.getByText('Done').waitFor({ timeout: 20_000 });
  expect(await job.locator('[data-col="progress"]').textContent()).toBe(`${INSTANCES} / ${INSTANCES} sent`);
  expect(await job.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
  await screenshot(page, 'dicom-nodes-02-send-done');
  // storescp received every instance.
  expect(readdirSync(storescpDir).length).toBe(INSTANCES);
  await send.getByRole('button', { name: 'Close' }).first().click();
  // The study's transfer list shows the job.
  const transfers = page.getByRole('table', { name: 'Transfers of this study' });
  await transfers.getByText('Done').waitFor();
  expect(await transfers.textContent()).toContain(`Send study ${studyUid} to STORESCP`);

  // --- The jobs table on the nodes page shows it too
  await page.goto('/admin/dicom-nodes');
  const jobs = page.getByRole('table', { name: 'DICOM jobs' });
  const jobRow = jobs.locator('tbody tr', { hasText: 'STORESCP' });
  await jobRow.waitFor();
  expect(await jobRow.textContent()).toContain('Done');
  expect(await jobRow.textContent()).toContain(`${INSTANCES} / ${INSTANCES} sent`);
  await screenshot(page, 'dicom-nodes-03-jobs');
});

it('searches a remote node (Axial\'s own SCP as the peer) and imports a study with a C-MOVE job', async () => {
  const { page } = await browsers.open('admin');
  await login(page, 'admin', server.adminPassword);
  await page.goto('/admin/dicom-nodes');
  // Axial registered as a node of itself: C-FIND and C-MOVE to itself over TCP, as with any other PACS.
  await page.getByRole('button', { name: 'New node' }).click();
  const dialog = page.getByRole('dialog', { name: 'New DICOM node' });
  await dialog.getByLabel('AE title').fill(AET);
  await dialog.getByLabel('Host').fill('127.0.0.1');
  await dialog.getByLabel('Port').fill(String(dicomPort));
  await dialog.getByRole('button', { name: 'Create node' }).click();
  await dialog.waitFor({ state: 'hidden' });

  const form = page.getByRole('form', { name: 'Remote query' });
  await form.getByLabel('Node').selectOption({ label: AET });
  await form.getByLabel('Patient name').fill('e2edimse');
  await form.getByLabel('Modality').selectOption('CT');
  await form.getByRole('button', { name: 'Search' }).click();
  const results = page.getByRole('table', { name: `Studies on ${AET}` });
  const hit = results.locator('tbody tr', { hasText: patient.id });
  await hit.waitFor();
  expect(await results.locator('tbody tr').count()).toBe(1);
  expect(await hit.textContent()).toContain('2024-02-20');
  // A search that matches nothing says so.
  await form.getByLabel('Patient ID').fill('NO-SUCH-PATIENT');
  await form.getByRole('button', { name: 'Search' }).click();
  await page.getByText('No matching studies').waitFor();
  await form.getByLabel('Patient ID').fill(patient.id);
  await form.getByRole('button', { name: 'Search' }).click();
  await hit.waitFor();

  await hit.getByRole('button', { name: /Import study of/ }).click();
  await hit.getByRole('button', { name: /Import study of/ }).filter({ hasText: 'Import started' }).waitFor();
  const jobs = page.getByRole('table', { name: 'DICOM jobs' });
  const jobRow = jobs.locator('tbody tr', { hasText: `Import study ${studyUid} from ${AET}` });
  await jobRow.getByText('Done').waitFor({ timeout: 20_000 });
  expect(await jobRow.textContent()).toContain(`${INSTANCES} / ${INSTANCES} received`);
  await screenshot(page, 'dicom-nodes-04-import');
});

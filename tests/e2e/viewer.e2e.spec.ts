/**
 * The diagnostic viewer end to end in Debian Chromium (SwiftShader WebGL2): the server's first start
 * imports the demo studies (fixtures/demo); the viewer loads them through DICOMweb (series metadata +
 * wadors frames with the user's bearer token) and renders them with Cornerstone3D.
 *
 * Pixel checks read the viewport's canvas in the page (central region, luminance mean / std-dev):
 * - CT 512² uncompressed and J2K lossless (same series, images 1 and 2), US multi-frame JPEG (YBR),
 *   US palette colour: not blank;
 * - a downward W/L drag raises the window centre, so the image gets darker (mean falls);
 * - invert maps the mean m to ~255 - m;
 * - the mouse wheel scrolls the 128-slice MR phantom (overlay "Im: n/128" changes).
 * Runs against the built server (npm run build). Screenshots: test-artifacts/e2e/viewer-*.png.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACT_DIR, Browsers, launchBrowser, login, screenshot, finishBrowserTest } from './support/browser';
import { api, apiLogin, assertBuilt, startServer, waitForStudies, type AxialServer } from './support/server';

const STUDY = {
  ct: '1.3.6.1.4.1.5962.1.2.1.20040826185059.5457', // ct_explicit_le_signed16 (#1) + ct_jpeg2000_lossless (#2)
  usMultiframe: '1.2.840.114340.3.8251017118051.1.20160503.120850.2171', // 30 frames JPEG baseline, YBR_FULL_422
  usPalette: '1.3.46.670589.14.1000.210.4.199999.20110525182825.1.0',
  mr128: '1.2.826.0.1.3680043.8.498.23904356067352728123256330845974725175', // pacsman phantom, 128 slices
};

let server: AxialServer;
let browser: Browser;
let browsers: Browsers;

interface CanvasStats {
  mean: number;
  std: number;
  /** Fraction of pixels whose channels differ by more than 24 (colour). */
  colourFraction: number;
  width: number;
  height: number;
}

/** Luminance statistics of the central 40 % of viewport `index`'s canvas, read in the page. */
function canvasStats(page: Page, index = 0): Promise<CanvasStats> {
  return page.evaluate((i) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="viewport-element-${i}"] canvas`);
    if (!canvas) throw new Error('no canvas');
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(canvas, 0, 0);
    const x0 = Math.floor(canvas.width * 0.3);
    const y0 = Math.floor(canvas.height * 0.3);
    const w = Math.floor(canvas.width * 0.4);
    const h = Math.floor(canvas.height * 0.4);
    const { data } = ctx.getImageData(x0, y0, w, h);
    let sum = 0;
    let sq = 0;
    let colour = 0;
    const n = data.length / 4;
    for (let p = 0; p < data.length; p += 4) {
      const r = data[p];
      const g = data[p + 1];
      const b = data[p + 2];
      const l = 0.299 * r + 0.587 * g + 0.114 * b;
      sum += l;
      sq += l * l;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 24) colour++;
    }
    const mean = sum / n;
    return { mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)), colourFraction: colour / n, width: canvas.width, height: canvas.height };
  }, index);
}

/** Opens the viewer on a study and waits until viewport 0 has rendered its first image. */
async function openViewer(page: Page, studyUid: string, minStd = 8): Promise<void> {
  await page.goto(`/viewer?StudyInstanceUIDs=${encodeURIComponent(studyUid)}`);
  await page.getByTestId('viewer').waitFor();
  await waitRendered(page, 0, minStd);
}

/** Waits for viewport `index` to show an image whose central region has a luminance std-dev above `minStd` (-1: any). */
async function waitRendered(page: Page, index: number, minStd = 8): Promise<void> {
  const vp = page.getByTestId(`viewport-${index}`);
  await expect.poll(() => vp.getAttribute('data-status'), { timeout: 30_000 }).toMatch(/ready|error/);
  if ((await vp.getAttribute('data-status')) === 'error') throw new Error(`viewport ${index}: ${await vp.getByRole('alert').textContent()}`);
  await page.getByTestId(`viewport-slice-${index}`).waitFor();
  // Give the render loop a frame or two after the image arrived.
  await expect.poll(async () => (await canvasStats(page, index)).std, { timeout: 15_000 }).toBeGreaterThan(minStd);
}

/**
 * RGB luminance at points given as fractions of the displayed image, for a square image fitted
 * (unzoomed, centred) into viewport `index`.
 */
function imageLuminance(page: Page, points: Array<[number, number]>, index = 0): Promise<number[]> {
  return page.evaluate(
    ({ i, pts }) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="viewport-element-${i}"] canvas`)!;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(canvas, 0, 0);
      const side = Math.min(canvas.width, canvas.height);
      const x0 = (canvas.width - side) / 2;
      const y0 = (canvas.height - side) / 2;
      return pts.map(([fx, fy]) => {
        const [r, g, b] = ctx.getImageData(Math.round(x0 + fx * side), Math.round(y0 + fy * side), 1, 1).data;
        return 0.299 * r + 0.587 * g + 0.114 * b;
      });
    },
    { i: index, pts: points },
  );
}

const sliceText = (page: Page, index = 0) => page.getByTestId(`viewport-slice-${index}`).textContent();

/** Centre of viewport `index` in page coordinates. */
async function centre(page: Page, index = 0): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId(`viewport-${index}`).boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))));
}

beforeAll(async () => {
  assertBuilt();
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  for (const f of readdirSync(ARTIFACT_DIR)) if (/^viewer-.*\.png$/.test(f)) rmSync(`${ARTIFACT_DIR}/${f}`, { force: true });
  [server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()]);
  // The demo import runs on first start: wait until every study the test opens is in the archive.
  const token = await apiLogin(server, 'admin', server.adminPassword);
  await waitForStudies(server, token, Object.values(STUDY));
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'viewer-FAILED-', browserErrors: true }));

it('renders the uncompressed and the JPEG 2000 CT; W/L drag, invert, presets, length measurement', async () => {
  const { page } = await browsers.open('ct');
  await login(page, 'admin', server.adminPassword);

  // Frames come through wadors with the bearer token and the as-stored Accept header.
  const frameRequests: Array<{ accept: string; auth: boolean; status: number; type: string }> = [];
  page.on('response', (r) => {
    if (!/\/frames\/\d+$/.test(r.url())) return;
    const h = r.request().headers();
    frameRequests.push({ accept: h.accept ?? '', auth: /^Bearer /.test(h.authorization ?? ''), status: r.status(), type: r.headers()['content-type'] ?? '' });
  });

  // Through the study page's "Open viewer" link (the viewer is a lazily loaded route).
  await page.goto(`/studies/${encodeURIComponent(STUDY.ct)}`);
  await page.getByRole('link', { name: 'Open viewer' }).click();
  await page.waitForURL((u) => u.pathname === '/viewer' && u.searchParams.get('StudyInstanceUIDs') === STUDY.ct);
  await page.getByTestId('viewer').waitFor();
  await waitRendered(page, 0);
  expect(await sliceText(page)).toMatch(/Im: 1\/2 · #1/);
  const overlay = page.getByTestId('viewport-overlay-0');
  await expect.poll(() => overlay.textContent()).toContain('CompressedSamples');
  expect(await page.getByTestId('viewport-marker-right-0').textContent()).toBe('L');
  expect(await page.getByTestId('viewport-marker-left-0').textContent()).toBe('R');
  const ct = await canvasStats(page);
  expect(ct.std, 'CT canvas has structure').toBeGreaterThan(20);
  await screenshot(page, 'viewer-01-ct-uncompressed');

  // W/L: dragging down raises the centre -> darker.
  const wlBefore = await page.getByTestId('viewport-wl-0').textContent();
  const c = await centre(page);
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  await page.mouse.move(c.x, c.y + 60, { steps: 6 });
  await page.mouse.move(c.x, c.y + 120, { steps: 6 });
  await page.mouse.up();
  await settle(page);
  const darker = await canvasStats(page);
  expect(await page.getByTestId('viewport-wl-0').textContent()).not.toBe(wlBefore);
  expect(darker.mean, `mean ${ct.mean.toFixed(1)} -> ${darker.mean.toFixed(1)} after W/L drag down`).toBeLessThan(ct.mean - 5);
  await screenshot(page, 'viewer-02-ct-wl-drag');

  // Invert (keyboard I): mean m -> ~255 - m.
  await page.keyboard.press('i');
  await settle(page);
  const inverted = await canvasStats(page);
  expect(Math.abs(inverted.mean - (255 - darker.mean)), `inverted mean ${inverted.mean.toFixed(1)} vs 255-${darker.mean.toFixed(1)}`).toBeLessThan(6);
  await screenshot(page, 'viewer-03-ct-inverted');

  // Esc resets; preset 2 (subdural 215/75) sets the window shown in the overlay.
  await page.keyboard.press('Escape');
  await page.keyboard.press('2');
  await expect.poll(() => page.getByTestId('viewport-wl-0').textContent()).toBe('W: 215 L: 75 HU');

  // Length measurement on a CT with Pixel Spacing -> mm in the measurements panel.
  await page.keyboard.press('8');
  await page.getByTestId('tool-length').click();
  await page.mouse.move(c.x - 100, c.y);
  await page.mouse.down();
  await page.mouse.move(c.x + 50, c.y, { steps: 5 });
  await page.mouse.move(c.x + 100, c.y, { steps: 5 });
  await page.mouse.up();
  await expect.poll(() => page.getByTestId('measurement-row').first().textContent()).toMatch(/Length\s*[\d.]+ mm/);
  // Leaving the viewer with the measurement unsaved asks first; "Stay" keeps the viewer and the measurement.
  await page.getByRole('link', { name: 'Back' }).click();
  const guard = page.getByRole('dialog', { name: 'Unsaved measurements' });
  await guard.waitFor();
  await screenshot(page, 'viewer-03b-unsaved-guard');
  await page.getByTestId('unsaved-stay').click();
  await guard.waitFor({ state: 'hidden' });
  expect(new URL(page.url()).pathname).toBe('/viewer');
  expect(await page.getByTestId('measurement-row').count()).toBe(1);
  await page.getByTestId('tool-windowLevel').click();

  // Image 2 of the series is the JPEG 2000 lossless CT: arrow down.
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => sliceText(page)).toMatch(/Im: 2\/2 · #2/);
  await expect.poll(async () => (await canvasStats(page)).std, { timeout: 15_000 }).toBeGreaterThan(20);
  await page.keyboard.press('Escape');
  await settle(page);
  const j2k = await canvasStats(page);
  expect(j2k.std).toBeGreaterThan(20);
  await screenshot(page, 'viewer-04-ct-jpeg2000');

  expect(frameRequests.length).toBeGreaterThanOrEqual(2);
  for (const f of frameRequests) {
    expect(f.status).toBe(200);
    expect(f.auth, 'frame request carries the bearer token').toBe(true);
    expect(f.accept).toMatch(/transfer-syntax=\*/);
  }
  // The J2K frame arrived compressed (browser-side decode).
  expect(frameRequests.some((f) => /multipart\/related/.test(f.type))).toBe(true);

  // "Leave without saving" goes where the link pointed.
  await page.getByRole('link', { name: 'Back' }).click();
  await guard.waitFor();
  await page.getByTestId('unsaved-discard').click();
  await page.waitForURL((u) => u.pathname === `/studies/${encodeURIComponent(STUDY.ct)}`);
});

it('renders the multi-frame US (JPEG, YBR) with cine and the palette colour US', async () => {
  const { page } = await browsers.open('us');
  await login(page, 'admin', server.adminPassword);

  await openViewer(page, STUDY.usMultiframe);
  expect(await sliceText(page)).toMatch(/Fr: 1\/30/);
  const us = await canvasStats(page);
  expect(us.std).toBeGreaterThan(10);
  await screenshot(page, 'viewer-05-us-multiframe');
  // Cine: play for a moment, then pause; the frame number moved.
  await page.getByTestId('cine-toggle-0').click();
  await expect.poll(() => sliceText(page), { timeout: 10_000 }).not.toMatch(/Fr: 1\/30/);
  await page.getByTestId('cine-toggle-0').click();
  // W/L drag down darkens the US too.
  await settle(page);
  const before = await canvasStats(page);
  const c = await centre(page);
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  await page.mouse.move(c.x, c.y + 120, { steps: 10 });
  await page.mouse.up();
  await settle(page);
  expect((await canvasStats(page)).mean).toBeLessThan(before.mean - 3);

  await openViewer(page, STUDY.usPalette);
  const pal = await canvasStats(page);
  expect(pal.std).toBeGreaterThan(10);
  await screenshot(page, 'viewer-06-us-palette');
  await page.keyboard.press('i');
  await settle(page);
  const palInv = await canvasStats(page);
  expect(Math.abs(palInv.mean - (255 - pal.mean))).toBeLessThan(8);
});

it('scrolls the 128-slice MR with the wheel and the slider; layouts and drag-and-drop of series', async () => {
  const { page } = await browsers.open('mr');
  await login(page, 'admin', server.adminPassword);
  // The phantom's first slice is uniform (blank by design): no pixel-variance check there.
  await openViewer(page, STUDY.mr128, -1);
  expect(await sliceText(page)).toMatch(/Im: 1\/128/);
  const c = await centre(page);
  await page.mouse.move(c.x, c.y);
  for (let i = 0; i < 10; i++) await page.mouse.wheel(0, 120);
  await expect.poll(async () => Number(/Im: (\d+)\/128/.exec((await sliceText(page)) ?? '')?.[1] ?? 0)).toBeGreaterThan(5);
  await screenshot(page, 'viewer-07-mr-wheel-scroll');

  // Slider to the middle slice, which shows the phantom.
  await page.getByTestId('viewport-slider-0').fill('63');
  await expect.poll(() => sliceText(page)).toMatch(/Im: 64\/128/);
  await expect.poll(async () => (await canvasStats(page)).std, { timeout: 15_000 }).toBeGreaterThan(5);
  // Polarity: in slice63.dcm (MONOCHROME2) the disc left of centre is 2 (white), the corner and the right half 0
  // (black). Regression check for a transfer function built from the uniform first slice (rendered inverted).
  const [corner, leftMid, rightMid] = await imageLuminance(page, [[0.03, 0.03], [0.25, 0.5], [0.75, 0.5]]);
  expect(corner, 'corner (pixel value 0) is black').toBeLessThan(40);
  expect(rightMid, 'right half (pixel value 0) is black').toBeLessThan(40);
  expect(leftMid, 'disc (pixel value 2) is white').toBeGreaterThan(200);
  await screenshot(page, 'viewer-08-mr-slider-middle');

  // 1x2 layout: drag the series into the second viewport, which becomes active.
  await page.getByTestId('layout-1x2').click();
  await page.getByTestId('viewport-1').waitFor();
  await page.getByTestId('series-item').first().dragTo(page.getByTestId('viewport-1'));
  await waitRendered(page, 1, -1);
  expect(await page.getByTestId('viewport-1').getAttribute('data-active')).toBe('true');
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Viewer shortcuts' }).waitFor();
  await screenshot(page, 'viewer-09-mr-1x2-help');
  await page.keyboard.press('Escape');
});

it('frames refused with 401 (token expired while reading) are fetched again with a refreshed token', async () => {
  const { page } = await browsers.open('renew');
  await login(page, 'admin', server.adminPassword);
  // The server refuses the session's first access token for every frame after the first one, as it would once the
  // token has expired: the image loader must refresh the session and ask again.
  let firstToken: string | undefined;
  let passed = false;
  let refused = 0;
  await page.route('**/frames/*', (route) => {
    const auth = route.request().headers()['authorization'];
    firstToken ??= auth;
    if (auth !== firstToken || !passed) {
      passed = true;
      return route.continue();
    }
    refused++;
    return route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'Token expired' }) });
  });
  const refreshes: number[] = [];
  page.on('response', (r) => r.url().includes('/auth/refresh') && refreshes.push(r.status()));
  await openViewer(page, STUDY.mr128, -1);
  await page.getByTestId('viewport-slider-0').fill('63');
  await expect.poll(() => sliceText(page)).toMatch(/Im: 64\/128/);
  await expect.poll(async () => (await canvasStats(page)).std, { timeout: 15_000 }).toBeGreaterThan(5);
  expect(refused, 'frames refused with the first token').toBeGreaterThan(0);
  expect(refreshes).toContain(200);
  expect(await page.getByTestId('viewport-0').getAttribute('data-status')).toBe('ready');
});

it('renders the MONOCHROME1 DX and the JPEG-LS MR', async () => {
  const { page } = await browsers.open('more');
  await login(page, 'admin', server.adminPassword);
  await openViewer(page, '1.2.826.0.1.3680043.8.498.54401662452014863547255413372440461885'); // dx_mono1.dcm
  expect((await canvasStats(page)).std).toBeGreaterThan(10);
  await screenshot(page, 'viewer-10-dx-monochrome1');
  await openViewer(page, '1.3.12.2.1107.5.2.32.35131.30000014022817282751500000052'); // mr_jpegls_lossless.dcm
  expect((await canvasStats(page)).std).toBeGreaterThan(10);
  await screenshot(page, 'viewer-11-mr-jpegls');
});

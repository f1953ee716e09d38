import { expect } from 'vitest';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { REPO_ROOT } from './server';

export const ARTIFACT_DIR = join(REPO_ROOT, 'test-artifacts/e2e');
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Debian's Chromium, headless. playwright's own browser downloads are never used. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/**
 * Removes a previous run's screenshots whose names start with one of `prefixes` (only *.png in
 * test-artifacts/e2e). Each spec file passes its own prefixes so it never deletes another file's shots.
 */
export function resetArtifacts(prefixes: readonly string[]): void {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  for (const f of readdirSync(ARTIFACT_DIR)) {
    if (f.endsWith('.png') && prefixes.some((p) => f.startsWith(p))) rmSync(join(ARTIFACT_DIR, f), { force: true });
  }
}

export interface TrackedPage {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Browser console errors and uncaught page errors, for failure reports. */
  errors: string[];
  /** Requests to anything but 127.0.0.1 that were blocked. */
  blocked: string[];
}

/**
 * Fresh browser contexts (own cookies and storage) for one test. Every request leaving 127.0.0.1 is
 * aborted and recorded. `closeAll` closes every context opened through it.
 */
export class Browsers {
  readonly pages: TrackedPage[] = [];

  constructor(private readonly browser: Browser, private readonly baseURL: string) {}

  async open(name: string): Promise<TrackedPage> {
    const context = await this.browser.newContext({
      baseURL: this.baseURL,
      viewport: { width: 1366, height: 860 },
      locale: 'en-GB',
      timezoneId: 'UTC',
      serviceWorkers: 'block',
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(20_000);
    const tracked: TrackedPage = { name, context, page: undefined as unknown as Page, errors: [], blocked: [] };
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      tracked.blocked.push(url.href);
      return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') tracked.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => tracked.errors.push(`pageerror: ${e.message}`));
    tracked.page = page;
    this.pages.push(tracked);
    return tracked;
  }

  /** Screenshots every still-open page (used when a test fails). */
  async screenshotAll(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for (const t of this.pages) {
      if (t.page.isClosed()) continue;
      out.push(await screenshot(t.page, `${prefix}-${t.name}`).catch((e: Error) => `(screenshot failed: ${e.message})`));
    }
    return out;
  }

  report(): string {
    return this.pages
      .map((t) => `[${t.name}] url=${t.page.isClosed() ? '(closed)' : t.page.url()}\n  errors: ${t.errors.join('\n          ') || 'none'}\n  blocked: ${t.blocked.join(', ') || 'none'}`)
      .join('\n');
  }

  async closeAll(): Promise<void> {
    for (const t of this.pages.splice(0)) await t.context.close().catch(() => undefined);
  }
}

/** Saves test-artifacts/e2e/<name>.png (full page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  const file = join(ARTIFACT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

export interface LoginResult {
  status: number;
  /** The session payload's user, as the server returned it to the login form. */
  user?: { id: string; username: string; displayName: string; roles: string[]; permissions: string[]; mustChangePassword: boolean; departmentName: string | null };
}

/**
 * Signs in through the login form (navigating to /login first unless `stayOnPage`), and returns
 * the server's answer to POST /api/v1/auth/login. Does not wait for the post-login page.
 */
export async function submitLogin(page: Page, username: string, password: string, opts: { stayOnPage?: boolean } = {}): Promise<LoginResult> {
  if (!opts.stayOnPage) await page.goto('/login');
  const form = page.getByRole('form', { name: 'Sign in' });
  await form.getByLabel('Username', { exact: true }).fill(username);
  await form.getByLabel('Password', { exact: true }).fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r: Response) => r.url().endsWith('/api/v1/auth/login') && r.request().method() === 'POST'),
    form.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  const body = (await res.json().catch(() => ({}))) as { user?: LoginResult['user'] };
  return { status: res.status(), user: body.user };
}

/** Signs in and waits for the signed-in shell (header with the user's name). */
export async function login(page: Page, username: string, password: string, opts: { stayOnPage?: boolean } = {}): Promise<LoginResult> {
  const result = await submitLogin(page, username, password, opts);
  if (result.status !== 200) throw new Error(`Sign-in as ${username} failed: HTTP ${result.status}`);
  if (!result.user?.mustChangePassword) {
    await page.getByTestId('header-user-name').waitFor({ state: 'visible' });
    await waitForNav(page);
  }
  return result;
}

/** Signs out through the account menu and waits for the login page. */
export async function logout(page: Page, displayName: string): Promise<void> {
  await page.getByRole('button', { name: `Account menu for ${displayName}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
}

/** Waits for the sidebar (it always holds the profile link once rendered). */
export async function waitForNav(page: Page): Promise<void> {
  await page.locator('nav[aria-label="Main"] [data-nav="profile"]').waitFor({ state: 'visible' });
}

/** The data-nav keys of the sidebar, in display order. */
export async function navKeys(page: Page): Promise<string[]> {
  await waitForNav(page);
  return page.locator('nav[aria-label="Main"] [data-nav]').evaluateAll((els) => els.map((e) => e.getAttribute('data-nav') ?? ''));
}

/**
 * Resolves once the page's Socket.IO connection has been accepted and joined its rooms: the server
 * emits `ready` after joining (over WebSocket or long-polling, whichever carries it). Call before
 * the page navigates to the signed-in shell, then await the returned promise.
 */
export function watchRealtimeReady(page: Page, timeoutMs = 15_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const isReady = (payload: string | Buffer) => /42\["ready"/.test(payload.toString());
    const timer = setTimeout(() => reject(new Error('Socket.IO "ready" event not seen in time')), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    page.on('websocket', (ws) => {
      if (!ws.url().includes('/socket.io/')) return;
      ws.on('framereceived', (f) => isReady(f.payload) && done());
    });
    page.on('response', (r) => {
      if (!r.url().includes('/socket.io/') || r.request().method() !== 'GET') return;
      r.text().then((t) => isReady(t) && done(), () => undefined);
    });
  });
}

/**
 * The end of every browser test: on failure, screenshots of each open page, their console and the server's
 * output; then every page is closed and no page may have talked to anything but the local server.
 * With `browserErrors`, script errors in any page fail the test too ("Failed to load resource" lines are
 * HTTP statuses the tests provoke or expect, e.g. the start-up session check answering 401).
 */
export async function finishBrowserTest(
  ctx: { task: { name: string; result?: { state?: string } } },
  browsers: Browsers,
  serverOutput: () => string,
  opts: { failurePrefix: string; browserErrors: boolean },
): Promise<void> {
  if (ctx.task.result?.state === 'fail') {
    const shots = await browsers.screenshotAll(`${opts.failurePrefix}${ctx.task.name.slice(0, 40)}`);
    console.error(
      `\n=== E2E failure: ${ctx.task.name} ===\nScreenshots:\n  ${shots.join('\n  ')}\nPages:\n${browsers.report()}\n` +
        `--- server output (tail) ---\n${serverOutput().slice(-8000)}\n--- end server output ---\n`,
    );
  }
  const blocked = browsers.pages.flatMap((p) => p.blocked);
  const errors = browsers.pages.flatMap((p) => p.errors);
  await browsers.closeAll();
  expect(blocked, 'requests to hosts other than 127.0.0.1').toEqual([]);
  if (opts.browserErrors) expect(errors.filter((e) => !/Failed to load resource/.test(e)), 'browser errors').toEqual([]);
}

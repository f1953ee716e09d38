/**
 * Platform foundation, end to end in a real browser: sign-in, user administration, permission-driven
 * navigation, live notifications and route guards. Runs against the built server (npm run build).
 */
import type { Browser, Page } from 'playwright-core';
import {
  Browsers, finishBrowserTest, launchBrowser, login, logout, navKeys, resetArtifacts, screenshot, submitLogin, waitForNav, watchRealtimeReady,
} from './support/browser';
import { builtinRole, defaultPermissions, expectedHiddenNav, expectedNav, navRequirement } from './support/expectations';
import { api, apiLogin, assertBuilt, startServer, type AxialServer } from './support/server';

// permissions.ts (nav mapping data) imports the Redux store, which is irrelevant here.
vi.mock('../../apps/web/src/app/store', () => ({ useAppSelector: () => undefined, useAppDispatch: () => undefined }));

const DEMO_PASSWORD = 'axial-demo-2026';
/** Demo accounts seeded with AXIAL_DEMO=true (username -> built-in role); each is checked against the server. */
const DEMO_USERS = [
  { username: 'radiologist', role: 'radiologist' },
  { username: 'technician', role: 'technician' },
  { username: 'reception', role: 'receptionist' },
  { username: 'head', role: 'department_head' },
  { username: 'referrer', role: 'referring_physician' },
] as const;

let server: AxialServer;
let browser: Browser;
let browsers: Browsers;

/** The account created through the UI in test (a), reused by test (c). */
const newUser = {
  username: `e2e.tech.${Date.now().toString(36)}`,
  displayName: 'Erin E2E Technician',
  role: 'technician',
  initialPassword: 'Initial-pass-2026',
  password: 'Chosen-pass-2026!',
  /** Set once test (a) has created the account (through the UI) and changed its password. */
  ready: false,
};

beforeAll(async () => {
  assertBuilt();
  // This file's screenshots are named a-*, b-*, c-*, d-* and FAILED-(a|b|c|d)*.
  resetArtifacts(['a-', 'b-', 'c-', 'd-', 'FAILED-_a', 'FAILED-_b', 'FAILED-_c', 'FAILED-_d']);
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.stop();
});

beforeEach(() => {
  browsers = new Browsers(browser, server.url);
});

afterEach((ctx) => finishBrowserTest(ctx, browsers, () => server.output(), { failurePrefix: 'FAILED-', browserErrors: false }));

async function expectNavExactly(page: Page, permissions: string[], who: string) {
  const shown = expectedNav(permissions);
  const hidden = expectedHiddenNav(permissions);
  // Guard against a vacuous check: every role must both show and hide something.
  expect(shown.length, `${who}: expected some visible nav`).toBeGreaterThan(1);
  expect(hidden.length, `${who}: expected some hidden nav`).toBeGreaterThan(0);
  expect(await navKeys(page), `${who}: sidebar nav keys`).toEqual(shown);
  for (const key of shown) {
    await expect.poll(() => page.locator(`[data-nav="${key}"]`).count(), `${who}: [data-nav=${key}] shown (needs ${navRequirement(key)})`).toBe(1);
  }
  for (const key of hidden) {
    expect(await page.locator(`[data-nav="${key}"]`).count(), `${who}: [data-nav=${key}] hidden (needs ${navRequirement(key)})`).toBe(0);
  }
}

/** Completes the forced password change; returns how the app continued ('shell' or 're-login'). */
async function completeForcedPasswordChange(page: Page, current: string, next: string): Promise<'shell' | 're-login'> {
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password', { exact: true }).fill(current);
  await form.getByLabel('New password', { exact: true }).fill(next);
  await form.getByLabel('Confirm new password', { exact: true }).fill(next);
  await form.getByRole('button', { name: 'Set new password' }).click();
  await page.waitForURL((u) => u.pathname !== '/change-password');
  return new URL(page.url()).pathname === '/login' ? 're-login' : 'shell';
}

describe('Axial platform (browser e2e)', () => {
  it('(a) admin creates a technician through the Users page; the new user changes the password and sees exactly their nav', async () => {
    const admin = await browsers.open('admin');
    const a = admin.page;

    // --- admin signs in through the form
    const adminLogin = await login(a, 'admin', server.adminPassword);
    expect(adminLogin.user?.roles).toEqual(['admin']);
    await expect.poll(() => a.getByTestId('header-user-name').textContent()).toBe('Administrator');
    await screenshot(a, 'a-01-admin-signed-in');

    // --- Users page: the account does not exist yet
    await a.locator('[data-nav="users"]').click();
    await a.waitForURL('**/admin/users');
    await a.getByRole('heading', { name: 'Users', exact: true }).first().waitFor();
    const table = a.getByRole('table', { name: 'Users' });
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'admin' }).count()).toBeGreaterThan(0); // table loaded
    expect(await table.getByRole('row').filter({ hasText: newUser.username }).count()).toBe(0);

    // --- create the user in the dialog
    await a.getByRole('button', { name: 'New user' }).click();
    const dialog = a.getByRole('dialog', { name: 'New user' });
    await dialog.waitFor();
    await dialog.getByLabel('Username').fill(newUser.username);
    await dialog.getByLabel('Display name').fill(newUser.displayName);
    await dialog.getByLabel('Email').fill(`${newUser.username}@example.test`);
    await dialog.getByLabel('Initial password').fill(newUser.initialPassword);
    const dept = dialog.getByLabel('Department', { exact: true }); // not the "Department head" role checkbox
    await expect.poll(() => dept.locator('option', { hasText: 'Radiology (RAD)' }).count()).toBe(1);
    await dept.selectOption({ label: 'Radiology (RAD)' });
    const roleName = builtinRole(newUser.role).name; // "Imaging technician", as the server names it
    const roleBox = dialog.getByRole('checkbox', { name: roleName, exact: true });
    await expect.poll(() => roleBox.count(), `role checkbox "${roleName}"`).toBe(1);
    await roleBox.check();
    expect(await roleBox.isChecked()).toBe(true);
    await screenshot(a, 'a-02-new-user-dialog-filled');
    const [createRes] = await Promise.all([
      a.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: 'Create user' }).click(),
    ]);
    expect(createRes.status(), await createRes.text()).toBe(201);
    const created = (await createRes.json()) as { id: string; roles: string[]; departmentName: string; mustChangePassword: boolean };
    expect(created.roles).toEqual([newUser.role]);
    expect(created.departmentName).toBe('Radiology');
    await dialog.waitFor({ state: 'hidden' });

    // The list now shows the account with its role, department and pending password change.
    const row = table.getByRole('row').filter({ hasText: newUser.username });
    await expect.poll(() => row.count()).toBe(1);
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(newUser.displayName);
    expect(rowText).toContain(roleName);
    expect(rowText).toContain('Radiology');
    if (created.mustChangePassword) expect(rowText).toContain('Password change due');
    // the confirmation message for the admin is on screen now…
    expect(await a.getByText('User created', { exact: false }).count()).toBeGreaterThan(0);
    await screenshot(a, 'a-03-user-created');

    // --- admin signs out
    await logout(a, 'Administrator');
    await a.getByText('You have been signed out.').waitFor();
    expect(await a.getByTestId('header-user-name').count()).toBe(0);
    // …and gone once they signed out: the next person at this workstation must not see it
    expect(await a.getByText('User created', { exact: false }).count()).toBe(0);
    await screenshot(a, 'a-04-admin-signed-out');

    // --- the new user signs in (same browser window)
    const first = await submitLogin(a, newUser.username, newUser.initialPassword, { stayOnPage: true });
    expect(first.status).toBe(200);
    let loggedIn = first;
    if (first.user?.mustChangePassword) {
      await a.waitForURL('**/change-password');
      await a.getByText('Your password must be changed before you can continue.').waitFor();
      await screenshot(a, 'a-05-forced-password-change');
      // The rest of the app stays closed until the password is changed.
      await a.goto('/worklist');
      await a.waitForURL('**/change-password');
      expect(await a.locator('[data-nav]').count()).toBe(0);
      const how = await completeForcedPasswordChange(a, newUser.initialPassword, newUser.password);
      if (how === 're-login') {
        await a.getByText('Your password was changed. Please sign in with the new password.').waitFor();
        loggedIn = await login(a, newUser.username, newUser.password, { stayOnPage: true });
      }
    }
    newUser.ready = true;
    await waitForNav(a);
    await expect.poll(() => a.getByTestId('header-user-name').textContent()).toBe(newUser.displayName);
    expect(await a.getByTestId('header-user-department').textContent()).toBe('Radiology');
    await a.getByRole('heading', { name: new RegExp(newUser.displayName) }).waitFor(); // dashboard greeting

    // The old password no longer works, the new one does (checked through the API).
    expect((await api(server, 'POST', '/api/v1/auth/login', { body: { username: newUser.username, password: newUser.initialPassword } })).status).toBe(401);

    // --- exactly the navigation the technician role gives, by the server's defaults
    const expectedPerms = defaultPermissions([newUser.role]);
    const me = await api<{ permissions: string[]; roles: string[] }>(server, 'GET', '/api/v1/auth/me', {
      token: await apiLogin(server, newUser.username, newUser.password),
    });
    expect(me.body.roles).toEqual([newUser.role]);
    expect([...me.body.permissions].sort(), 'server permissions = technician defaults').toEqual(expectedPerms);
    if (loggedIn.user) expect([...loggedIn.user.permissions].sort()).toEqual(expectedPerms);
    await expectNavExactly(a, expectedPerms, newUser.username);
    // Spot checks spelled out (all derived above too): clinical areas yes, administration no.
    for (const key of ['worklist', 'upload', 'studies', 'schedules', 'profile']) expect(await a.locator(`[data-nav="${key}"]`).count(), key).toBe(1);
    for (const key of ['users', 'roles', 'audit', 'dicom-nodes', 'shifts', 'reports']) expect(await a.locator(`[data-nav="${key}"]`).count(), key).toBe(0);
    await screenshot(a, 'a-06-new-user-nav');
  });

  it.each(DEMO_USERS.map((u) => [u.username, u.role] as const))('(b) demo user %s (%s) sees exactly the nav of its role defaults', async (username, role) => {
    const { page } = await browsers.open(username);
    const res = await login(page, username, DEMO_PASSWORD);
    expect(res.user?.roles, 'seeded role').toEqual([role]);
    expect(res.user?.departmentName).toBe('Radiology');
    const perms = defaultPermissions([role]);
    expect([...(res.user?.permissions ?? [])].sort(), 'server permissions = role defaults').toEqual(perms);
    await expectNavExactly(page, perms, username);
    // The dashboard greets the user by name once its lazy chunk is in (for a meaningful screenshot).
    await page.getByRole('heading', { name: new RegExp(`, ${res.user!.displayName}$`) }).waitFor();
    await screenshot(page, `b-nav-${username}`);
  });

  it('(c) a notification sent by the admin appears live in the recipient\'s bell, without a reload', async () => {
    if (!newUser.ready) {
      // (a) did not get that far: create the account through the API so this test still runs on its own.
      const token = await apiLogin(server, 'admin', server.adminPassword);
      const depts = await api<{ items: Array<{ id: string; code: string }> }>(server, 'GET', '/api/v1/departments', { token });
      const res = await api(server, 'POST', '/api/v1/users', {
        token,
        body: {
          username: newUser.username, displayName: newUser.displayName, password: newUser.password, roles: [newUser.role],
          departmentId: depts.body.items.find((d) => d.code === 'RAD')?.id, mustChangePassword: false,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      newUser.ready = true;
    }
    const title = `E2E check-in ${Date.now().toString(36)}`;

    // --- context A: the recipient, parked on their profile page with a live socket
    const A = await browsers.open('recipient');
    const pa = A.page;
    const socketReady = watchRealtimeReady(pa);
    await login(pa, newUser.username, newUser.password);
    await pa.locator('[data-nav="profile"]').click();
    await pa.waitForURL('**/profile');
    await pa.getByRole('heading', { name: 'My profile' }).waitFor();
    await socketReady;
    const bellA = pa.getByTestId('notification-count');
    await expect.poll(() => bellA.textContent()).toBe('0');
    expect(await pa.getByRole('button', { name: 'Notifications', exact: true }).count()).toBe(1);
    let navigations = 0;
    pa.on('framenavigated', (f) => f === pa.mainFrame() && navigations++);
    await pa.evaluate(() => ((window as unknown as { __e2eNoReload: number }).__e2eNoReload = 42));
    await screenshot(pa, 'c-01-recipient-before');

    // --- context B: the admin sends it through the bell's "Send notification" dialog
    const B = await browsers.open('sender');
    const pb = B.page;
    await login(pb, 'admin', server.adminPassword);
    const bellB = pb.getByTestId('notification-count');
    await expect.poll(() => bellB.textContent()).toBe('0');
    await pb.getByRole('button', { name: /^Notifications/ }).click();
    await pb.getByRole('button', { name: 'Send notification' }).click();
    const dialog = pb.getByRole('dialog', { name: 'Send notification' });
    await dialog.waitFor();
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Message').fill('Sent by the browser e2e test.');
    await dialog.getByLabel('Send to').selectOption('user');
    const target = dialog.getByLabel('User', { exact: true });
    const optionLabel = `${newUser.displayName} (${newUser.username})`;
    await expect.poll(() => target.locator('option', { hasText: optionLabel }).count()).toBe(1);
    await target.selectOption({ label: optionLabel });
    await screenshot(pb, 'c-02-sender-dialog');
    const [sendRes] = await Promise.all([
      pb.waitForResponse((r) => r.url().endsWith('/api/v1/notifications') && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: 'Send', exact: true }).click(),
    ]);
    expect(sendRes.status(), await sendRes.text()).toBe(201);
    expect(await sendRes.json()).toEqual({ recipients: 1 });
    await dialog.waitFor({ state: 'hidden' });

    // --- A: count 0 -> 1 live (the bell polls only every 2 minutes), same document, same URL
    await expect.poll(() => bellA.textContent(), { timeout: 10_000 }).toBe('1');
    await pa.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
    await pa.getByText(title).first().waitFor(); // the toast
    expect(await pa.evaluate(() => (window as unknown as { __e2eNoReload?: number }).__e2eNoReload)).toBe(42);
    expect(navigations, 'navigations in the recipient page').toBe(0);
    expect(new URL(pa.url()).pathname).toBe('/profile');
    await screenshot(pa, 'c-03-recipient-count-1');

    // The dropdown lists it, unread.
    await pa.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    const popover = pa.getByRole('dialog', { name: 'Notifications' });
    await popover.waitFor();
    const item = popover.getByRole('article', { name: title });
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.getAttribute('data-unread')).toBe('true');
    await screenshot(pa, 'c-04-recipient-dropdown');

    // The sender was not a recipient.
    expect(await bellB.textContent()).toBe('0');
  });

  it('(d) route guards: anonymous /admin/users -> /login; a radiologist gets the 403 page, a head with user.read does not', async () => {
    // Preconditions from the server's role defaults (so the expectations below are the right ones).
    expect(defaultPermissions(['radiologist'])).not.toContain('user.read');
    expect(defaultPermissions(['department_head'])).toContain('user.read');

    const { page } = await browsers.open('guards');
    await page.goto('/admin/users');
    await page.waitForURL((u) => u.pathname === '/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/admin/users');
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    expect(await page.locator('[data-nav]').count()).toBe(0);
    expect(await page.getByRole('table', { name: 'Users' }).count()).toBe(0);
    await screenshot(page, 'd-01-anonymous-redirected-to-login');

    // Signing in from there returns to /admin/users, which the radiologist may not open.
    await login(page, 'radiologist', DEMO_PASSWORD, { stayOnPage: true });
    await page.waitForURL((u) => u.pathname === '/admin/users');
    const forbidden = page.getByRole('region', { name: 'Access denied' });
    await forbidden.waitFor();
    expect(await forbidden.getByText('403', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('table', { name: 'Users' }).count()).toBe(0);
    expect(await page.locator('[data-nav="users"]').count()).toBe(0);
    await screenshot(page, 'd-02-radiologist-403');

    // The same URL opened directly (full load, session restored from the refresh cookie) is still 403.
    await page.goto('/admin/users');
    await forbidden.waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/users');

    // Control: a user whose role has user.read gets the page, not the 403.
    const head = await browsers.open('head');
    await login(head.page, 'head', DEMO_PASSWORD);
    await head.page.goto('/admin/users');
    await head.page.getByRole('table', { name: 'Users' }).waitFor();
    expect(await head.page.getByRole('region', { name: 'Access denied' }).count()).toBe(0);
    await screenshot(head.page, 'd-03-head-users-page');
  });
});

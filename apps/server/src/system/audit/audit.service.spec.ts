import { describe, expect, it } from 'vitest';
import { escapeLike, toCsv, type AuditEventView } from './audit.service';

const ev = (o: Partial<AuditEventView>): AuditEventView => ({
  id: 1, at: '2026-11-22T10:00:00.000Z', userId: null, username: null, role: null, action: 'x', resourceType: null,
  resourceId: null, patientId: null, outcome: 'success', clientIp: null, userAgent: null, details: null, ...o,
});

describe('audit CSV export', () => {
  it('quotes commas, quotes and newlines per RFC 4180', () => {
    const csv = toCsv([ev({ username: 'a,b', userAgent: 'say "hi"\nthere' })]);
    const row = csv.split('\r\n')[1];
    expect(row).toContain('"a,b"');
    expect(csv).toContain('"say ""hi""\nthere"');
  });

  it('neutralises spreadsheet formulas', () => {
    const csv = toCsv([ev({ username: '=HYPERLINK("http://x")', action: '+cmd', resourceId: '@SUM(A1)' })]);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain(`'+cmd`);
    expect(csv).toContain(`'@SUM(A1)`);
  });

  it('serialises details as JSON', () => {
    expect(toCsv([ev({ details: { a: 1 } })])).toContain('"{""a"":1}"');
  });

  it('escapes LIKE wildcards', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });
});

import { QueryError } from '../errors';
import type { DicomJsonDataset } from '../json';
import { matches } from './match';
import { parseFindIdentifier, parseQidoQuery } from './parse';
import { toSql, wildcardToLike } from './sql';
import type { QueryKey } from './types';

const study = (o: Record<string, string>) => parseQidoQuery(o, { level: 'STUDY' });
const key0 = (o: Record<string, string>): QueryKey => study(o).keys[0]!;

describe('parseQidoQuery: key classification (PS3.4 §C.2.2.2)', () => {
  it.each<[Record<string, string>, Partial<QueryKey> & { kind: QueryKey['kind'] }]>([
    [{ PatientName: '' }, { kind: 'universal', tag: '00100010' }],
    [{ PatientName: '*' }, { kind: 'universal' }],
    [{ PatientName: 'Doe^John' }, { kind: 'single', normalized: 'DOE^JOHN' }],
    [{ PatientName: 'doe*' }, { kind: 'wildcard', pattern: 'DOE*' }],
    [{ PatientID: 'A?C' }, { kind: 'wildcard', pattern: 'A?C' }],
    [{ '00100020': 'X1' }, { kind: 'single', keyword: 'PatientID', value: 'X1' }],
    [{ StudyDate: '20240101' }, { kind: 'single', normalized: '20240101' }],
    [{ StudyDate: '2024.01.01' }, { kind: 'single', normalized: '20240101' }],
    [{ StudyDate: '20240101-20240131' }, { kind: 'range', from: '20240101', to: '20240131' }],
    [{ StudyDate: '-20240131' }, { kind: 'range', to: '20240131' }],
    [{ StudyDate: '20240101-' }, { kind: 'range', from: '20240101' }],
    [{ StudyTime: '10-12' }, { kind: 'range', from: '100000.000000', to: '125959.999999' }],
    [{ StudyTime: '1030' }, { kind: 'range', from: '103000.000000', to: '103059.999999' }],
    [{ AcquisitionDateTime: '20240101-20240102' }, { kind: 'range', from: '20240101000000.000000', to: '20240102235959.999999' }],
    [{ AcquisitionDateTime: '20240101120000-0500' }, { kind: 'range', from: '20240101170000.000000' }], // offset, not a range
    [{ StudyInstanceUID: '1.2.3' }, { kind: 'single', normalized: '1.2.3' }],
    [{ StudyInstanceUID: '1.2.3,1.2.4' }, { kind: 'uidList', values: ['1.2.3', '1.2.4'] }],
    [{ StudyInstanceUID: '1.2.3\\1.2.4' }, { kind: 'uidList', values: ['1.2.3', '1.2.4'] }],
    [{ SeriesNumber: '3' }, { kind: 'single', normalized: 3 }],
    [{ 'ReferencedSeriesSequence.SeriesInstanceUID': '1.2.5' }, { kind: 'sequence', tag: '00081115' }],
  ])('%j', (params, expected) => {
    expect(key0(params)).toMatchObject(expected);
  });

  it('parses includefield, limit, offset, fuzzymatching, orderby', () => {
    const q = parseQidoQuery(
      { includefield: ['PatientAge,00081030', 'ReferencedSeriesSequence.SeriesInstanceUID'], limit: '25', offset: '50', fuzzymatching: 'true', orderby: '-StudyDate,PatientName' },
      { level: 'STUDY' },
    );
    expect(q.includeFields.map((f) => f.name)).toEqual(['PatientAge', 'StudyDescription', 'ReferencedSeriesSequence.SeriesInstanceUID']);
    expect(q).toMatchObject({ limit: 25, offset: 50, fuzzyMatching: true, includeAll: false });
    expect(q.orderBy).toEqual([
      { tag: '00080020', keyword: 'StudyDate', name: 'StudyDate', descending: true },
      { tag: '00100010', keyword: 'PatientName', name: 'PatientName', descending: false },
    ]);
    expect(parseQidoQuery({ includefield: 'all' }, { level: 'SERIES' }).includeAll).toBe(true);
    expect(parseQidoQuery({ limit: '5000' }, { level: 'SERIES', maxLimit: 1000 }).limit).toBe(1000);
    expect(parseQidoQuery({ accept: 'application/dicom+json' }, { level: 'SERIES' }).keys).toEqual([]);
  });

  it('merges repeated UID parameters into a list', () => {
    expect(key0({ StudyInstanceUID: '1.2.3' })).toMatchObject({ kind: 'single' });
    const q = parseQidoQuery({ StudyInstanceUID: ['1.2.3', '1.2.4'] }, { level: 'STUDY' });
    expect(q.keys[0]).toMatchObject({ kind: 'uidList', values: ['1.2.3', '1.2.4'] });
  });

  it('combines StudyDate and StudyTime ranges into one date-time range (§C.2.2.2.5.1)', () => {
    const q = study({ StudyDate: '20240101-20240102', StudyTime: '2200-0600' });
    expect(q.keys[0]).toMatchObject({ kind: 'range', vr: 'DT', from: '20240101220000.000000', to: '20240102060059.999999', combinedTime: { tag: '00080030' } });
    expect(q.keys[1]).toMatchObject({ kind: 'universal', tag: '00080030' });
  });

  it.each<[Record<string, string | string[]>, RegExp]>([
    [{ limit: 'abc' }, /limit must be a non-negative integer/],
    [{ offset: '-1' }, /offset must be a non-negative integer/],
    [{ fuzzymatching: 'yes' }, /fuzzymatching must be "true" or "false"/],
    [{ StudyDate: '2024-01-01' }, /Invalid DA range|Invalid DA/],
    [{ StudyDate: '20240132' }, /Invalid DA value/],
    [{ StudyDate: '20240201-20240101' }, /start after end/],
    [{ StudyDate: '-' }, /Invalid DA range/],
    [{ StudyTime: '25' }, /Invalid TM/],
    [{ PatientNme: 'x' }, /Unknown query parameter "PatientNme"/],
    [{ includefield: 'Bogus' }, /Unknown attribute "Bogus"/],
    [{ StudyInstanceUID: '1.2.x' }, /Invalid UID/],
    [{ StudyDate: '2024*' }, /Invalid DA/],
    [{ StudyInstanceUID: '1.2*' }, /Invalid UID/],
    [{ SeriesNumber: 'three' }, /must be a number/],
    [{ Modality: 'CT\\MR' }, /multiple values are only allowed for UID list/],
    [{ PatientID: ['a', 'b'] }, /more than once/],
    [{ 'PatientName.PatientID': 'x' }, /not a sequence/],
  ])('rejects %j', (params, message) => {
    expect(() => parseQidoQuery(params, { level: 'STUDY' })).toThrow(QueryError);
    expect(() => parseQidoQuery(params, { level: 'STUDY' })).toThrow(message);
  });

  it('requires a level', () => {
    expect(() => parseQidoQuery({})).toThrow(/level/);
  });
});

describe('parseFindIdentifier: the same rules from a DICOM JSON identifier', () => {
  it('reads the level, skips non-keys, keeps return keys as universal', () => {
    const q = parseFindIdentifier({
      '00080052': { vr: 'CS', Value: ['STUDY'] },
      '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe*' }] },
      '00080020': { vr: 'DA', Value: ['20240101-20240131'] },
      '0020000D': { vr: 'UI', Value: ['1.2.3', '1.2.4'] },
      '00081030': { vr: 'LO' },
      '00200011': { vr: 'IS', Value: [4] },
    });
    expect(q.level).toBe('STUDY');
    expect(q.source).toBe('dimse');
    expect(q.keys.map((k) => [k.keyword, k.kind])).toEqual([
      ['PatientName', 'wildcard'],
      ['StudyDate', 'range'],
      ['StudyInstanceUID', 'uidList'],
      ['StudyDescription', 'universal'],
      ['SeriesNumber', 'single'],
    ]);
  });

  it('parses worklist sequence matching with combined SPS date/time inside the item (PS3.4 K.6)', () => {
    const q = parseFindIdentifier(
      {
        '00400100': {
          vr: 'SQ',
          Value: [{ '00080060': { vr: 'CS', Value: ['CT'] }, '00400002': { vr: 'DA', Value: ['20240101'] }, '00400003': { vr: 'TM', Value: ['0800-1200'] }, '00400001': { vr: 'AE' } }],
        },
        '00100010': { vr: 'PN' },
      },
      { level: 'WORKLIST' },
    );
    const sps = q.keys[0]!;
    expect(sps.kind).toBe('sequence');
    if (sps.kind !== 'sequence') throw new Error('unreachable');
    expect(sps.items.map((k) => k.kind)).toEqual(['single', 'range', 'universal', 'universal']);
    expect(sps.items[1]).toMatchObject({ from: '20240101080000.000000', to: '20240101120059.999999', combinedTime: { tag: '00400003' } });
  });

  it('rejects a bad level or unknown attribute', () => {
    expect(() => parseFindIdentifier({ '00080052': { vr: 'CS', Value: ['ROOT'] } })).toThrow(/Query\/Retrieve Level/);
    expect(() => parseFindIdentifier({ '00100011': { vr: 'LO', Value: ['x'] } }, { level: 'STUDY' })).toThrow(/Unknown attribute/);
  });
});

// ---------------------------------------------------------------------------------------------------
const ds: DicomJsonDataset = {
  '00080020': { vr: 'DA', Value: ['20240115'] },
  '00080030': { vr: 'TM', Value: ['233000'] },
  '00080061': { vr: 'CS', Value: ['CT', 'SR'] },
  '00080050': { vr: 'SH', Value: ['ACC_1%'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }] },
  '00100020': { vr: 'LO', Value: ['PID-42'] },
  '0020000D': { vr: 'UI', Value: ['1.2.3'] },
  '00200010': { vr: 'SH', Value: ['S1'] },
  '00201208': { vr: 'IS', Value: [12] },
  '00081115': { vr: 'SQ', Value: [{ '0020000E': { vr: 'UI', Value: ['1.2.3.1'] } }, { '0020000E': { vr: 'UI', Value: ['1.2.3.2'] } }] },
};

describe('matches (in-memory)', () => {
  it.each<[Record<string, string | string[]>, boolean]>([
    [{}, true],
    [{ PatientName: '' }, true],
    [{ PatientName: 'yamada^tarou' }, true], // case-insensitive PN, alphabetic group
    [{ PatientName: '山田^太郎' }, true], // ideographic group
    [{ PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう' }, true],
    [{ PatientName: 'Yamada' }, false], // single value matching is exact
    [{ PatientName: 'yama*' }, true],
    [{ PatientName: '山*' }, true],
    [{ PatientName: 'Y?mada^*' }, true],
    [{ PatientName: 'Tarou*' }, false],
    [{ PatientName: 'tarou', fuzzymatching: 'true' }, true],
    [{ PatientID: 'PID-42' }, true],
    [{ PatientID: 'pid-42' }, false], // LO is case-sensitive
    [{ PatientID: 'PID-4?' }, true],
    [{ AccessionNumber: 'ACC_1%' }, true],
    [{ AccessionNumber: 'ACC?1*' }, true],
    [{ StudyDate: '20240115' }, true],
    [{ StudyDate: '20240116' }, false],
    [{ StudyDate: '20240101-20240131' }, true],
    [{ StudyDate: '-20240114' }, false],
    [{ StudyDate: '20240115-' }, true],
    [{ StudyTime: '23' }, true],
    [{ StudyTime: '0000-1200' }, false],
    [{ StudyDate: '20240115-20240116', StudyTime: '2300-0100' }, true], // combined: 15th 23:00 .. 16th 01:00
    [{ StudyDate: '20240114-20240115', StudyTime: '2300-2330' }, true],
    [{ StudyDate: '20240114-20240115', StudyTime: '2300-2329' }, false],
    [{ StudyDate: '20240115-20240116', StudyTime: '2331-0100' }, false],
    [{ StudyInstanceUID: '1.2.3' }, true],
    [{ StudyInstanceUID: '1.2.4,1.2.3' }, true],
    [{ StudyInstanceUID: '1.2.4,1.2.5' }, false],
    [{ ModalitiesInStudy: 'SR' }, true], // any value of a multi-valued attribute
    [{ ModalitiesInStudy: 'MR' }, false],
    [{ NumberOfStudyRelatedInstances: '12' }, true],
    [{ NumberOfStudyRelatedInstances: '13' }, false],
    [{ 'ReferencedSeriesSequence.SeriesInstanceUID': '1.2.3.2' }, true],
    [{ 'ReferencedSeriesSequence.SeriesInstanceUID': '1.2.3.9' }, false],
    [{ StudyDescription: 'x' }, false], // absent attribute never matches a non-universal key
    [{ StudyDescription: '' }, true],
  ])('%j -> %s', (params, expected) => {
    expect(matches(parseQidoQuery(params, { level: 'STUDY' }), ds)).toBe(expected);
  });

  it('matches combined date-time when the time is missing on the date alone', () => {
    const noTime = { ...ds };
    delete noTime['00080030'];
    expect(matches(study({ StudyDate: '20240115-20240116', StudyTime: '0100-0200' }), noTime)).toBe(true);
    expect(matches(study({ StudyDate: '20240116-20240117', StudyTime: '0100-0200' }), noTime)).toBe(false);
  });

  it('matches worklist items by sequence keys within the same item', () => {
    const item = (modality: string, date: string): DicomJsonDataset => ({
      '00400100': { vr: 'SQ', Value: [{ '00080060': { vr: 'CS', Value: [modality] }, '00400002': { vr: 'DA', Value: [date] }, '00400003': { vr: 'TM', Value: ['0930'] } }] },
    });
    const q = parseFindIdentifier(
      { '00400100': { vr: 'SQ', Value: [{ '00080060': { vr: 'CS', Value: ['CT'] }, '00400002': { vr: 'DA', Value: ['20240101'] }, '00400003': { vr: 'TM', Value: ['0800-1000'] } }] } },
      { level: 'WORKLIST' },
    );
    expect(matches(q, item('CT', '20240101'))).toBe(true);
    expect(matches(q, item('MR', '20240101'))).toBe(false);
    expect(matches(q, item('CT', '20240102'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('toSql', () => {
  const columns = {
    PatientName: { column: 'patient.name_norm', fuzzyColumn: 'patient.name_fuzzy' },
    PatientID: 'patient.pid',
    StudyDate: 'study.study_date',
    StudyTime: 'study.study_time',
    StudyInstanceUID: 'study.uid',
    ModalitiesInStudy: { column: 'study.modalities', array: true },
    AccessionNumber: 'study.accession',
    NumberOfStudyRelatedInstances: 'study.num_instances',
    'ReferencedSeriesSequence.SeriesInstanceUID': 'ref.series_uid',
  };
  const sql = (params: Record<string, string | string[]>) => toSql(parseQidoQuery(params, { level: 'STUDY' }), columns);

  it.each<[Record<string, string | string[]>, string, unknown[]]>([
    [{}, 'TRUE', []],
    [{ PatientName: '' }, 'TRUE', []],
    [{ PatientName: 'doe^john' }, 'patient.name_norm = $1', ['DOE^JOHN']],
    [{ PatientName: 'doe*' }, "patient.name_norm LIKE $1 ESCAPE '\\'", ['DOE%']],
    [{ PatientName: 'Rüd', fuzzymatching: 'true' }, "(' ' || patient.name_fuzzy) LIKE $1 ESCAPE '\\'", ['% RUD%']],
    [{ PatientID: 'A?C' }, "patient.pid LIKE $1 ESCAPE '\\'", ['A_C']],
    [{ AccessionNumber: '50%_off*' }, "study.accession LIKE $1 ESCAPE '\\'", ['50\\%\\_off%']],
    [{ StudyDate: '20240101-20240131' }, 'study.study_date BETWEEN $1 AND $2', ['20240101', '20240131']],
    [{ StudyDate: '20240101-' }, 'study.study_date >= $1', ['20240101']],
    [{ StudyDate: '-20240131' }, 'study.study_date <= $1', ['20240131']],
    [{ StudyDate: '20240101' }, 'study.study_date = $1', ['20240101']],
    [{ StudyTime: '10' }, 'study.study_time BETWEEN $1 AND $2', ['100000.000000', '105959.999999']],
    [{ StudyInstanceUID: '1.2.3,1.2.4' }, 'study.uid = ANY($1::text[])', [['1.2.3', '1.2.4']]],
    [{ ModalitiesInStudy: 'CT' }, 'EXISTS (SELECT 1 FROM unnest(study.modalities) AS _v(v) WHERE _v.v = $1)', ['CT']],
    [{ NumberOfStudyRelatedInstances: '12' }, 'study.num_instances = $1', [12]],
    [{ 'ReferencedSeriesSequence.SeriesInstanceUID': '1.2.5' }, 'ref.series_uid = $1', ['1.2.5']],
    [
      { StudyDate: '20240101-20240102', StudyTime: '2200-0600' },
      '(study.study_date > $1 OR (study.study_date = $1 AND (study.study_time IS NULL OR study.study_time >= $2))) AND (study.study_date < $3 OR (study.study_date = $3 AND (study.study_time IS NULL OR study.study_time <= $4)))',
      ['20240101', '220000.000000', '20240102', '060059.999999'],
    ],
    [{ PatientID: 'P1', StudyDate: '20240101' }, 'patient.pid = $1 AND study.study_date = $2', ['P1', '20240101']],
  ])('%j', (params, text, values) => {
    const r = sql(params);
    expect(r.text).toBe(text);
    expect(r.params).toEqual(values);
    expect(r.unmapped).toEqual([]);
  });

  it('never interpolates values: hostile input only ends up in params', () => {
    const evil = "x'; DROP TABLE patient; --";
    const r = sql({ PatientID: evil, PatientName: evil + '*' });
    expect(r.text).not.toContain('DROP');
    expect(r.params).toEqual([evil, "X'; DROP TABLE PATIENT; --%"]);
  });

  it('reports unmapped keys for in-memory post-filtering', () => {
    const r = sql({ StudyDescription: 'Chest*', PatientID: 'P1' });
    expect(r.text).toBe('patient.pid = $1');
    expect(r.unmapped.map((k) => k.keyword)).toEqual(['StudyDescription']);
  });

  it('prefilters a combined range on the date only when the time column is unmapped', () => {
    const q = parseQidoQuery({ StudyDate: '20240101-20240102', StudyTime: '2200-0600' }, { level: 'STUDY' });
    const r = toSql(q, { StudyDate: 'd' });
    expect(r.text).toBe('d BETWEEN $1 AND $2');
    expect(r.unmapped).toHaveLength(1);
  });

  it('upper-cases a non-normalised PN column and continues numbering from startIndex', () => {
    const q = parseQidoQuery({ PatientName: 'doe*' }, { level: 'STUDY' });
    expect(toSql(q, { PatientName: { column: 'p.name', normalized: false } }, { startIndex: 3 }).text).toBe("upper(p.name) LIKE $3 ESCAPE '\\'");
  });

  it('refuses column expressions that are not identifiers', () => {
    const q = parseQidoQuery({ PatientID: 'x' }, { level: 'STUDY' });
    expect(() => toSql(q, { PatientID: 'pid; DROP TABLE x' })).toThrow(QueryError);
  });

  it.each([
    ['abc', 'abc'],
    ['a*b?c', 'a%b_c'],
    ['100%', '100\\%'],
    ['a_b', 'a\\_b'],
    ['back\\slash', 'back\\\\slash'],
  ])('wildcardToLike(%j) = %j', (input, expected) => {
    expect(wildcardToLike(input)).toBe(expected);
  });
});

describe('parseQuery (single entry point)', () => {
  it('dispatches QIDO params and DIMSE identifiers to the same classification', async () => {
    const { parseQuery } = await import('./parse');
    const a = parseQuery({ kind: 'qido', params: { PatientName: 'Doe*' } }, { level: 'STUDY' });
    const b = parseQuery({ kind: 'dimse', identifier: { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe*' }] } } }, { level: 'STUDY' });
    expect(a.keys).toEqual(b.keys);
    expect([a.source, b.source]).toEqual(['qido', 'dimse']);
  });
});

import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Every setting of the server, read once from the environment (documented in README "Configuration"). */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL connection string; when absent, an embedded PGlite database lives under dataDir/db. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of every Redis key and channel (several installations may share one Redis). */
  redisPrefix: string;
  adminPassword?: string;
  demo: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  jwtSecret: Uint8Array;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  webDir: string;
  /** Sent with cookies: set to true behind HTTPS. */
  secureCookies: boolean;
  trustProxy: boolean;
  /** Studies imported on first start when demo is on (default: fixtures/demo of the repository). */
  demoDir: string;
  /** The DICOM (DIMSE) node: DICOM_PORT, DICOM_AET, DICOM_HOST, DICOM_AE_WHITELIST, DICOM_IDLE_TIMEOUT. */
  dicom: DimseConfig;
  /** What to do when an instance with an already archived SOP Instance UID arrives. */
  duplicatePolicy: 'keep' | 'overwrite';
  /** Memory for WADO-RS metadata answers kept between requests (MB; 0 = none). */
  metadataCacheMb: number;
  /** `auto`: archived objects are written with O_DIRECT when the file system takes it; `off`: through the page cache. */
  directIo: 'auto' | 'off';
  /** Space kept free on the archive's file system (MB; 0 = no check): below it, objects are refused as out of resources. */
  minFreeMb: number;
  /** Threads decoding compressed frames (rendered, thumbnails, uncompressed frames and transcoding). */
  decodeThreads: number;
  /** Seconds one frame's decoding may take before its thread is stopped and the request answered with an error. */
  decodeTimeoutSeconds: number;
}

export interface DimseConfig {
  /** 0 = any free port (tests) */
  port: number;
  aet: string;
  host: string;
  /** true: only registered nodes may associate */
  whitelist: boolean;
  /** seconds without a PDU before an association is aborted */
  idleTimeoutSeconds: number;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

function int(env: NodeJS.ProcessEnv, key: string, def: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Configuration: ${key} must be a non-negative integer, got "${raw}"`);
  return n;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, allowed: readonly T[], def: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`Configuration: ${key} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function bool(env: NodeJS.ProcessEnv, key: string, def: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new Error(`Configuration: ${key} must be true or false, got "${raw}"`);
}

/**
 * The JWT signing key: AXIAL_JWT_SECRET when set (required when several processes share one database),
 * otherwise a random key created once and kept in dataDir/secrets/jwt.key (mode 0600).
 */
function loadJwtSecret(env: NodeJS.ProcessEnv, dataDir: string): Uint8Array {
  if (env.AXIAL_JWT_SECRET) {
    if (env.AXIAL_JWT_SECRET.length < 32) throw new Error('Configuration: AXIAL_JWT_SECRET must be at least 32 characters');
    return new TextEncoder().encode(env.AXIAL_JWT_SECRET);
  }
  const dir = join(dataDir, 'secrets');
  const file = join(dir, 'jwt.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(48).toString('base64'), { mode: 0o600 });
  }
  return new TextEncoder().encode(readFileSync(file, 'utf8').trim());
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = resolve(env.AXIAL_DATA_DIR || './data');
  mkdirSync(dataDir, { recursive: true });
  const logLevel = (env.LOG_LEVEL || 'info') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`Configuration: LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    port: int(env, 'PORT', 5000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.AXIAL_REDIS_PREFIX || 'axial',
    adminPassword: env.AXIAL_ADMIN_PASSWORD || undefined,
    demo: bool(env, 'AXIAL_DEMO', true),
    logLevel,
    jwtSecret: loadJwtSecret(env, dataDir),
    accessTokenTtlSeconds: int(env, 'AXIAL_ACCESS_TOKEN_TTL', 900),
    refreshTokenTtlSeconds: int(env, 'AXIAL_REFRESH_TOKEN_TTL', 7 * 24 * 3600),
    webDir: resolve(env.AXIAL_WEB_DIR || join(__dirname, '../../../web/dist')),
    secureCookies: bool(env, 'AXIAL_SECURE_COOKIES', false),
    trustProxy: bool(env, 'AXIAL_TRUST_PROXY', false),
    demoDir: resolve(env.AXIAL_DEMO_DIR || join(__dirname, '../../../../fixtures/demo')),
    duplicatePolicy: oneOf(env, 'AXIAL_DUPLICATES', ['keep', 'overwrite'] as const, 'keep'),
    metadataCacheMb: int(env, 'AXIAL_METADATA_CACHE_MB', 64),
    directIo: oneOf(env, 'AXIAL_DIRECT_IO', ['auto', 'off'] as const, 'auto'),
    minFreeMb: int(env, 'AXIAL_MIN_FREE_MB', 512),
    // One core is left to the request thread (on 2 cores, 2 decoding threads made its stalls longer: bench/decode-quick.mjs).
    decodeThreads: int(env, 'AXIAL_DECODE_THREADS', Math.max(1, availableParallelism() - 1)),
    decodeTimeoutSeconds: int(env, 'AXIAL_DECODE_TIMEOUT', 30),
    dicom: { port: int(env, 'DICOM_PORT', 11112), aet: env.DICOM_AET || 'AXIAL', host: env.DICOM_HOST || '0.0.0.0', whitelist: bool(env, 'DICOM_AE_WHITELIST', false), idleTimeoutSeconds: int(env, 'DICOM_IDLE_TIMEOUT', 120) },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

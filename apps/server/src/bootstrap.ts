import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { AppModule } from './app.module';
import { IdentitySeed } from './identity/seed.service';
import { DemoImport } from './imaging/archive/demo-import';
import type { AppConfig } from './platform/config';
import { openDatabase, type DatabaseHandle } from './platform/database/database';
import { Readiness } from './platform/http/health.controller';
import { SECURITY_HEADERS } from './platform/http/security-headers';
import { AxialLogger } from './platform/logging';
import { RedisIoAdapter } from './realtime/redis-io.adapter';

export interface RunningApp {
  app: NestFastifyApplication;
  database: DatabaseHandle;
  /** Base URL the server listens on (http://127.0.0.1:PORT when started with port 0). */
  url: string;
  close(): Promise<void>;
}

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  debug: ['error', 'warn', 'log', 'debug', 'verbose', 'fatal'],
  info: ['error', 'warn', 'log', 'fatal'],
  warn: ['error', 'warn', 'fatal'],
  error: ['error', 'fatal'],
  silent: [],
};

export async function startServer(config: AppConfig, opts: { inMemoryDb?: boolean; database?: DatabaseHandle } = {}): Promise<RunningApp> {
  Logger.overrideLogger(LEVELS[config.logLevel]);
  const log = new Logger('Axial');
  const database = opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, inMemory: opts.inMemoryDb }));

  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: 10 * 1024 * 1024,
    // Never log request bodies or headers: they carry passwords and tokens.
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, database), adapter, {
    logger: new AxialLogger(config.logLevel === 'debug', LEVELS[config.logLevel]),
    abortOnError: false,
  });
  await app.register(fastifyCookie as never);

  let redisAdapter: RedisIoAdapter | undefined;
  if (config.redisUrl) {
    redisAdapter = new RedisIoAdapter(app, config.redisUrl, config.redisPrefix);
    await redisAdapter.connect();
    app.useWebSocketAdapter(redisAdapter);
  }

  const fastify = app.getHttpAdapter().getInstance();
  // DICOM bodies are streamed to disk by their handlers (STOW-RS), never buffered or size-limited here.
  fastify.addContentTypeParser(['multipart/related', 'application/dicom'], (_req, payload, done) => done(null, payload));
  fastify.addHook('onSend', async (_req, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });

  // The web app (built by Vite) at '/', with client-side routes falling back to index.html.
  if (existsSync(join(config.webDir, 'index.html'))) {
    // Vite names every file under assets/ after its content: those never change under their name, so browsers keep
    // them without asking again (a page load then revalidates index.html only, not each of the viewer's chunks).
    const assetsDir = join(config.webDir, 'assets');
    await app.register(fastifyStatic as never, {
      root: config.webDir, prefix: '/', wildcard: false, index: false, decorateReply: true, cacheControl: false,
      setHeaders: (reply: { header(name: string, value: string): unknown }, path: string) => {
        reply.header('cache-control', path.startsWith(assetsDir + sep) ? 'public, max-age=31536000, immutable' : 'public, max-age=0');
      },
    });
  } else {
    log.warn(`No web app at ${config.webDir} (run "npm run build"); serving the API only`);
  }
  const doc = SwaggerModule.createDocument(app, new DocumentBuilder()
    .setTitle('Axial API')
    .setDescription('Radiology platform: identity, patients, imaging (DICOMweb at /dicom-web), reporting, system.')
    .setVersion('1')
    .addBearerAuth()
    .build());
  SwaggerModule.setup('api', app, cleanupOpenApiDoc(doc), { jsonDocumentUrl: 'api-json' });

  await app.init();
  const readiness = app.get(Readiness);
  await app.listen({ port: config.port, host: config.host });
  const address = fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;

  const { firstStart } = await app.get(IdentitySeed).run();
  if (firstStart && config.demo) await app.get(DemoImport).run();
  readiness.ready = true;
  log.log(`Axial ready on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port} (database: ${database.engine})`);

  let closed = false;
  return {
    app,
    database,
    url,
    async close() {
      if (closed) return;
      closed = true;
      readiness.ready = false;
      await app.close();
      await redisAdapter?.close();
      if (!opts.database) await database.close();
    },
  };
}

import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../identity/access/access.decorators';
import { APP_CONFIG, type AppConfig } from '../config';

/** Paths that belong to the server; every other GET that wants HTML gets the single-page app. */
const SERVER_PATHS = /^\/(api|api-json|health|socket\.io|dicom-web|wado)(\/|$|\?)/;

/**
 * The web app's client-side routes (/admin/users, /viewer?…): answer index.html so a reload or a shared
 * link works. Static files themselves are served by @fastify/static; unknown API paths stay a JSON 404.
 * The page itself holds no data: everything it shows comes from authenticated API calls.
 */
@ApiExcludeController()
@Controller()
export class SpaController {
  private readonly hasWeb: boolean;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.hasWeb = existsSync(join(config.webDir, 'index.html'));
  }

  @Public()
  @Get('*')
  page(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const wantsHtml = /text\/html/.test(req.headers.accept ?? '');
    if (!this.hasWeb || !wantsHtml || SERVER_PATHS.test(req.url)) {
      throw new NotFoundException(`No route for GET ${req.url.split('?')[0]}`);
    }
    return (reply as FastifyReply & { sendFile(f: string, root: string): FastifyReply })
      .header('cache-control', 'no-cache')
      .sendFile('index.html', this.config.webDir);
  }
}

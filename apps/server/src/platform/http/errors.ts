import {
  ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodValidationException } from 'nestjs-zod';

/** The one error shape of the API (README "Errors"). Never carries a stack trace. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
}

const REASON: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function errorBody(statusCode: number, message: string, details?: ErrorBody['details']): ErrorBody {
  const body: ErrorBody = { statusCode, error: REASON[statusCode] ?? 'Error', message };
  if (details?.length) body.details = details;
  return body;
}

/** Turn anything thrown into the error shape; unexpected errors are logged server-side only. */
export function toErrorBody(exception: unknown, log: Logger): ErrorBody {
  if (exception instanceof ZodValidationException) {
    const zodError = exception.getZodError() as { issues?: Array<{ path: PropertyKey[]; message: string }> };
    const details = (zodError.issues ?? []).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return errorBody(400, 'Invalid input', details);
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const res = exception.getResponse();
    let message = exception.message;
    let details: ErrorBody['details'];
    if (typeof res === 'object' && res) {
      const r = res as { message?: unknown; details?: ErrorBody['details'] };
      if (typeof r.message === 'string') message = r.message;
      else if (Array.isArray(r.message)) message = r.message.join('; ');
      details = r.details;
    }
    return errorBody(status, message, details);
  }
  // Fastify's own errors (bad JSON, wrong content type, body too large) carry a statusCode.
  const fe = exception as { statusCode?: number; message?: string; code?: string };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return errorBody(fe.statusCode, fe.message ?? 'Bad request');
  }
  log.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
  return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const body = toErrorBody(exception, this.log);
    // 503 is the normal answer while starting or stopping; other 5xx are faults worth an error line.
    if (body.statusCode >= 500 && body.statusCode !== 503) this.log.error(`${req.method} ${req.url.split('?')[0]} -> ${body.statusCode}`);
    if (!reply.sent) void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

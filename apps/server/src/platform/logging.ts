import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** Nest's start-up chatter (one line per module and route) is shown only at LOG_LEVEL=debug. */
const CHATTY = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'NestFactory', 'NestApplication', 'WebSocketsController']);

export class AxialLogger extends ConsoleLogger {
  constructor(private readonly verbose_: boolean, levels: LogLevel[]) {
    super('Axial', { logLevels: levels });
  }

  override log(message: unknown, context?: string): void {
    if (!this.verbose_ && context && CHATTY.has(context)) return;
    super.log(message, context);
  }
}

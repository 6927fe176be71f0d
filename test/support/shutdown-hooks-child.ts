/**
 * A process of its own (test/shutdown-hooks.spec.ts): boots a Nest application with the webhooks module,
 * with or without `app.enableShutdownHooks()` (argv[2] = 'hooks' | 'none'), waits past the engine's check,
 * and prints as JSON the warnings the module logged.
 */
import 'reflect-metadata';
import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WebhooksModule } from '../../lib';

const warnings: string[] = [];
const logger: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: (message: unknown) => void warnings.push(String(message)),
};

@Module({ imports: [WebhooksModule.forRoot({ storage: 'memory' })] })
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger });
  if (process.argv[2] === 'hooks') app.enableShutdownHooks();
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  process.stdout.write(JSON.stringify({ warnings }));
  await app.close();
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  process.exit(1);
});

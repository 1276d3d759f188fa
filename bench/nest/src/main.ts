// The lesson's main.ts, minus the static `pages/` folder (the benchmark needs
// no page): an HTTP app on PORT (default 3000) whose socket.io gateway shares
// the port, through NestJS's default adapter (IoAdapter).
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  const raw = process.env.PORT ?? '3000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || port > 65535) {
    throw new Error(`PORT=${JSON.stringify(raw)} is not a port number (0-65535)`);
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule);
  // SIGTERM (what bench/run sends) closes the app and its gateway cleanly.
  app.enableShutdownHooks();
  // Every IPv4 interface, as the gatesmith host binds.
  await app.listen(port, '0.0.0.0');
  console.log(`nest: listening on ${await app.getUrl()}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// What `nest g resource aaa` (transport: WebSockets) scaffolds.
import { Module } from '@nestjs/common';
import { AaaGateway } from './aaa.gateway.js';
import { AaaService } from './aaa.service.js';

@Module({
  providers: [AaaGateway, AaaService],
})
export class AaaModule {}

import { Module } from '@nestjs/common';
import { AaaModule } from './aaa/aaa.module.js';

@Module({
  imports: [AaaModule],
})
export class AppModule {}

import { Module } from '@nestjs/common';
import { LocalReceiver } from './local-receiver';

/** The built-in receiver standing for the systems that subscribe (see {@link LocalReceiver}). */
@Module({ providers: [LocalReceiver], exports: [LocalReceiver] })
export class ReceiverModule {}

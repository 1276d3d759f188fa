// The scaffolded gateway with every change the lesson makes to it (the
// Observable of findAllAaa, @ConnectedSocket in findOneAaa, @WebSocketServer
// in createAaa, the lifecycle hooks), plus `echo` for the benchmark.
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
  WsResponse,
} from '@nestjs/websockets';
import { Observable } from 'rxjs';
import type { Server, Socket } from 'socket.io';
import { AaaService } from './aaa.service.js';
import { CreateAaaDto } from './dto/create-aaa.dto.js';
import { UpdateAaaDto } from './dto/update-aaa.dto.js';

@WebSocketGateway()
export class AaaGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  @WebSocketServer()
  server: Server;

  constructor(private readonly aaaService: AaaService) {}

  @SubscribeMessage('createAaa')
  create(@MessageBody() createAaaDto: CreateAaaDto): string {
    // Every connected client hears it.
    this.server.emit('guang', 777);
    return this.aaaService.create(createAaaDto);
  }

  @SubscribeMessage('findAllAaa')
  findAll(): Observable<WsResponse<{ msg: string }>> {
    // No ack: the sender gets `guang` three times, at 0 s, 2 s and 5 s. Like
    // the lesson's, the Observable never completes; NestJS unsubscribes it
    // when the socket disconnects (the timers still fire, into nothing).
    return new Observable((observer) => {
      observer.next({ event: 'guang', data: { msg: 'aaa' } });

      setTimeout(() => {
        observer.next({ event: 'guang', data: { msg: 'bbb' } });
      }, 2000);

      setTimeout(() => {
        observer.next({ event: 'guang', data: { msg: 'ccc' } });
      }, 5000);
    });
  }

  @SubscribeMessage('findOneAaa')
  findOne(@MessageBody() id: number, @ConnectedSocket() socket: Socket): string {
    // The sender only.
    socket.emit('guang', 666);
    return this.aaaService.findOne(id);
  }

  @SubscribeMessage('updateAaa')
  update(@MessageBody() updateAaaDto: UpdateAaaDto): string {
    return this.aaaService.update(updateAaaDto.id, updateAaaDto);
  }

  @SubscribeMessage('removeAaa')
  remove(@MessageBody() id: number): string {
    return this.aaaService.remove(id);
  }

  // Not in the lesson: the benchmark's baseline event, the payload as the ack.
  // (NestJS would emit instead of acking a payload with an `event` key.)
  @SubscribeMessage('echo')
  echo(@MessageBody() payload: unknown): unknown {
    return payload;
  }

  afterInit(server: Server): void {}

  handleConnection(client: Socket, ...args: unknown[]): void {}

  handleDisconnect(client: Socket): void {}
}

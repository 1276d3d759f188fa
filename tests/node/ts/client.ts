// A client written against the generated typings: it must type-check with
// `tsc --noEmit --strict` (tests/typescript.rs). Every line uses a typing
// the way an application would.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, CreateAaaDto, ServerToClientEvents } from '../../../generated/client/aaa.js';
import type * as Typed from '../../typed/client/typed.js';

const lesson: Socket<ServerToClientEvents, ClientToServerEvents> = io('http://localhost:3000');
const dto: CreateAaaDto = { name: 'guang' };
lesson.emit('createAaa', dto, (response) => {
  const text: string = typeof response === 'string' ? response : response.violations[0].path;
  console.log(text);
});
lesson.emit('findOneAaa', 1, (response) => console.log(response));
lesson.emit('updateAaa', { id: 2, name: 'dong' }, (response) => console.log(response));
lesson.emit('findAllAaa');
lesson.on('guang', (data) => {
  const shown: string = typeof data === 'number' ? data.toFixed(0) : data.msg;
  console.log(shown);
});
lesson.on('exception', (error) => console.log(error.code, error.event));

const typed: Socket<Typed.ServerToClientEvents, Typed.ClientToServerEvents> = io('http://localhost:3000/typed');
const ada: Typed.CreateUser = { name: 'Ada', email: 'ada@example.com', role: 'admin', website: null };
typed.emit('createUser', ada, (response) => {
  if ('violations' in response) {
    console.log(response.violations.map((v) => `${v.path} ${v.rule}`));
  } else {
    const role: Typed.Role = response.role;
    const id: number = response.id;
    console.log(role, id);
  }
});
typed.on('created', (user) => console.log(user.name));
typed.on('ticket', (ticket) => console.log(typeof ticket === 'number' ? ticket : ticket.msg));

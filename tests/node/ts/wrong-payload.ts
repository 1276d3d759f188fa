// A client that sends the wrong payload types: `tsc --noEmit` must refuse
// it, naming each of the marked lines (tests/typescript.rs).
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../generated/client/aaa.js';
import type * as Typed from '../../typed/client/typed.js';

const lesson: Socket<ServerToClientEvents, ClientToServerEvents> = io('http://localhost:3000');
lesson.emit('findOneAaa', 'one', () => {}); // WRONG: findOneAaa carries an integer
lesson.emit('createAaa', { title: 'guang' }, () => {}); // WRONG: CreateAaaDto has `name`

const typed: Socket<Typed.ServerToClientEvents, Typed.ClientToServerEvents> = io('http://localhost:3000/typed');
typed.emit('createUser', { name: 'Ada', email: 'ada@example.com', role: 'root' }, () => {}); // WRONG: no such role

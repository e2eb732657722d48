import { spawn } from 'node:child_process';
import WebSocket from 'ws';
const child = spawn(process.execPath, ['/work/main/out/main/cli.js', 'serve', '--port', '0', '--no-open'], { env: { ...process.env, ATELIER_HOME: '/tmp/tui/kill/home' }, stdio: ['ignore', 'pipe', 'pipe'] });
child.stderr.on('data', d => process.stderr.write('[srv] ' + d));
child.on('exit', (c, s) => console.log('server exit', c, s));
let out = '';
const url = await new Promise(r => child.stdout.on('data', d => { out += d; const m = /running at (\S+)/.exec(out); if (m) r(m[1]); }));
const u = new URL(url);
const ws = new WebSocket(`ws://${u.host}/api/ws`, { headers: { Origin: u.origin, Cookie: `atelier_token=${u.searchParams.get('token')}` } });
await new Promise(r => ws.once('open', r));
let id = 0; const pending = new Map();
ws.on('message', (m) => { const msg = JSON.parse(m); if (msg.type === 'result' && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); } else if (msg.type === 'event' && msg.name === 'train:progress') { const p = msg.payload; console.log('progress', p.state, p.step, p.error ?? ''); } });
const call = (name, input) => new Promise(r => { const i = String(++id); pending.set(i, r); ws.send(JSON.stringify({ id: i, name, input })); });
console.log(JSON.stringify(await call('project:create', { dir: '/tmp/tui/kill/proj', name: 'K' })).slice(0, 100));
console.log(JSON.stringify(await call('train:start', { options: { name: 'tiny', model: 'pix2pix', dataroot: '/tmp/tui/kill/facades', load_size: 36, crop_size: 32, netG: 'unet_32', ngf: 4, ndf: 4, n_epochs: 20, n_epochs_decay: 0, preview_freq: 6, save_latest_freq: 12, save_epoch_freq: 1, print_freq: 1, seed: 1 } })));
for (let i = 0; i < 30; i++) { await new Promise(r => setTimeout(r, 1000)); const g = await call('runs:get', { name: 'tiny' }); console.log('get', JSON.stringify(g).slice(0, 300)); }
child.kill('SIGTERM');
